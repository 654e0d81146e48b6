import type { HealthStatus, Manifest } from '../core/index.ts';
import { count, describeCondition, findCondition, generations, getNumber, health, isTrue } from './fields.ts';

/**
 * A ReplicaSet is Healthy when all desired replicas are ready. A `ReplicaFailure` condition means
 * the controller cannot create pods at all (quota, admission, a missing service account): Degraded.
 */
export function assessReplicaSetHealth(rs: Manifest): HealthStatus {
  const { generation, observed } = generations(rs);
  if (generation > observed) return health('Progressing', 'Waiting for replica set spec update to be observed...');

  const failure = findCondition(rs, 'ReplicaFailure');
  if (failure && isTrue(failure)) return health('Degraded', describeCondition(failure));

  const desired = getNumber(rs, 'spec', 'replicas') ?? 1;
  const ready = count(rs, 'status', 'readyReplicas');
  if (ready < desired) return health('Progressing', `Waiting for rollout to finish: ${ready} of ${desired} replicas are ready...`);
  return health('Healthy');
}
