import { groupOf, type HealthStatus, type HealthStatusCode, type Manifest } from '../core/index.ts';
import { health } from './fields.ts';
import { parseRulePath, resolveRulePath, scalarText } from './rule-path.ts';

export type MatchValue = string | number | boolean;

/**
 * One test on a field of the object. Exactly one of `equals`, `in` and `exists` is given.
 * Scalars compare as text, so `equals: 3` matches `"3"`; a boolean also matches the condition
 * strings `"True"`/`"False"` (YAML reads an unquoted `True` as a boolean).
 */
export interface Match {
  /** Dotted path with optional selectors: `status.conditions[type=Synced].status`. */
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
 * Custom health for one kind, declared per app in capstan.yaml. Cases are tried in order and the
 * first whose matches all hold decides; if none does, the built-in assessment applies.
 */
export interface HealthRule {
  /** API group; omitted matches the kind in any group, `""` is the core group. */
  group?: string;
  kind: string;
  rules: readonly HealthRuleCase[];
}

/** The status the first matching case of the first applicable rule gives, or undefined. */
export function evaluateHealthRules(object: Manifest, rules: readonly HealthRule[]): HealthStatus | undefined {
  const group = typeof object.apiVersion === 'string' ? groupOf(object.apiVersion) : '';
  for (const rule of rules) {
    if (rule.kind !== object.kind || (rule.group !== undefined && rule.group !== group)) continue;
    for (const ruleCase of rule.rules) {
      if (ruleCase.when.every((match) => matchHolds(object, match))) {
        const message = ruleCase.message === undefined ? describeMatches(ruleCase.when) : interpolate(ruleCase.message, object);
        return health(ruleCase.status, message);
      }
    }
  }
  return undefined;
}

export function matchHolds(object: unknown, match: Match): boolean {
  const parsed = parseRulePath(match.path);
  if (!parsed.ok) return false;
  const value = resolveRulePath(object, parsed.steps);
  if (match.exists !== undefined && (value !== undefined && value !== null) !== match.exists) return false;
  if (match.equals !== undefined && !sameScalar(value, match.equals)) return false;
  if (match.in !== undefined && !match.in.some((expected) => sameScalar(value, expected))) return false;
  return true;
}

function sameScalar(actual: unknown, expected: MatchValue): boolean {
  const text = scalarText(actual);
  if (text === undefined) return false;
  if (typeof actual === 'boolean' || typeof expected === 'boolean') return text.toLowerCase() === String(expected).toLowerCase();
  return text === String(expected);
}

function describeMatches(matches: readonly Match[]): string {
  if (matches.length === 0) return 'health rule matched';
  const parts = matches.map((m) => {
    if (m.equals !== undefined) return `${m.path} = ${JSON.stringify(m.equals)}`;
    if (m.in !== undefined) return `${m.path} in ${JSON.stringify(m.in)}`;
    return m.exists === false ? `${m.path} is absent` : `${m.path} exists`;
  });
  return `health rule matched: ${parts.join(' and ')}`;
}

/** `{{ path }}` placeholders in a rule's message, e.g. `{{ status.conditions[type=Synced].message }}`. */
export const placeholderPattern = /\{\{\s*([^{}]*?)\s*\}\}/g;

function interpolate(message: string, object: Manifest): string {
  return message.replace(placeholderPattern, (_whole, path: string) => {
    const parsed = parseRulePath(path);
    if (!parsed.ok) return '';
    const value = resolveRulePath(object, parsed.steps);
    return scalarText(value) ?? (value === undefined || value === null ? '' : JSON.stringify(value));
  });
}
