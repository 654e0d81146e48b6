import type { IgnoreRule, ResourceKey } from '../core/index.ts';

// Which of capstan.yaml's ignore rules (core's IgnoreRule, already checked when it loaded) apply to an object.

/** Whether `rule` selects the object `key`: its kind (or `*`), and its group, name and namespace when set. */
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
