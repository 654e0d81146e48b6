import { groupOf, parseRulePath, rulePlaceholderPattern, type HealthRule, type HealthStatus, type Manifest, type Match, type MatchValue } from '../core/index.ts';
import { health } from './fields.ts';
import { resolveRulePath, scalarText } from './rule-path.ts';

// Evaluating the custom health rules of capstan.yaml (core's HealthRule, validated when capstan.yaml loads).

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

function interpolate(message: string, object: Manifest): string {
  return message.replace(rulePlaceholderPattern, (_whole, path: string) => {
    const parsed = parseRulePath(path);
    if (!parsed.ok) return '';
    const value = resolveRulePath(object, parsed.steps);
    return scalarText(value) ?? (value === undefined || value === null ? '' : JSON.stringify(value));
  });
}
