import type { ChangeSet, HealthStatusCode, ResourceKey } from '../core/index.ts';
import type { DiffReport } from '../engine/index.ts';
import type { HistoryEntry } from '../inventory/index.ts';
import type { KubeClient, LogStream } from '../kube/index.ts';
import type { CrashReport } from '../notify/index.ts';

/**
 * The contract of the agent (pull mode): what the HTTP API, the CLI and the web UI ask of it.
 * `server/` is written against `AgentApi`; `agent/` implements it.
 */

/** One app in one environment: the unit the agent reconciles. */
export interface AppRef {
  app: string;
  env: string;
}

/** `app/env`, as used in maps, logs and URLs. */
export function appId(ref: AppRef): string {
  return `${ref.app}/${ref.env}`;
}

export type SyncStatusCode = 'Synced' | 'OutOfSync' | 'Unknown';

/** What caused a sync or a refresh. */
/** What started an operation; `external`: another capstan process (CI, a laptop) changed the app's inventory. */
export type Trigger = 'startup' | 'poll' | 'webhook' | 'push' | 'manual' | 'drift' | 'external' | 'retry' | 'dependency';

export interface LastSync {
  /** The history entry id in the inventory, when one was recorded. */
  id?: number;
  revision: string;
  result: 'Succeeded' | 'Failed';
  /** ISO 8601. */
  startedAt: string;
  finishedAt: string;
  trigger: Trigger;
  who: string;
  /** created/configured/unchanged/deleted/skipped/failed counts. */
  counts: Record<string, number>;
  /** First lines of the error, for a failed sync; never a secret value. */
  message?: string;
}

export interface AppState extends AppRef {
  /** The revision last applied successfully ('' when never synced). */
  revision: string;
  /** The newest commit of the watched branch the agent has seen. */
  targetRevision: string;
  sync: SyncStatusCode;
  health: HealthStatusCode;
  healthMessage?: string;
  /** Sync automatically when git changes (`sync: auto`). */
  automated: boolean;
  selfHeal: boolean;
  prune: boolean;
  /** `running` while a sync of this app is in progress, `queued` while it waits for a slot. */
  operation?: { phase: 'queued' | 'running'; trigger: Trigger; since: string };
  lastSync?: LastSync;
  /** Objects changed in the cluster behind capstan's back, since the last sync. */
  drift?: { detectedAt: string; objects: string[] };
  /** Consecutive failed syncs, and when the next retry is due (ISO 8601). */
  failures: number;
  nextRetryAt?: string;
  /** Whether the environment's sync windows allow an automatic sync now. */
  syncWindowOpen: boolean;
  /** The replica that reconciles this app (when several agents share the apps). */
  owner?: string;
  /** The app's objects could not be read or compared: why. */
  error?: string;
  /** Removed from capstan.yaml (or from this environment) while objects it applied are still in the cluster. */
  orphaned?: boolean;
  /** An app of `type: artifact` before its service's first release in the environment: not synced, nothing pruned. */
  notReleased?: boolean;
  /**
   * Deleted through the API (`DELETE /api/v1/apps/{env}/{app}`): when and by whom. While set, no
   * automatic sync, self-heal or retry runs; a manual sync or a new commit that changes the app clears it.
   */
  deleted?: { at: string; by: string };
}

export interface ResourceState {
  apiVersion: string;
  key: ResourceKey;
  health: HealthStatusCode;
  healthMessage?: string;
  /** Whether the live object matches the desired one. */
  sync: SyncStatusCode;
  /** What the object owns in the cluster (a Deployment's ReplicaSets and their Pods, a Job's Pods, …). */
  children?: ResourceNode[];
}

/** An object one of the app's objects owns (by owner reference), with its health: not the app's own, never synced. */
export interface ResourceNode {
  apiVersion: string;
  key: ResourceKey;
  health: HealthStatusCode;
  healthMessage?: string;
  children?: ResourceNode[];
}

export interface SyncActionOptions {
  /** Who asked (recorded in the history). */
  who: string;
  /** Apply this revision instead of the branch's newest commit. */
  revision?: string;
  prune?: boolean;
  force?: boolean;
}

/** Who and what caused a refresh, for the syncs it leads to. */
export interface RefreshOptions {
  /**
   * Who caused it, recorded as who synced: the name of the token that pushed to the agent or asked
   * for the refresh, the sender a webhook names. Default the agent's own name.
   */
  who?: string;
  /**
   * The commit the push or webhook made the branch's head: whichever fetch brings that commit (this
   * refresh, or a poll that came first), its syncs are recorded with this trigger and `who`.
   */
  revision?: string;
}

export interface SyncActionResult extends AppRef {
  revision: string;
  result: 'Succeeded' | 'Failed';
  changeSet: ChangeSet;
  counts: Record<string, number>;
  message?: string;
}

/** A live object of an app, or of what its objects own, named as the API names it (`namespace` '' for cluster-scoped). */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

/** A live object as the API shows it: `managedFields` removed, a Secret's values masked. */
export interface LiveObject {
  apiVersion: string;
  key: ResourceKey;
  manifest: Record<string, unknown>;
}

/** A core/v1 Event about an object. */
export interface ObjectEvent {
  type: string;
  reason: string;
  message: string;
  count: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  /** The component (and host) that reported it. */
  source?: string;
}

/** A pod's log, as `logs` reads it. */
export interface PodLogRequest {
  namespace: string;
  pod: string;
  /** Required by the server when the pod has several containers. */
  container?: string;
  /** The last lines only. */
  tailLines?: number;
  /** Keep reading as the container writes, until the container stops or the stream is stopped. */
  follow?: boolean;
}

/** A commit of the config repo the agent follows. */
export interface CommitInfo {
  sha: string;
  subject: string;
  /** `Name <email>`. */
  author: string;
  /** Author date, ISO 8601. */
  time: string;
}

export type AgentEvent =
  /** An app's state changed (any field). */
  | { type: 'app'; state: AppState }
  /** A new commit of the watched branch was fetched. */
  | { type: 'revision'; revision: string; trigger: Trigger; changedApps: string[]; who?: string }
  /** A sync finished. */
  | { type: 'sync'; state: AppState; result: SyncActionResult }
  /** Drift was seen (objects changed behind capstan's back). */
  | { type: 'drift'; state: AppState; objects: string[] };

export interface AgentApi {
  /** Every app of the agent's environments, sorted by environment order then app order. */
  apps(): AppState[];
  app(ref: AppRef): AppState | undefined;
  /** The app's objects with their live health and sync status. */
  resources(ref: AppRef): Promise<ResourceState[]>;
  /** The live diff (server dry-run vs live) at the target revision. */
  diff(ref: AppRef): Promise<DiffReport>;
  history(ref: AppRef): Promise<HistoryEntry[]>;
  /** Syncs now (even a manual app, even outside a sync window), waits for the result. */
  sync(ref: AppRef, options: SyncActionOptions): Promise<SyncActionResult>;
  /** Re-applies an earlier history entry (default: the previous successful revision). */
  rollback(ref: AppRef, options: { who: string; to?: number }): Promise<SyncActionResult>;
  /**
   * Fetches git now and re-checks the apps (all, or one); automated apps that changed are synced,
   * recorded as caused by `trigger` and `options.who`.
   */
  refresh(trigger: Trigger, ref?: AppRef, options?: RefreshOptions): Promise<void>;
  subscribe(listener: (event: AgentEvent) => void): () => void;
  /** True once the first reconcile pass of every owned app has finished. */
  ready(): boolean;
  /**
   * A live object of the app: one its inventory lists or one its objects own (ReplicaSets, Pods,
   * Jobs …); any other is a NotFoundError naming the object and the app.
   */
  object(ref: AppRef, object: ObjectRef): Promise<LiveObject>;
  /** The Events about such an object, newest first, at most 100. */
  objectEvents(ref: AppRef, object: ObjectRef): Promise<ObjectEvent[]>;
  /**
   * Reads the log of a pod of the app (or one its objects own), calling `onLine` for each line, its
   * Secrets' values masked; `stop()` the stream to let it go.
   */
  logs(ref: AppRef, request: PodLogRequest, onLine: (line: string) => void): Promise<LogStream>;
  /**
   * Deletes what the app applied in its environment (one operation of the app's, never beside a
   * sync of it) and marks it `deleted`: not synced again automatically until a manual sync or a
   * new commit that changes it.
   */
  delete(ref: AppRef, options: { who: string }): Promise<SyncActionResult>;
  /** The crashes seen since the agent started, newest first, at most 50 (none when crash watching is off). */
  crashes(): CrashReport[];
  /** A commit of the config repo by its full or abbreviated SHA (7–40 hex characters). */
  commit(sha: string): Promise<CommitInfo>;
}

/** Where the agent reports what Prometheus is told (implemented by server/ with prom-client). */
export interface AgentMetrics {
  reconcileDuration(seconds: number, ref: AppRef, result: 'Succeeded' | 'Failed' | 'Unchanged'): void;
  syncResult(ref: AppRef, result: 'Succeeded' | 'Failed'): void;
  drift(ref: AppRef): void;
  gitFetchDuration(seconds: number, ok: boolean): void;
  queueDepth(depth: number): void;
}

export const noMetrics: AgentMetrics = {
  reconcileDuration() {},
  syncResult() {},
  drift() {},
  gitFetchDuration() {},
  queueDepth() {},
};

/**
 * Watches the objects of apps for changes made behind capstan's back (implemented in
 * drift-watcher.ts). The agent tells it what each app owns after every sync.
 */
export interface DriftWatcherApi {
  /** Sets (replaces) the objects of an app; an empty list stops watching it. */
  /** `patchExisting`: capstan only sets fields of the object (it carries no capstan label). */
  track(ref: AppRef, objects: readonly { apiVersion: string; key: ResourceKey; patchExisting?: boolean }[]): void;
  /** Stops every watch. */
  stop(): Promise<void>;
}

export interface DriftWatcherOptions {
  client: KubeClient;
  /**
   * Called (debounced, at most once per app per `debounceMs`) when tracked objects were modified
   * or deleted by someone else: `objects` are `Kind/namespace/name`. Changes capstan itself makes
   * (field manager `capstan`) and status-only changes by controllers are not drift.
   */
  onDrift(ref: AppRef, objects: string[]): void;
  /** Field manager whose writes are capstan's own; default `capstan`. */
  fieldManager?: string;
  debounceMs?: number;
}

/**
 * Splits apps between agent replicas through Kubernetes Lease objects (implemented in
 * sharding.ts): each replica renews a Lease of its own; the live replicas share the apps by
 * rendezvous hashing; a replica whose Lease expired loses its apps to the others.
 */
export interface ShardCoordinatorApi {
  readonly identity: string;
  /** Whether this replica reconciles the app now. */
  owns(ref: AppRef): boolean;
  /** The replica that owns the app, as far as this replica knows. */
  ownerOf(ref: AppRef): string;
  /** The live replicas, sorted. */
  members(): string[];
  /** Called when the membership (and so the assignment) changed. */
  onChange(listener: () => void): () => void;
  start(): Promise<void>;
  /** Gives up the Lease (others take over at once) and stops renewing. */
  stop(): Promise<void>;
}

export interface ShardCoordinatorOptions {
  client: KubeClient;
  /** This replica's name (default: hostname + random suffix). */
  identity?: string;
  /** Namespace of the Leases; default `capstan-system`. */
  namespace?: string;
  /** Lease group name: replicas with the same name share apps; default `capstan-agent`. */
  group?: string;
  /** How long a Lease lives without renewal; default 15 s. Renewed every third of it. */
  leaseDurationMs?: number;
}

// --- added by agent/ (declaration merging keeps the interfaces above unchanged) ---

export interface AppState {
  /** How many times drift was reported for this app since the agent started (every drift counts). */
  drifts?: number;
}
