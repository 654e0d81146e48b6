import type { HealthStatus, Manifest } from '../core/index.ts';
import { getArray, getString, health } from './fields.ts';

/** A LoadBalancer Service is Progressing until the cloud assigns it an address; other types are Healthy. */
export function assessServiceHealth(service: Manifest): HealthStatus {
  if (getString(service, 'spec', 'type') !== 'LoadBalancer') return health('Healthy');
  if (getArray(service, 'status', 'loadBalancer', 'ingress').length > 0) return health('Healthy');
  return health('Progressing', 'Waiting for the load balancer to be assigned an address');
}
