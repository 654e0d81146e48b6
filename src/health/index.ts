/**
 * health: what state a Kubernetes object is in, judged from the object alone. Pure: no I/O, no
 * logging; it takes objects and returns HealthStatus values (core's ordered codes, so the health
 * of many objects is the worst of them).
 *
 * - one assessment per kind, with the semantics of `kubectl rollout status` and Argo CD, in
 *   `deployment.ts`, `stateful-set.ts`, `daemon-set.ts`, `replica-set.ts`, `pod.ts`, `job.ts`,
 *   `cron-job.ts`, `service.ts`, `ingress.ts`, `pvc.ts`, `hpa.ts`, `crd.ts`;
 * - `generic.ts` for custom resources and every other kind (observedGeneration and the Ready,
 *   Available, Stalled and Reconciling conditions);
 * - `custom-resource.ts`: a custom resource without a status waits for its CRD to be Established
 *   (the caller looks the CRD up: `HealthOptions.crds`);
 * - custom rules per app from capstan.yaml (`rules.ts`): core's HealthRule, already checked when
 *   capstan.yaml loaded.
 */
export { assessHealth, type HealthOptions } from './assess-health.ts';
export type { CrdLookup, CrdState } from './custom-resource.ts';
export { summarizeHealth, summarizeResources, type HealthSubject, type HealthSummary, type ResourceHealth } from './summarize-health.ts';
