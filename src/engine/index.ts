/**
 * engine: the composition root. Two verbs: plan(revision, app, env) (source → render → live →
 * dry-run of what may differ) and apply(plan) (lock → write → wait → prune → inventory); sync,
 * diff, status and rollback are built on them; also history and delete. Push mode and the agent
 * both drive it.
 */
export { Engine, whoFromEnvironment, type AppStatus, type ApplyOptions, type DiffReport, type EngineOptions, type PlanOptions, type RenderResult, type SyncPlan, type SyncRequest, type SyncResult } from './engine.ts';
export { openRevision, openWorkingTree, workingTreeCommit, type RepoRevision } from './repo-revision.ts';
export { defaultInventoryNamespace, inventoryFromConfigMap, inventorySelector } from '../inventory/index.ts';
export { healthyForGate, type HealthyForInput } from './promotion-gate.ts';
