import { ValidationError } from '../core/index.ts';
import { didYouMean } from './suggest-name.ts';
import type { Environment, Project } from './types.ts';

/**
 * The environments named (every one when `names` is undefined or empty), in the order capstan.yaml
 * declares them. Names it does not declare are refused together, in one line that lists the
 * declared ones: `unknown environment "prd"; did you mean "prod"? (capstan.yaml declares dev, prod)`.
 */
export function selectEnvironments(project: Project, names: readonly string[] | undefined): Environment[] {
  const declared = project.environments.map((e) => e.name);
  if (names === undefined || names.length === 0) return [...project.environments];
  const unknown = [...new Set(names.filter((name) => !declared.includes(name)))];
  if (unknown.length > 0) {
    const listed = unknown.map((name) => `"${name}"${unknown.length === 1 ? didYouMean(name, declared) : ''}`).join(', ');
    throw new ValidationError(`unknown environment${unknown.length === 1 ? '' : 's'} ${listed} (capstan.yaml declares ${declared.join(', ')})`);
  }
  return project.environments.filter((e) => names.includes(e.name));
}
