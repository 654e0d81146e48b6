import type { HealthStatus, Manifest } from '../core/index.ts';
import { get, health } from './fields.ts';

/**
 * A CronJob is Suspended while `spec.suspend`, else Healthy: each run is a Job with its own
 * health, and the CronJob's status alone cannot tell a failed last run from one still running.
 */
export function assessCronJobHealth(cronJob: Manifest): HealthStatus {
  if (get(cronJob, 'spec', 'suspend') === true) return health('Suspended', 'CronJob is suspended');
  return health('Healthy');
}
