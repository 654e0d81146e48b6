/**
 * Reads the custom health rules of capstan.yaml (`apps[].health[].rules`, and `health[].rules` for
 * every app) into core's typed `HealthRuleCase`s, checking every field: health evaluates them as
 * they are, without checks of its own. Pure: the YAML reader locates each problem at its line.
 */
import { healthOrder, parseRulePath, rulePlaceholderPattern, type HealthRuleCase, type HealthStatusCode, type Match, type MatchValue } from '../core/index.ts';
import type { FieldProblem } from './types.ts';

type FieldPath = Array<string | number>;

const caseFields = ['status', 'when', 'message'];
const matchFields = ['path', 'equals', 'in', 'exists'];

/**
 * The `rules` of one kind (a list of `{status, when, message}`) as read from YAML: the cases that
 * are valid, and one problem per mistake, its path below the list (`[1, 'when', 0, 'path']`).
 */
export function readHealthRuleCases(cases: unknown): { cases: HealthRuleCase[]; problems: FieldProblem[] } {
  if (!Array.isArray(cases) || cases.length === 0) return { cases: [], problems: [{ path: [], message: 'must be a non-empty list of {status, when, message}' }] };
  const problems: FieldProblem[] = [];
  const read: HealthRuleCase[] = [];
  cases.forEach((ruleCase: unknown, c) => {
    const valid = readCase(ruleCase, [c], problems);
    if (valid) read.push(valid);
  });
  return { cases: read, problems };
}

function readCase(ruleCase: unknown, at: FieldPath, problems: FieldProblem[]): HealthRuleCase | undefined {
  if (!isRecord(ruleCase)) {
    problems.push({ path: at, message: `must be a mapping with status and when, got ${typeName(ruleCase)}` });
    return undefined;
  }
  const before = problems.length;
  unknownFields(ruleCase, caseFields, at, problems);
  const codes = healthOrder.join(', ');
  const status = ruleCase.status;
  if (status === undefined) {
    problems.push({ path: [...at, 'status'], message: `is required, one of ${codes}` });
  } else if (!isHealthStatusCode(status)) {
    problems.push({ path: [...at, 'status'], message: `must be one of ${codes}, got ${JSON.stringify(status)}` });
  }
  const message = ruleCase.message;
  if (message !== undefined) {
    if (typeof message !== 'string') {
      problems.push({ path: [...at, 'message'], message: `must be a string, got ${typeName(message)}` });
    } else {
      for (const placeholder of message.matchAll(rulePlaceholderPattern)) {
        const parsed = parseRulePath(placeholder[1]);
        if (!parsed.ok) problems.push({ path: [...at, 'message'], message: `invalid path "${placeholder[1]}" in ${placeholder[0]}: ${parsed.error}` });
      }
    }
  }
  if (!Array.isArray(ruleCase.when)) {
    problems.push({ path: [...at, 'when'], message: `${ruleCase.when === undefined ? 'is required,' : 'must be'} a list of matches (use [] to always match)` });
    return undefined;
  }
  const when = ruleCase.when.map((match: unknown, m) => readMatch(match, [...at, 'when', m], problems));
  if (problems.length > before || !isHealthStatusCode(status) || !when.every(isDefined)) return undefined;
  return typeof message === 'string' ? { status, when, message } : { status, when };
}

function readMatch(match: unknown, at: FieldPath, problems: FieldProblem[]): Match | undefined {
  if (!isRecord(match)) {
    problems.push({ path: at, message: `must be a mapping with path and one of equals, in, exists, got ${typeName(match)}` });
    return undefined;
  }
  const before = problems.length;
  unknownFields(match, matchFields, at, problems);
  const path = match.path;
  if (typeof path !== 'string' || path === '') {
    problems.push({ path: [...at, 'path'], message: `${path === undefined ? 'is required' : 'must be a non-empty string'}, e.g. status.conditions[type=Ready].status` });
  } else {
    const parsed = parseRulePath(path);
    if (!parsed.ok) problems.push({ path: [...at, 'path'], message: `invalid path "${path}": ${parsed.error}` });
  }

  const operators = ['equals', 'in', 'exists'].filter((name) => match[name] !== undefined);
  if (operators.length !== 1) {
    const found = operators.length === 0 ? 'none' : operators.join(', ');
    problems.push({ path: at, message: `needs exactly one of equals, in, exists (found ${found})` });
  }
  const { equals, in: oneOf, exists } = match;
  if (equals !== undefined && !isMatchValue(equals)) {
    problems.push({ path: [...at, 'equals'], message: `must be a string, number or boolean, got ${typeName(equals)}` });
  }
  if (oneOf !== undefined && (!Array.isArray(oneOf) || oneOf.length === 0 || !oneOf.every(isMatchValue))) {
    problems.push({ path: [...at, 'in'], message: 'must be a non-empty list of strings, numbers or booleans' });
  }
  if (exists !== undefined && typeof exists !== 'boolean') {
    problems.push({ path: [...at, 'exists'], message: `must be true or false, got ${typeName(exists)}` });
  }
  if (problems.length > before || typeof path !== 'string') return undefined;
  if (isMatchValue(equals)) return { path, equals };
  if (Array.isArray(oneOf) && oneOf.every(isMatchValue)) return { path, in: oneOf };
  if (typeof exists === 'boolean') return { path, exists };
  return undefined;
}

function unknownFields(value: Record<string, unknown>, known: readonly string[], at: FieldPath, problems: FieldProblem[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) problems.push({ path: [...at, key], message: `unknown field (expected ${known.join(', ')})` });
  }
}

function isHealthStatusCode(value: unknown): value is HealthStatusCode {
  return healthOrder.some((code) => code === value);
}

function isMatchValue(value: unknown): value is MatchValue {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}
