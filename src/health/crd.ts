import type { HealthStatus, Manifest } from '../core/index.ts';
import { describeCondition, findCondition, health, isFalse, isTrue } from './fields.ts';

/**
 * A CustomResourceDefinition is Healthy once `Established` (its API is served), Degraded when its
 * names clash with another CRD (`NamesAccepted` False), Progressing otherwise.
 */
export function assessCrdHealth(crd: Manifest): HealthStatus {
  const namesAccepted = findCondition(crd, 'NamesAccepted');
  if (namesAccepted && isFalse(namesAccepted)) return health('Degraded', `CRD names have not been accepted: ${describeCondition(namesAccepted)}`);
  if (isTrue(findCondition(crd, 'Established'))) return health('Healthy');
  if (isTrue(findCondition(crd, 'Terminating'))) return health('Progressing', 'CRD is being deleted');
  return health('Progressing', 'Waiting for CRD to be established');
}
