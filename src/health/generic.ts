import type { HealthStatus, Manifest } from '../core/index.ts';
import { type Condition, describeCondition, findCondition, get, getNumber, health, isObject, isTrue } from './fields.ts';

/**
 * Custom resources and kinds without a dedicated assessment, judged by the conventions most
 * controllers follow (Kubernetes API conventions and kstatus):
 * - `status.observedGeneration` behind `metadata.generation`: the controller has not seen the spec;
 * - `Stalled` True: the controller gave up;
 * - `Ready` (else `Available`) False: failed, with the condition's message;
 * - `Reconciling` True, or `Ready`/`Available` Unknown: work in progress;
 * - otherwise, including objects with no status at all (ConfigMap, Secret, RBAC): Healthy (a
 *   custom resource without a status is Healthy only once its CRD is Established: see
 *   custom-resource.ts, tried first when the caller can look CRDs up).
 */
export function assessGenericHealth(object: Manifest): HealthStatus {
  const status = get(object, 'status');
  if (!isObject(status)) return health('Healthy');

  const observed = getNumber(status, 'observedGeneration');
  const generation = getNumber(object, 'metadata', 'generation');
  if (observed !== undefined && generation !== undefined && observed < generation) {
    return health('Progressing', `Waiting for the controller to observe generation ${generation} (observed ${observed})`);
  }

  const stalled = findCondition(object, 'Stalled');
  if (stalled && isTrue(stalled)) return health('Degraded', describeCondition(stalled));

  const primary: Condition | undefined = findCondition(object, 'Ready') ?? findCondition(object, 'Available');
  if (primary?.status === 'False') return health('Degraded', describeCondition(primary));

  const reconciling = findCondition(object, 'Reconciling');
  if (reconciling && isTrue(reconciling)) return health('Progressing', describeCondition(reconciling));

  if (primary && primary.status !== 'True') return health('Progressing', describeCondition(primary));
  return health('Healthy');
}
