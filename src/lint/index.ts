/**
 * lint: static checks of the workloads an app renders (`capstan lint`), as kube-score's: resources,
 * probes, image tags, privileges, root, host namespaces. Pure: takes rendered objects, returns findings.
 */
export { lintObjects, lintSubjectOf } from './lint-objects.ts';
export { lintRules } from './rules.ts';
export type { LintFinding, LintOptions, LintRule } from './types.ts';
