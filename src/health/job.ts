import type { HealthStatus, Manifest } from '../core/index.ts';
import { count, describeCondition, findCondition, get, getNumber, health, isTrue } from './fields.ts';

/**
 * A Job is Healthy once `Complete`, Degraded once `Failed` (or `FailureTarget`, set while its
 * pods are being terminated after a failure), Suspended while `spec.suspend`, else Progressing.
 */
export function assessJobHealth(job: Manifest): HealthStatus {
  const failed = [findCondition(job, 'Failed'), findCondition(job, 'FailureTarget')].find(isTrue);
  if (failed) return health('Degraded', describeCondition(failed));
  if (isTrue(findCondition(job, 'Complete'))) return health('Healthy');
  if (get(job, 'spec', 'suspend') === true || isTrue(findCondition(job, 'Suspended'))) return health('Suspended', 'Job is suspended');

  const completions = getNumber(job, 'spec', 'completions');
  const succeeded = count(job, 'status', 'succeeded');
  const progress = completions === undefined ? `${succeeded} succeeded` : `${succeeded} of ${completions} succeeded`;
  return health(
    'Progressing',
    `Waiting for job to complete: ${progress}, ${count(job, 'status', 'active')} active, ${count(job, 'status', 'failed')} failed`,
  );
}
