/** Bounds on what one event may hold; checked before anything is stored. */
export interface EventLimits {
  /**
   * Largest serialized (canonical JSON, UTF-8) event in bytes, at most 65 535 (the largest entry a
   * C2SP entry bundle can carry). Default 65 535.
   */
  maxEventBytes: number;
  /** Deepest nesting of objects and arrays, the event itself being depth 1. Default 32. */
  maxDepth: number;
  /** Longest string inside `details`, in UTF-16 code units. Default 16 384. */
  maxStringLength: number;
  /** Longest array inside `details`. Default 1 000. */
  maxArrayLength: number;
}

/** The default {@link EventLimits}. */
export const DEFAULT_EVENT_LIMITS: Readonly<EventLimits> = Object.freeze({
  maxEventBytes: 65_535,
  maxDepth: 32,
  maxStringLength: 16_384,
  maxArrayLength: 1_000,
});
