export * from "../read-model/event-filter.js";
export {
  type CursorPosition,
  decodeCursor,
  encodeCursor,
  PAGE_SORTS,
  type PageOrder,
  type PageSort,
} from "./cursor.js";
export { checkFieldPath, parseCondition, parseFilter } from "./filter-syntax.js";
export { parseDuration, parseInstant } from "./time-range.js";
