import type { HealthStatus, Manifest } from '../core/index.ts';
import { getString, health } from './fields.ts';

/** A PersistentVolumeClaim: Bound is Healthy, Pending (or no phase yet) Progressing, Lost Degraded. */
export function assessPvcHealth(pvc: Manifest): HealthStatus {
  const phase = getString(pvc, 'status', 'phase') ?? 'Pending';
  switch (phase) {
    case 'Bound':
      return health('Healthy');
    case 'Pending':
      return health('Progressing', 'Waiting for the claim to be bound to a volume');
    case 'Lost':
      return health('Degraded', 'The claim lost its bound volume');
    default:
      return health('Unknown', `Claim phase is ${phase}`);
  }
}
