/**
 * agent: continuous reconcile of many apps (pull mode) — scheduling, polling, refresh from
 * webhooks and git push, drift and self-heal, sync windows, sharding between replicas.
 * `AgentApi` (types.ts) is what server/ and cli/ are written against; agent.ts says which file
 * holds which part (scheduler, retry policy, triggers, reconciler).
 */
export * from './types.ts';
export { Agent, createAgent, type AgentOptions, type DriftWatcherFactory, type InventoryWatcherFactory } from './agent.ts';
export { silentLogger, type AgentLogger } from './logger.ts';
export { cronMatches, syncWindowOpen, windowActive } from './sync-windows.ts';
export { appInputs, touches, type AppInputs } from './app-inputs.ts';
export { DriftWatcher } from './drift-watcher.ts';
export { CrashWatcher, type CrashWatcherOptions } from './crash-watcher.ts';
export { presentable, masked } from './app-objects.ts';
export { InventoryWatcher, type InventoryWatcherApi, type InventoryWatcherOptions } from './inventory-watcher.ts';
export { ShardCoordinator } from './sharding.ts';
