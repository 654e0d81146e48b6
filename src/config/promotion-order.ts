import type { Project } from './types.ts';

/**
 * The promotion chains of a project: each chain starts at an environment that promotes from none
 * and follows `promotesFrom` to an environment nothing promotes from (`[['dev', 'staging', 'prod']]`).
 * When two environments promote from the same one, each path is a chain of its own; an
 * environment outside any promotion is a chain of one. Chains and branches follow declaration order.
 */
export function promotionOrder(project: Project): string[][] {
  const names = new Set(project.environments.map((e) => e.name));
  const next = new Map<string, string[]>();
  for (const env of project.environments) {
    if (env.promotesFrom === undefined || !names.has(env.promotesFrom)) continue;
    next.set(env.promotesFrom, [...(next.get(env.promotesFrom) ?? []), env.name]);
  }
  const chains: string[][] = [];
  const walk = (path: string[]): void => {
    const targets = (next.get(path.at(-1)!) ?? []).filter((t) => !path.includes(t));
    if (targets.length === 0) chains.push(path);
    for (const target of targets) walk([...path, target]);
  };
  for (const env of project.environments) {
    if (env.promotesFrom === undefined || !names.has(env.promotesFrom)) walk([env.name]);
  }
  return chains;
}
