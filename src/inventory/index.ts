/**
 * inventory: what each app applied in each environment, and the history of its syncs, stored in
 * the cluster (a ConfigMap per app and environment) through the kube client.
 */
export { InventoryStore, configMapName, defaultInventoryNamespace, inventoryFromConfigMap, inventorySelector, type InventoryStoreOptions } from './inventory-store.ts';
export type { HistoryEntry, Inventory, InventoryObject, SyncOperation, SyncOutcome } from './types.ts';
export { LockedError, SyncLock, SyncLocks, type AcquireOptions, type LockHolder, type SyncLocksOptions } from './sync-lock.ts';
