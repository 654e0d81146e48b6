import type { ResourceKey } from '../core/index.ts';
import { checkPointer } from './json-pointer.ts';
import { describeType, isObject } from './json.ts';

/**
 * Which differences to ignore on which objects (user data, from capstan.yaml). A rule matches an
 * object when every selector it sets matches: `kind` (or `*` for any kind), `group` (omitted: any
 * group; `''` is the core group; `*` any), `name` and `namespace` (omitted: any).
 */
export interface IgnoreRule {
  group?: string;
  kind: string;
  name?: string;
  namespace?: string;
  /** RFC 6901 pointers to the fields to ignore, e.g. `/spec/replicas`. */
  jsonPointers?: string[];
  /**
   * Ignore the fields that these field managers own in the live object's `metadata.managedFields`,
   * e.g. `kube-controller-manager`, which owns `spec.replicas` when an HPA scales a Deployment.
   */
  managedFieldsManagers?: string[];
}

export interface ValidateIgnoreRulesOptions {
  /** How the list is named in messages (the field that holds it in the config). Default `ignore`. */
  field?: string;
}

const knownFields = ['group', 'kind', 'name', 'namespace', 'jsonPointers', 'managedFieldsManagers'];

export function ruleMatches(rule: IgnoreRule, key: ResourceKey): boolean {
  return (
    (rule.kind === '*' || rule.kind === key.kind) &&
    (rule.group === undefined || rule.group === '*' || rule.group === key.group) &&
    (rule.name === undefined || rule.name === key.name) &&
    (rule.namespace === undefined || rule.namespace === key.namespace)
  );
}

/** The rules that apply to the object `key`. */
export function rulesFor(key: ResourceKey, rules: readonly IgnoreRule[] | undefined): IgnoreRule[] {
  return (rules ?? []).filter((rule) => ruleMatches(rule, key));
}

/** One problem in an ignore rule: the field it concerns, as a path below the rule, and what is wrong. */
export interface IgnoreRuleProblem {
  path: Array<string | number>;
  message: string;
}

function validateStringList(value: unknown, at: Array<string | number>, what: string, check: (item: string) => string | undefined): IgnoreRuleProblem[] {
  if (!Array.isArray(value)) return [{ path: at, message: `must be a list of ${what}, got ${describeType(value)}` }];
  const problems: IgnoreRuleProblem[] = [];
  value.forEach((item: unknown, i) => {
    if (typeof item !== 'string') {
      problems.push({ path: [...at, i], message: `must be a string, got ${describeType(item)}` });
      return;
    }
    const problem = check(item);
    if (problem) problems.push({ path: [...at, i], message: `${JSON.stringify(item)} ${problem}` });
  });
  return problems;
}

/**
 * Checks one ignore rule as written; each problem's path is below the rule (`['jsonPointers', 0]`),
 * for callers that locate it themselves (capstan.yaml's reader points at the line).
 */
export function ignoreRuleProblems(rule: unknown): IgnoreRuleProblem[] {
  if (!isObject(rule)) return [{ path: [], message: `must be a mapping with at least a kind, got ${describeType(rule)}` }];
  const problems: IgnoreRuleProblem[] = [];
  for (const field of Object.keys(rule)) {
    if (!knownFields.includes(field)) problems.push({ path: [field], message: `unknown field (known: ${knownFields.join(', ')})` });
  }
  if (!('kind' in rule)) {
    problems.push({ path: ['kind'], message: 'required: the kind of object the rule applies to, such as Deployment, or "*" for every kind' });
  } else if (typeof rule.kind !== 'string' || rule.kind === '') {
    problems.push({ path: ['kind'], message: `must be a non-empty string, got ${rule.kind === '' ? 'an empty string' : describeType(rule.kind)}` });
  }
  if ('group' in rule && typeof rule.group !== 'string') {
    problems.push({ path: ['group'], message: `must be a string ("" is the core group), got ${describeType(rule.group)}` });
  }
  for (const field of ['name', 'namespace'] as const) {
    if (field in rule && typeof rule[field] !== 'string') problems.push({ path: [field], message: `must be a string, got ${describeType(rule[field])}` });
  }
  if ('jsonPointers' in rule) {
    problems.push(...validateStringList(rule.jsonPointers, ['jsonPointers'], 'JSON pointers such as /spec/replicas', checkPointer));
  }
  if ('managedFieldsManagers' in rule) {
    problems.push(
      ...validateStringList(rule.managedFieldsManagers, ['managedFieldsManagers'], 'field manager names', (item) =>
        item === '' ? 'is not a field manager name: it is empty' : undefined,
      ),
    );
  }
  const listed = (value: unknown) => Array.isArray(value) && value.length > 0;
  const malformed = (value: unknown) => value !== undefined && !Array.isArray(value);
  if (!listed(rule.jsonPointers) && !listed(rule.managedFieldsManagers) && !malformed(rule.jsonPointers) && !malformed(rule.managedFieldsManagers)) {
    problems.push({ path: [], message: 'ignores nothing: set jsonPointers or managedFieldsManagers' });
  }
  return problems;
}

/**
 * Checks ignore rules read from user data. Returns one message per problem, each naming the rule's
 * index and the field (`ignore[1].jsonPointers[0]: "spec/replicas" is not a JSON pointer: …`); an
 * empty list means the rules are valid. Absent rules (undefined) are valid.
 */
export function validateIgnoreRules(rules: unknown, options: ValidateIgnoreRulesOptions = {}): string[] {
  const field = options.field ?? 'ignore';
  if (rules === undefined) return [];
  if (!Array.isArray(rules)) return [`${field}: must be a list of rules, got ${describeType(rules)}`];
  return rules.flatMap((rule: unknown, i) => ignoreRuleProblems(rule).map((p) => `${field}[${i}]${formatPath(p.path)}: ${p.message}`));
}

/** `.jsonPointers[0]` */
function formatPath(path: ReadonlyArray<string | number>): string {
  return path.map((segment) => (typeof segment === 'number' ? `[${segment}]` : `.${segment}`)).join('');
}
