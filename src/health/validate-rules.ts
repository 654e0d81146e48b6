import { healthOrder } from '../core/index.ts';
import { isObject } from './fields.ts';
import { parseRulePath } from './rule-path.ts';
import { placeholderPattern } from './rules.ts';

export interface ValidateHealthRulesOptions {
  /** Where the rules sit in the config, prefixed to every error; default `healthRules`. */
  at?: string;
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
  const errors: string[] = [];
  if (rules === undefined) return errors;
  if (!Array.isArray(rules)) return [`${at}: must be a list of rules, got ${typeName(rules)}`];

  rules.forEach((rule: unknown, r) => {
    const ruleAt = `${at}[${r}]`;
    if (!isObject(rule)) {
      errors.push(`${ruleAt}: must be a mapping with kind and rules, got ${typeName(rule)}`);
      return;
    }
    unknownFields(rule, ruleFields, ruleAt, errors);
    if (typeof rule.kind !== 'string' || rule.kind.trim() === '') {
      errors.push(`${ruleAt}.kind: ${rule.kind === undefined ? 'is required' : 'must be a non-empty string'}, e.g. Deployment`);
    }
    if (rule.group !== undefined && typeof rule.group !== 'string') {
      errors.push(`${ruleAt}.group: must be a string (use "" for the core group), got ${typeName(rule.group)}`);
    }
    if (!Array.isArray(rule.rules) || rule.rules.length === 0) {
      errors.push(`${ruleAt}.rules: ${rule.rules === undefined ? 'is required,' : 'must be'} a non-empty list of {status, when, message}`);
      return;
    }
    rule.rules.forEach((ruleCase: unknown, c) => validateCase(ruleCase, `${ruleAt}.rules[${c}]`, errors));
  });
  return errors;
}

function validateCase(ruleCase: unknown, at: string, errors: string[]): void {
  if (!isObject(ruleCase)) {
    errors.push(`${at}: must be a mapping with status and when, got ${typeName(ruleCase)}`);
    return;
  }
  unknownFields(ruleCase, caseFields, at, errors);
  const codes = healthOrder.join(', ');
  if (ruleCase.status === undefined) {
    errors.push(`${at}.status: is required, one of ${codes}`);
  } else if (typeof ruleCase.status !== 'string' || !(healthOrder as readonly string[]).includes(ruleCase.status)) {
    errors.push(`${at}.status: must be one of ${codes}, got ${JSON.stringify(ruleCase.status)}`);
  }
  if (ruleCase.message !== undefined) {
    if (typeof ruleCase.message !== 'string') {
      errors.push(`${at}.message: must be a string, got ${typeName(ruleCase.message)}`);
    } else {
      for (const placeholder of ruleCase.message.matchAll(placeholderPattern)) {
        const parsed = parseRulePath(placeholder[1]);
        if (!parsed.ok) errors.push(`${at}.message: invalid path "${placeholder[1]}" in ${placeholder[0]}: ${parsed.error}`);
      }
    }
  }
  if (!Array.isArray(ruleCase.when)) {
    errors.push(`${at}.when: ${ruleCase.when === undefined ? 'is required,' : 'must be'} a list of matches (use [] to always match)`);
    return;
  }
  ruleCase.when.forEach((match: unknown, m) => validateMatch(match, `${at}.when[${m}]`, errors));
}

function validateMatch(match: unknown, at: string, errors: string[]): void {
  if (!isObject(match)) {
    errors.push(`${at}: must be a mapping with path and one of equals, in, exists, got ${typeName(match)}`);
    return;
  }
  unknownFields(match, matchFields, at, errors);
  if (typeof match.path !== 'string' || match.path === '') {
    errors.push(`${at}.path: ${match.path === undefined ? 'is required' : 'must be a non-empty string'}, e.g. status.conditions[type=Ready].status`);
  } else {
    const parsed = parseRulePath(match.path);
    if (!parsed.ok) errors.push(`${at}.path: invalid path "${match.path}": ${parsed.error}`);
  }

  const operators = ['equals', 'in', 'exists'].filter((name) => match[name] !== undefined);
  if (operators.length !== 1) {
    const found = operators.length === 0 ? 'none' : operators.join(', ');
    errors.push(`${at}: needs exactly one of equals, in, exists (found ${found})`);
  }
  if (match.equals !== undefined && !isScalar(match.equals)) {
    errors.push(`${at}.equals: must be a string, number or boolean, got ${typeName(match.equals)}`);
  }
  if (match.in !== undefined && (!Array.isArray(match.in) || match.in.length === 0 || !match.in.every(isScalar))) {
    errors.push(`${at}.in: must be a non-empty list of strings, numbers or booleans`);
  }
  if (match.exists !== undefined && typeof match.exists !== 'boolean') {
    errors.push(`${at}.exists: must be true or false, got ${typeName(match.exists)}`);
  }
}

function unknownFields(value: Record<string, unknown>, known: readonly string[], at: string, errors: string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) errors.push(`${at}.${key}: unknown field (expected ${known.join(', ')})`);
  }
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
