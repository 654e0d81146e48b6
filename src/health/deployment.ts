import type { HealthStatus, Manifest } from '../core/index.ts';
import { count, findCondition, generations, get, getNumber, health } from './fields.ts';

/**
 * A Deployment as `kubectl rollout status` judges it: the controller must have seen the latest
 * spec, every desired replica must run the new template, old replicas must be gone and the new
 * ones available. A paused rollout is Suspended; one past its progress deadline is Degraded.
 */
export function assessDeploymentHealth(deployment: Manifest): HealthStatus {
  if (get(deployment, 'spec', 'paused') === true) return health('Suspended', 'Deployment is paused');

  const { generation, observed } = generations(deployment);
  if (generation > observed) return health('Progressing', 'Waiting for deployment spec update to be observed...');

  const progressing = findCondition(deployment, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    const detail = progressing.message ? `: ${progressing.message}` : '';
    return health('Degraded', `Deployment exceeded its progress deadline${detail}`);
  }

  const desired = getNumber(deployment, 'spec', 'replicas') ?? 1; // the API server defaults replicas to 1
  const replicas = count(deployment, 'status', 'replicas');
  const updated = count(deployment, 'status', 'updatedReplicas');
  const available = count(deployment, 'status', 'availableReplicas');
  if (updated < desired) {
    return health('Progressing', `Waiting for rollout to finish: ${updated} out of ${desired} new replicas have been updated...`);
  }
  if (replicas > updated) {
    return health('Progressing', `Waiting for rollout to finish: ${replicas - updated} old replicas are pending termination...`);
  }
  if (available < updated) {
    return health('Progressing', `Waiting for rollout to finish: ${available} of ${updated} updated replicas are available...`);
  }
  return health('Healthy');
}
