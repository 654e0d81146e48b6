import type { HealthStatus, Manifest } from '../core/index.ts';
import { count, generations, getNumber, getString, health } from './fields.ts';

/**
 * A StatefulSet as `kubectl rollout status` judges it, aware of partitioned rolling updates
 * (only ordinals at or above the partition are updated, so `replicas - partition` updated pods
 * is a finished rollout) and of the OnDelete strategy (pods change only when someone deletes
 * them, so a ready set is Healthy however many pods still run the old revision).
 */
export function assessStatefulSetHealth(sts: Manifest): HealthStatus {
  const { generation, observed } = generations(sts);
  if (observed === 0 || generation > observed) return health('Progressing', 'Waiting for statefulset spec update to be observed...');

  const desired = getNumber(sts, 'spec', 'replicas') ?? 1;
  const ready = count(sts, 'status', 'readyReplicas');
  if (ready < desired) return health('Progressing', `Waiting for ${desired - ready} pods to be ready...`);

  const updated = count(sts, 'status', 'updatedReplicas');
  if (getString(sts, 'spec', 'updateStrategy', 'type') === 'OnDelete') {
    return health('Healthy', `statefulset has ${ready} ready pods; ${updated} of ${desired} updated (OnDelete: pods update only when deleted)`);
  }

  const partition = getNumber(sts, 'spec', 'updateStrategy', 'rollingUpdate', 'partition') ?? 0;
  const revision = getString(sts, 'status', 'updateRevision');
  const atRevision = revision ? ` at revision ${revision}` : '';
  if (partition > 0) {
    const target = Math.max(desired - partition, 0);
    if (updated < target) {
      return health('Progressing', `Waiting for partitioned roll out to finish: ${updated} out of ${target} new pods have been updated...`);
    }
    return health('Healthy', `partitioned roll out complete: ${updated} new pods have been updated...`);
  }
  // updatedReplicas counts pods at updateRevision; it is more reliable than comparing
  // currentRevision, which some Kubernetes versions leave stale after a finished rollout.
  if (updated < desired) {
    return health('Progressing', `Waiting for statefulset rolling update to complete ${updated} of ${desired} pods${atRevision}...`);
  }
  return health('Healthy', revision ? `statefulset rolling update complete ${updated} pods${atRevision}` : undefined);
}
