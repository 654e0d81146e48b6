import { formatDuration, type Project } from '../config/index.ts';
import type { Engine } from './engine.ts';
import type { RepoRevision } from './repo-revision.ts';

export interface HealthyForInput {
  service: string;
  env: string;
  requireHealthyForMs: number;
  project: Project;
  dir: string;
  commit: string;
  /** The apps to judge; default the apps of `type: artifact` rendering the service. */
  apps?: string[];
}

/**
 * A promotion gate (`environments[].promotion.requireHealthyFor`) checked on the cluster: every
 * app of `type: artifact` rendering the service in the environment must be Synced and Healthy
 * now, at the newest commit, and its last sync must have finished that long ago (a sync is the
 * last change capstan made; health is read now). Returns why not, with how long is left, or
 * undefined when the gate is open.
 */
export function healthyForGate(engine: Engine, now: () => number = Date.now): (input: HealthyForInput) => Promise<string | undefined> {
  return async ({ service, env, requireHealthyForMs, project, dir, commit, apps: named }) => {
    const apps = named
      ? project.apps.filter((a) => named.includes(a.name))
      : project.apps.filter((a) => a.type === 'artifact' && (a.service ?? a.name) === service && (a.environments === undefined || env in a.environments));
    if (apps.length === 0) return `no app of type: artifact renders ${service} in ${env}, so its health cannot be judged`;
    const checkout: RepoRevision = { dir, commit, project, workingTree: true };
    for (const app of apps) {
      const status = await engine.appStatusOf(checkout, app.name, env);
      if (status.error) return `app ${app.name} in ${env}: ${status.error.split('\n')[0]}`;
      if (status.sync !== 'Synced' || status.health !== 'Healthy') return `app ${app.name} in ${env} is ${status.sync} and ${status.health}${status.healthMessage ? ` (${status.healthMessage.split('\n')[0]})` : ''}`;
      const last = status.lastResult;
      const since = last ? Date.parse(last.time) : Number.NaN;
      if (Number.isNaN(since)) return `app ${app.name} in ${env} has no recorded sync`;
      const elapsed = Math.max(0, now() - since);
      if (elapsed < requireHealthyForMs) {
        return `app ${app.name} has been Synced and Healthy in ${env} for ${formatDuration(Math.floor(elapsed / 1000) * 1000) || '0s'} of the ${formatDuration(requireHealthyForMs)} required: ${formatDuration(Math.ceil((requireHealthyForMs - elapsed) / 1000) * 1000)} left`;
      }
    }
    return undefined;
  };
}
