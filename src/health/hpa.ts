import type { HealthStatus, Manifest } from '../core/index.ts';
import { type Condition, describeCondition, get, getString, health, isFalse, toConditions } from './fields.ts';

/** autoscaling/v1 has no conditions field; the controller writes them into this annotation as JSON. */
const v1ConditionsAnnotation = 'autoscaling.alpha.kubernetes.io/conditions';

/**
 * A HorizontalPodAutoscaler is Degraded when it cannot scale its target (`AbleToScale` False) or
 * cannot compute a replica count (`ScalingActive` False for any reason but `ScalingDisabled`,
 * which only means the target was scaled to zero on purpose). Otherwise it is Healthy.
 */
export function assessHpaHealth(hpa: Manifest): HealthStatus {
  for (const condition of hpaConditions(hpa)) {
    if (condition.type === 'AbleToScale' && isFalse(condition)) return health('Degraded', describeCondition(condition));
    if (condition.type === 'ScalingActive' && isFalse(condition) && condition.reason !== 'ScalingDisabled') {
      return health('Degraded', describeCondition(condition));
    }
  }
  return health('Healthy');
}

function hpaConditions(hpa: Manifest): Condition[] {
  const conditions = toConditions(get(hpa, 'status', 'conditions'));
  if (conditions.length > 0) return conditions;
  const annotation = getString(hpa, 'metadata', 'annotations', v1ConditionsAnnotation);
  if (!annotation) return [];
  try {
    return toConditions(JSON.parse(annotation));
  } catch {
    return [];
  }
}
