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

function validateStringList(value: unknown, at: string, what: string, check: (item: string) => string | undefined): string[] {
  if (!Array.isArray(value)) return [`${at}: must be a list of ${what}, got ${describeType(value)}`];
  const errors: string[] = [];
  value.forEach((item: unknown, i) => {
    if (typeof item !== 'string') {
      errors.push(`${at}[${i}]: must be a string, got ${describeType(item)}`);
      return;
    }
    const problem = check(item);
    if (problem) errors.push(`${at}[${i}]: ${JSON.stringify(item)} ${problem}`);
  });
  return errors;
}

function validateRule(rule: unknown, at: string): string[] {
  if (!isObject(rule)) return [`${at}: must be a mapping with at least a kind, got ${describeType(rule)}`];
  const errors: string[] = [];
  for (const field of Object.keys(rule)) {
    if (!knownFields.includes(field)) errors.push(`${at}.${field}: unknown field (known: ${knownFields.join(', ')})`);
  }
  if (!('kind' in rule)) {
    errors.push(`${at}.kind: required: the kind of object the rule applies to, such as Deployment, or "*" for every kind`);
  } else if (typeof rule.kind !== 'string' || rule.kind === '') {
    errors.push(`${at}.kind: must be a non-empty string, got ${rule.kind === '' ? 'an empty string' : describeType(rule.kind)}`);
  }
  if ('group' in rule && typeof rule.group !== 'string') {
    errors.push(`${at}.group: must be a string ("" is the core group), got ${describeType(rule.group)}`);
  }
  for (const field of ['name', 'namespace'] as const) {
    if (field in rule && typeof rule[field] !== 'string') errors.push(`${at}.${field}: must be a string, got ${describeType(rule[field])}`);
  }
  if ('jsonPointers' in rule) {
    errors.push(...validateStringList(rule.jsonPointers, `${at}.jsonPointers`, 'JSON pointers such as /spec/replicas', checkPointer));
  }
  if ('managedFieldsManagers' in rule) {
    errors.push(
      ...validateStringList(rule.managedFieldsManagers, `${at}.managedFieldsManagers`, 'field manager names', (item) =>
        item === '' ? 'is not a field manager name: it is empty' : undefined,
      ),
    );
  }
  const listed = (value: unknown) => Array.isArray(value) && value.length > 0;
  const malformed = (value: unknown) => value !== undefined && !Array.isArray(value);
  if (!listed(rule.jsonPointers) && !listed(rule.managedFieldsManagers) && !malformed(rule.jsonPointers) && !malformed(rule.managedFieldsManagers)) {
    errors.push(`${at}: ignores nothing: set jsonPointers or managedFieldsManagers`);
  }
  return errors;
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
  return rules.flatMap((rule: unknown, i) => validateRule(rule, `${field}[${i}]`));
}
