import type { HealthStatus, Manifest } from '../core/index.ts';
import { getArray, health } from './fields.ts';

/** An Ingress is Progressing until its controller publishes an address in `status.loadBalancer.ingress`. */
export function assessIngressHealth(ingress: Manifest): HealthStatus {
  if (getArray(ingress, 'status', 'loadBalancer', 'ingress').length > 0) return health('Healthy');
  return health('Progressing', 'Waiting for the ingress controller to assign an address');
}
