// Small pure helpers of the Releases page.
import type { AppState } from '../api/client.ts';
import type { Policy } from './releases-api.ts';

export const shortCommit = (sha: string | undefined): string => (sha ? sha.slice(0, 7) : '');

/**
 * Environments in promotion order: those that promote from nothing first, then each after the one
 * it promotes from; otherwise in the order given.
 */
export function promotionOrder<E extends { env: string; promotesFrom?: string }>(envs: E[]): E[] {
  const byName = new Map(envs.map((e) => [e.env, e]));
  const depth = (e: E, seen = new Set<string>()): number => {
    const from = e.promotesFrom === undefined ? undefined : byName.get(e.promotesFrom);
    if (!from || seen.has(e.env)) return 0;
    seen.add(e.env);
    return 1 + depth(from, seen);
  };
  return envs.map((e, i) => ({ e, i, d: depth(e) })).sort((a, b) => a.d - b.d || a.i - b.i).map(({ e }) => e);
}

/** What a policy does, in a sentence. */
export function describePolicy(p: Pick<Policy, 'type' | 'service' | 'env' | 'branch' | 'branchRegex'>): string {
  const of = p.service ? `service ${p.service}` : 'every service';
  return p.type === 'auto-release'
    ? `new artifacts of branch ${p.branch ?? '?'} of ${of} are released to ${p.env} as they are pushed`
    : `only artifacts of branches matching /${p.branchRegex ?? ''}/ may run in ${p.env} (${of})`;
}

/** A string that changes when any app's state that a release moves changes: what the page re-reads on. */
export function liveSignature(apps: AppState[]): string {
  return apps.map((a) => `${a.env}/${a.app}:${a.revision}:${a.targetRevision}:${a.sync}:${a.health}:${a.notReleased ? 1 : 0}`).join('|');
}
