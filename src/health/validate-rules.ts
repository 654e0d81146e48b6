import { healthOrder } from '../core/index.ts';
import { isObject } from './fields.ts';
import { parseRulePath } from './rule-path.ts';
import { placeholderPattern } from './rules.ts';

export interface ValidateHealthRulesOptions {
  /** Where the rules sit in the config, prefixed to every error; default `healthRules`. */
  at?: string;
}

/** One problem in health rules: the field it concerns, as a path below the rules checked, and what is wrong. */
export interface HealthRuleProblem {
  path: Array<string | number>;
  message: string;
}

const ruleFields = ['group', 'kind', 'rules'];
const caseFields = ['status', 'when', 'message'];
const matchFields = ['path', 'equals', 'in', 'exists'];

/**
 * Checks custom health rules read from configuration. Returns one human-readable error per
 * problem, each starting with the field it concerns (`healthRules[0].rules[1].when[0].path: …`);
 * an empty list means the rules are valid. `undefined` (no rules) is valid.
 */
export function validateHealthRules(rules: unknown, options: ValidateHealthRulesOptions = {}): string[] {
  const at = options.at ?? 'healthRules';
  return healthRuleProblems(rules).map((problem) => `${at}${formatPath(problem.path)}: ${problem.message}`);
}

/**
 * The same checks as data: each problem's path is below `rules` (`[1, 'rules', 0, 'status']`),
 * for callers that locate it themselves (capstan.yaml's reader points at the line).
 */
export function healthRuleProblems(rules: unknown): HealthRuleProblem[] {
  const problems: HealthRuleProblem[] = [];
  if (rules === undefined) return problems;
  if (!Array.isArray(rules)) return [{ path: [], message: `must be a list of rules, got ${typeName(rules)}` }];

  rules.forEach((rule: unknown, r) => {
    if (!isObject(rule)) {
      problems.push({ path: [r], message: `must be a mapping with kind and rules, got ${typeName(rule)}` });
      return;
    }
    unknownFields(rule, ruleFields, [r], problems);
    if (typeof rule.kind !== 'string' || rule.kind.trim() === '') {
      problems.push({ path: [r, 'kind'], message: `${rule.kind === undefined ? 'is required' : 'must be a non-empty string'}, e.g. Deployment` });
    }
    if (rule.group !== undefined && typeof rule.group !== 'string') {
      problems.push({ path: [r, 'group'], message: `must be a string (use "" for the core group), got ${typeName(rule.group)}` });
    }
    if (rule.rules === undefined) {
      problems.push({ path: [r, 'rules'], message: 'is required, a non-empty list of {status, when, message}' });
      return;
    }
    problems.push(...healthRuleCaseProblems(rule.rules).map((p) => ({ path: [r, 'rules', ...p.path], message: p.message })));
  });
  return problems;
}

/**
 * Checks the `rules` of one kind (a list of `{status, when, message}`); each problem's path is
 * below that list (`[1, 'when', 0, 'path']`).
 */
export function healthRuleCaseProblems(cases: unknown): HealthRuleProblem[] {
  if (!Array.isArray(cases) || cases.length === 0) return [{ path: [], message: 'must be a non-empty list of {status, when, message}' }];
  const problems: HealthRuleProblem[] = [];
  cases.forEach((ruleCase: unknown, c) => validateCase(ruleCase, [c], problems));
  return problems;
}

function validateCase(ruleCase: unknown, at: Array<string | number>, problems: HealthRuleProblem[]): void {
  if (!isObject(ruleCase)) {
    problems.push({ path: at, message: `must be a mapping with status and when, got ${typeName(ruleCase)}` });
    return;
  }
  unknownFields(ruleCase, caseFields, at, problems);
  const codes = healthOrder.join(', ');
  if (ruleCase.status === undefined) {
    problems.push({ path: [...at, 'status'], message: `is required, one of ${codes}` });
  } else if (typeof ruleCase.status !== 'string' || !(healthOrder as readonly string[]).includes(ruleCase.status)) {
    problems.push({ path: [...at, 'status'], message: `must be one of ${codes}, got ${JSON.stringify(ruleCase.status)}` });
  }
  if (ruleCase.message !== undefined) {
    if (typeof ruleCase.message !== 'string') {
      problems.push({ path: [...at, 'message'], message: `must be a string, got ${typeName(ruleCase.message)}` });
    } else {
      for (const placeholder of ruleCase.message.matchAll(placeholderPattern)) {
        const parsed = parseRulePath(placeholder[1]);
        if (!parsed.ok) problems.push({ path: [...at, 'message'], message: `invalid path "${placeholder[1]}" in ${placeholder[0]}: ${parsed.error}` });
      }
    }
  }
  if (!Array.isArray(ruleCase.when)) {
    problems.push({ path: [...at, 'when'], message: `${ruleCase.when === undefined ? 'is required,' : 'must be'} a list of matches (use [] to always match)` });
    return;
  }
  ruleCase.when.forEach((match: unknown, m) => validateMatch(match, [...at, 'when', m], problems));
}

function validateMatch(match: unknown, at: Array<string | number>, problems: HealthRuleProblem[]): void {
  if (!isObject(match)) {
    problems.push({ path: at, message: `must be a mapping with path and one of equals, in, exists, got ${typeName(match)}` });
    return;
  }
  unknownFields(match, matchFields, at, problems);
  if (typeof match.path !== 'string' || match.path === '') {
    problems.push({ path: [...at, 'path'], message: `${match.path === undefined ? 'is required' : 'must be a non-empty string'}, e.g. status.conditions[type=Ready].status` });
  } else {
    const parsed = parseRulePath(match.path);
    if (!parsed.ok) problems.push({ path: [...at, 'path'], message: `invalid path "${match.path}": ${parsed.error}` });
  }

  const operators = ['equals', 'in', 'exists'].filter((name) => match[name] !== undefined);
  if (operators.length !== 1) {
    const found = operators.length === 0 ? 'none' : operators.join(', ');
    problems.push({ path: at, message: `needs exactly one of equals, in, exists (found ${found})` });
  }
  if (match.equals !== undefined && !isScalar(match.equals)) {
    problems.push({ path: [...at, 'equals'], message: `must be a string, number or boolean, got ${typeName(match.equals)}` });
  }
  if (match.in !== undefined && (!Array.isArray(match.in) || match.in.length === 0 || !match.in.every(isScalar))) {
    problems.push({ path: [...at, 'in'], message: 'must be a non-empty list of strings, numbers or booleans' });
  }
  if (match.exists !== undefined && typeof match.exists !== 'boolean') {
    problems.push({ path: [...at, 'exists'], message: `must be true or false, got ${typeName(match.exists)}` });
  }
}

function unknownFields(value: Record<string, unknown>, known: readonly string[], at: Array<string | number>, problems: HealthRuleProblem[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) problems.push({ path: [...at, key], message: `unknown field (expected ${known.join(', ')})` });
  }
}

/** `[1].rules[0].status` */
function formatPath(path: ReadonlyArray<string | number>): string {
  return path.map((segment) => (typeof segment === 'number' ? `[${segment}]` : `.${segment}`)).join('');
}

function isScalar(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}
