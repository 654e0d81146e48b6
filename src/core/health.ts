/**
 * Health of an object or an app. The order matters: the health of many objects is the worst of
 * them, and "worst" is a comparison of ranks (as gitops-engine orders them).
 */
export type HealthStatusCode = 'Healthy' | 'Suspended' | 'Progressing' | 'Missing' | 'Degraded' | 'Unknown';

export const healthOrder: readonly HealthStatusCode[] = ['Healthy', 'Suspended', 'Progressing', 'Missing', 'Degraded', 'Unknown'];

export interface HealthStatus {
  status: HealthStatusCode;
  message?: string;
}

export function worstHealth(statuses: Iterable<HealthStatus>): HealthStatus {
  let worst: HealthStatus = { status: 'Healthy' };
  for (const s of statuses) {
    if (healthOrder.indexOf(s.status) > healthOrder.indexOf(worst.status)) worst = s;
  }
  return worst;
}
