import type { HealthStatus, Manifest } from '../core/index.ts';
import { count, generations, getString, health } from './fields.ts';

/**
 * A DaemonSet as `kubectl rollout status` judges it: every node that should run the daemon runs
 * the new template (`updatedNumberScheduled`) and its pod is available (`numberAvailable`). With
 * the OnDelete strategy pods change only when deleted, so only availability is required.
 */
export function assessDaemonSetHealth(daemon: Manifest): HealthStatus {
  const { generation, observed } = generations(daemon);
  if (generation > observed) return health('Progressing', 'Waiting for daemon set spec update to be observed...');

  const desired = count(daemon, 'status', 'desiredNumberScheduled');
  const updated = count(daemon, 'status', 'updatedNumberScheduled');
  const available = count(daemon, 'status', 'numberAvailable');
  const onDelete = getString(daemon, 'spec', 'updateStrategy', 'type') === 'OnDelete';

  if (!onDelete && updated < desired) {
    return health('Progressing', `Waiting for daemon set rollout to finish: ${updated} out of ${desired} new pods have been updated...`);
  }
  if (available < desired) {
    return health('Progressing', `Waiting for daemon set rollout to finish: ${available} of ${desired} updated pods are available...`);
  }
  if (onDelete && updated < desired) {
    return health('Healthy', `${updated} of ${desired} pods updated (OnDelete: pods update only when deleted)`);
  }
  return health('Healthy');
}
