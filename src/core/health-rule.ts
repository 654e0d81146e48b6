import type { HealthStatusCode } from './health.ts';

/**
 * Custom health rules, declared per app in capstan.yaml (`apps[].health`) or for every app
 * (`health` at the top). Types only: config reads and validates them when capstan.yaml loads;
 * health evaluates them.
 */

export type MatchValue = string | number | boolean;

/**
 * One test on a field of the object. Exactly one of `equals`, `in` and `exists` is given.
 * Scalars compare as text, so `equals: 3` matches `"3"`; a boolean also matches the condition
 * strings `"True"`/`"False"` (YAML reads an unquoted `True` as a boolean).
 */
export interface Match {
  /** Dotted path with optional selectors: `status.conditions[type=Synced].status` (see `parseRulePath`). */
  path: string;
  equals?: MatchValue;
  in?: readonly MatchValue[];
  /** true: the field is present (and not null); false: it is absent. */
  exists?: boolean;
}

/** One case of a rule: when every match holds, the object has `status`. */
export interface HealthRuleCase {
  status: HealthStatusCode;
  /** All must hold; an empty list always holds (a catch-all last case). */
  when: readonly Match[];
  /** Shown with the status; `{{ path }}` is replaced by the field's value. */
  message?: string;
}

/**
 * Custom health for one kind. Cases are tried in order and the first whose matches all hold
 * decides; if none does, the built-in assessment applies.
 */
export interface HealthRule {
  /** API group; omitted matches the kind in any group, `""` is the core group. */
  group?: string;
  kind: string;
  rules: readonly HealthRuleCase[];
}
