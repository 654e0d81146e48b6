// What `capstan up` says about the apps it reconciles: when to stop waiting, and the table and
// summary it prints. Pure: states in, lines out.
import type { AppState } from '../agent/index.ts';

/** Where an app stands for up: done well, done badly, waiting for a person, or not done yet. */
export type UpVerdict = 'ok' | 'failed' | 'manual' | 'orphaned' | 'pending';

export function verdictOf(state: AppState): UpVerdict {
  if (state.orphaned) return 'orphaned';
  if (state.notReleased) return 'manual';
  if (state.operation) return 'pending';
  if (state.sync === 'Synced' && state.health === 'Healthy') return 'ok';
  if (state.error || state.lastSync?.result === 'Failed') return 'failed';
  if (!state.automated && state.sync === 'OutOfSync') return 'manual';
  // synced, and not getting healthier by waiting (Degraded, Suspended, …)
  if (state.sync === 'Synced' && state.health !== 'Progressing') return 'failed';
  return 'pending';
}

/** Why an app is not Synced and Healthy, in words a person can act on; '' when it is. */
export function reasonOf(state: AppState, cli = 'capstan'): string {
  switch (verdictOf(state)) {
    case 'ok':
      return '';
    case 'orphaned':
      return `removed from capstan.yaml while its objects are still in the cluster: ${cli} delete ${state.app} --env ${state.env} removes them`;
    case 'manual':
      if (state.notReleased) return `not released in ${state.env} yet: ${cli} release ${state.app} --env ${state.env} --branch <branch> releases its newest artifact`;
      return `sync: manual in capstan.yaml, so the agent waits for ${cli} sync ${state.app} --env ${state.env}`;
    case 'failed':
      return state.error ?? (state.lastSync?.result === 'Failed' ? (state.lastSync.message ?? 'the last sync failed') : (state.healthMessage ?? `its objects are ${state.health}`));
    case 'pending':
      return state.operation ? `${state.operation.phase === 'running' ? 'syncing' : 'waiting for its turn to sync'}` : (state.healthMessage ?? 'not synced yet');
  }
}

/** One row per app (the reason under it when it is not Synced and Healthy), then the summary line. */
export function formatUpReport(states: readonly AppState[], env: string, seconds: number, cli = 'capstan'): string[] {
  const lines: string[] = [];
  const width = Math.max(10, ...states.map((s) => s.app.length + 1));
  for (const state of states) {
    const sync = state.orphaned ? 'Orphaned' : state.notReleased ? 'NotReleased' : state.sync;
    lines.push(`  ${state.app.padEnd(width)} ${sync.padEnd(10)} ${state.health}`);
    const reason = reasonOf(state, cli);
    if (reason) for (const line of reason.split('\n')) lines.push(`      ${line}`);
  }
  const apps = states.filter((s) => !s.orphaned);
  const bad = apps.filter((s) => verdictOf(s) !== 'ok');
  const all = `the ${apps.length} app${apps.length === 1 ? '' : 's'} of environment "${env}"`;
  if (apps.length === 0) {
    lines.push(`capstan is up, but environment "${env}" has no apps`);
  } else if (bad.length === 0) {
    lines.push(`capstan is up: ${all} ${apps.length === 1 ? 'is' : 'are'} Synced and Healthy (${seconds.toFixed(1)} s)`);
  } else {
    const which = bad.map((s) => s.app).join(', ');
    lines.push(
      `capstan is up, but ${bad.length} of ${all} ${bad.length === 1 ? 'is' : 'are'} not Synced and Healthy (${which}: why is under each); ` +
        'the agent keeps reconciling, and a fix pushed to the config repo is applied at once',
    );
  }
  return lines;
}
