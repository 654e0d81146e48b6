import { groupOf, type HealthRule, type HealthStatus, type Manifest } from '../core/index.ts';
import { assessCronJobHealth } from './cron-job.ts';
import { assessCrdHealth } from './crd.ts';
import { assessStatuslessCustomResource, type CrdLookup } from './custom-resource.ts';
import { assessDaemonSetHealth } from './daemon-set.ts';
import { assessDeploymentHealth } from './deployment.ts';
import { health } from './fields.ts';
import { assessGenericHealth } from './generic.ts';
import { assessHpaHealth } from './hpa.ts';
import { assessIngressHealth } from './ingress.ts';
import { assessJobHealth } from './job.ts';
import { assessPodHealth } from './pod.ts';
import { assessPvcHealth } from './pvc.ts';
import { assessReplicaSetHealth } from './replica-set.ts';
import { evaluateHealthRules } from './rules.ts';
import { assessServiceHealth } from './service.ts';
import { assessStatefulSetHealth } from './stateful-set.ts';

export interface HealthOptions {
  /** Custom rules of the app (from capstan.yaml); they take precedence over the built-in assessment. */
  rules?: readonly HealthRule[];
  /**
   * The CRDs that serve custom kinds: a custom resource without a status is Healthy only once its
   * CRD is Established. Without it, such an object is Healthy as soon as it exists.
   */
  crds?: CrdLookup;
}

type Assessor = (object: Manifest) => HealthStatus;

/** Built-in assessments by `group/Kind`; every other kind is judged by generic conventions. */
const assessors: ReadonlyMap<string, Assessor> = new Map<string, Assessor>([
  ['apps/Deployment', assessDeploymentHealth],
  ['extensions/Deployment', assessDeploymentHealth],
  ['apps/StatefulSet', assessStatefulSetHealth],
  ['apps/DaemonSet', assessDaemonSetHealth],
  ['extensions/DaemonSet', assessDaemonSetHealth],
  ['apps/ReplicaSet', assessReplicaSetHealth],
  ['extensions/ReplicaSet', assessReplicaSetHealth],
  ['/Pod', assessPodHealth],
  ['batch/Job', assessJobHealth],
  ['batch/CronJob', assessCronJobHealth],
  ['/Service', assessServiceHealth],
  ['networking.k8s.io/Ingress', assessIngressHealth],
  ['extensions/Ingress', assessIngressHealth],
  ['/PersistentVolumeClaim', assessPvcHealth],
  ['autoscaling/HorizontalPodAutoscaler', assessHpaHealth],
  ['apiextensions.k8s.io/CustomResourceDefinition', assessCrdHealth],
]);

/**
 * The health of one object as read from the cluster; `undefined` (not found) is Missing. The
 * app's custom rules are tried first, then (for a custom resource without a status) its CRD, then
 * the assessment for the object's kind. Messages do not name the object: whoever shows them
 * prefixes `Kind/namespace/name`.
 */
export function assessHealth(object: Manifest | undefined, options: HealthOptions = {}): HealthStatus {
  if (object === undefined || object === null) return health('Missing', 'Object does not exist');
  if (options.rules && options.rules.length > 0) {
    const custom = evaluateHealthRules(object, options.rules);
    if (custom) return custom;
  }
  const group = typeof object.apiVersion === 'string' ? groupOf(object.apiVersion) : '';
  if (options.crds && !assessors.has(`${group}/${object.kind}`)) {
    const custom = assessStatuslessCustomResource(object, group, options.crds);
    if (custom) return custom;
  }
  const assessor = assessors.get(`${group}/${object.kind}`) ?? assessGenericHealth;
  return assessor(object);
}
