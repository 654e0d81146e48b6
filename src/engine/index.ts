/**
 * engine: the composition root. sync(app, env) = source → render → plan → apply → inventory;
 * also diff, status, history, rollback and delete. Push mode and the agent both drive it.
 */
export { Engine, whoFromEnvironment, type AppStatus, type DiffReport, type EngineOptions, type RenderResult, type SyncRequest, type SyncResult } from './engine.ts';
export { openRevision, openWorkingTree, workingTreeCommit, type RepoRevision } from './repo-revision.ts';
export { defaultInventoryNamespace, inventoryFromConfigMap, inventorySelector } from '../inventory/index.ts';
