import type { ResourceKey } from '../core/index.ts';

/** An object an app applied: enough to find it again (and to prune it) without re-rendering. */
export interface InventoryObject {
  apiVersion: string;
  key: ResourceKey;
  /** capstan only set fields of it (`capstan.dev/patch-existing`): it is not the app's, and never pruned or deleted. */
  patchExisting?: boolean;
}

export type SyncOperation = 'sync' | 'rollback' | 'delete';
export type SyncOutcome = 'Succeeded' | 'Failed';

/** One sync of an app in an environment, as `capstan history` shows it. */
export interface HistoryEntry {
  /** Increases by one with every recorded sync; `rollback --to <id>` refers to it. */
  id: number;
  operation: SyncOperation;
  /** The config repo commit that was rendered. */
  revision: string;
  /** ISO 8601, UTC. */
  time: string;
  result: SyncOutcome;
  /**
   * Who caused it: a user, a CI actor, the API token that pushed to the agent or asked it to sync,
   * the sender a webhook names, or the agent itself (polls, drift, retries).
   */
  who: string;
  /**
   * What made the agent sync (`push`, `webhook`, `poll`, `manual`, `drift`, `retry` …), so a
   * restarted agent reports the last sync as it happened; absent for syncs made outside an agent.
   */
  trigger?: string;
  /** Counts of the ChangeSet (created, configured, deleted, ...). */
  changes: Record<string, number>;
  /** For a rollback: the history entry whose revision was re-applied. */
  rollbackOf?: number;
  /**
   * For a rollback: the commit the config repo's HEAD was on when it was made. The agent does not
   * sync an automated app away from a successful rollback while HEAD is still there: the
   * rollback holds until a new commit comes.
   */
  head?: string;
  /** The first lines of the error, for a failed sync. Never carries secret values. */
  message?: string;
}

/** What one app owns in one environment and how it got there, stored in the cluster. */
export interface Inventory {
  app: string;
  env: string;
  /** The revision last applied successfully ('' before the first success). */
  revision: string;
  /** Everything the app applied at its last successful sync (hooks excluded). */
  objects: InventoryObject[];
  /** Newest last, at most `historyLimit` entries. */
  history: HistoryEntry[];
  /**
   * Objects a sync recorded before creating them, not yet settled by a successful sync: what an
   * interrupted sync may have left. Pruned by the next sync like `objects`, when it does not render them.
   */
  pending?: InventoryObject[];
  /** The stored ConfigMap's resourceVersion when read (not stored): writes are conditioned on it. */
  resourceVersion?: string;
}
