import type { ProjectChecks } from '../config/index.ts';
import { ignoreRuleProblems } from '../diff/index.ts';
import { healthRuleCaseProblems } from '../health/index.ts';

/**
 * What the health and diff modules check in the parts of capstan.yaml they interpret (custom
 * health rules, ignore rules), run when the project is loaded, so that every command, `validate`
 * first, reports them with the file, line and field, instead of a sync failing on them later.
 */
export const projectChecks: ProjectChecks = {
  healthRules: (rules) => healthRuleCaseProblems(rules),
  ignoreRule: (rule) => ignoreRuleProblems(rule),
};
