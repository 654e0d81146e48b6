/**
 * plan — pure: orders rendered objects into the stages of a sync (PreSync hooks, sync waves,
 * PostSync hooks; within a wave, namespaces and CRDs first and custom resources last) and
 * computes what to prune. No I/O, no logging.
 */
export {
  buildPlan,
  compareKeys,
  crdTarget,
  formatPlan,
  phaseOrder,
  planObjects,
  type Plan,
  type PlanOptions,
  type PlanPhase,
  type PlanStage,
  type PlanStep,
  type SkippedObject,
} from './build-plan.ts';
export { annotationProblems, deletePolicyOf, hookDeletePolicies, isHook, ignoresExtraneous, syncOptionsOf, type HookDeletePolicy, type SyncOptions } from './annotations.ts';
export { computePrune, type PruneTarget } from './compute-prune.ts';
export { builtinGroups, stepOrder, type StepKind } from './kind-order.ts';
