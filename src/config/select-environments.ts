import { NotFoundError } from '../core/index.ts';
import { didYouMean } from './suggest-name.ts';
import type { Environment, Project } from './types.ts';

/**
 * The environments named (every one when `names` is undefined or empty), in the order capstan.yaml
 * declares them. Names it does not declare are refused together, in one line that lists the
 * declared ones, as resolveApp words it: `unknown environment "prd"; did you mean "prod"?: the
 * project declares dev, prod`.
 */
export function selectEnvironments(project: Project, names: readonly string[] | undefined): Environment[] {
  if (names === undefined || names.length === 0) return [...project.environments];
  const declared = project.environments.map((e) => e.name);
  const unknown = [...new Set(names.filter((name) => !declared.includes(name)))];
  if (unknown.length > 0) {
    const listed = unknown.length === 1 ? `environment "${unknown[0]}"${didYouMean(unknown[0]!, declared)}` : `environments ${unknown.map((name) => `"${name}"`).join(', ')}`;
    throw new NotFoundError(`unknown ${listed}: the project declares ${declared.join(', ')}`);
  }
  return project.environments.filter((e) => names.includes(e.name));
}
