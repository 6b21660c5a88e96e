import { SealtrailError } from "../errors.js";
import type { EventTransform } from "../event/prepare-event.js";
import { type BindTenantSpec, bindTenant } from "./transforms/bind-tenant.js";

/**
 * A transform of the ingest pipeline described as data (`{ kind, …options }`), so that a
 * preparing thread can be handed it and build the same transform: validate → normalize →
 * transforms → seal. Kinds so far: `bind-tenant`.
 */
export type TransformSpec = BindTenantSpec;

const BUILDERS: {
  readonly [K in TransformSpec["kind"]]: (spec: Extract<TransformSpec, { kind: K }>) => EventTransform;
} = {
  "bind-tenant": bindTenant,
};

/**
 * Builds the transforms `specs` describe, in order.
 *
 * @example
 * ```ts
 * const transforms = buildTransforms([{ kind: "bind-tenant", tenant: "acme" }]);
 * prepareEvent({ action: "user.login" }, { transforms }).tenant; // "acme"
 * ```
 */
export function buildTransforms(specs: readonly TransformSpec[]): EventTransform[] {
  return specs.map((spec, index) => {
    const build = BUILDERS[spec.kind] as ((s: TransformSpec) => EventTransform) | undefined;
    if (!build) {
      throw new SealtrailError(
        "ST_ERR_USAGE",
        `transforms[${index}].kind: expected one of ${Object.keys(BUILDERS).join(", ")}, got "${String(spec.kind)}"`,
      );
    }
    return build(spec);
  });
}
