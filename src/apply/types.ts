import type { Change, ChangeSet, HookPhase, IgnoreRule, Manifest, ResourceKey } from '../core/index.ts';
import type { DiffResult } from '../diff/index.ts';
import type { HealthOptions, HealthSummary } from '../health/index.ts';
import type { PlanPhase, PruneTarget } from '../plan/index.ts';

/** An object by apiVersion and key: what an inventory records. */
export interface ObjectRef {
  apiVersion: string;
  key: ResourceKey;
  /** capstan only set fields of it (`capstan.dev/patch-existing`): it is not the app's, and never pruned or deleted. */
  patchExisting?: boolean;
}

export interface ApplyPlanOptions {
  /** The app and environment applying: stamped on every object, and checked before any change. */
  owner: { app: string; env: string };
  /** Field manager of the server-side applies; default `capstan`. */
  fieldManager?: string;
  /** Take fields that other field managers own instead of failing on the conflict. */
  force?: boolean;
  /**
   * What to delete after a successful apply, in this order (computePrune's reverse plan order),
   * computed by the caller from its inventory.
   */
  prune?: readonly PruneTarget[];
  /**
   * How many requests run at once (dry-runs, applies, reads); default 64, a third of an API
   * server's default 200 mutating requests in flight (its 429s are retried with backoff).
   */
  concurrency?: number;
  /** How long a stage may take to become healthy (and a hook to complete); default 5 minutes. */
  waitTimeoutMs?: number;
  /**
   * Wait for each stage's objects to be healthy before the next (default true); false is Flux's
   * `wait: false`: the sync ends once everything is applied. Hooks are still waited for, and CRDs
   * until Established (what follows needs them).
   */
  wait?: boolean;
  /** How often health is read while waiting; default 1000 ms. */
  pollIntervalMs?: number;
  /**
   * How long an object may stay Degraded before its wave fails (a Deployment can pass through
   * Degraded while a rollout recovers); default 3 × pollIntervalMs. Failed hooks fail at once.
   */
  degradedGraceMs?: number;
  /** The app's custom health rules. */
  healthOptions?: HealthOptions;
  /** Differences to ignore when deciding whether an object changed. */
  ignore?: readonly IgnoreRule[];
  /** Called as work progresses, for a terminal UI or events; apply itself never logs. */
  onProgress?: (event: ApplyProgressEvent) => void;
  /** Validate and compare only (the diff command): dry-run everything, write nothing. */
  dryRunOnly?: boolean;
  /**
   * When hooks run: `on-change` (default) only when the sync creates, changes or prunes
   * something — a sync that finds nothing to do writes nothing, hooks included; `always` on
   * every sync, as Argo CD runs them on every sync operation.
   */
  hooks?: 'on-change' | 'always';
  /** Let a plan with no objects prune (deleting an app); default false: an empty render never prunes. */
  allowEmpty?: boolean;
  /**
   * Namespaces never deleted, besides the ones no cluster lets go of (`default`, `kube-system`,
   * `kube-public`, `kube-node-lease`): capstan's own (the inventory namespace).
   */
  protectedNamespaces?: readonly string[];
  /**
   * Called once, after every object was validated and before the first write (never when nothing
   * will be written), with the objects the app will own: the caller takes its lock and records
   * them ahead in its inventory. A throw stops the sync with nothing written.
   */
  beforeWrites?: (owned: ObjectRef[]) => Promise<void>;
  /**
   * Stops the waits (health, hooks, CRDs) when aborted: what is pending fails at once as stopped,
   * so the caller records the sync and lets go of its lock (an agent shutting down).
   */
  signal?: AbortSignal;
  /**
   * Skip the server dry-run of objects whose live copy provably holds exactly what would be
   * applied (diff's quickCompare): they are unchanged without a request, so a sync that finds
   * nothing to change sends no dry-run and no write (a real API server charges a dry-run nearly
   * what it charges an apply). What differs, or cannot be judged, is dry-run. Default true; false
   * dry-runs every object.
   */
  skipDryRunWhenInSync?: boolean;
  /**
   * prepareApply's preview of what executing would do (the prune targets and namespaces read, as a
   * dry run reads them); default true. `capstan delete` goes without: the execution reads them.
   */
  preview?: boolean;
}

export type ApplyProgressEvent =
  /** Every object was read and dry-run; `deferred` wait for a Namespace or CRD of the plan. */
  | { type: 'validated'; objects: number; deferred: number }
  /** Deferred objects were dry-run after the Namespaces/CRDs they need were applied. */
  | { type: 'deferred-validated'; keys: ResourceKey[] }
  | { type: 'stage'; phase: PlanPhase; wave: number }
  /** One object's outcome, as soon as it is known. */
  | { type: 'change'; change: Change }
  /** A poll while waiting for a stage, a hook or a CRD. */
  | { type: 'waiting'; phase: PlanPhase; wave: number; health: HealthSummary; elapsedMs: number }
  | { type: 'healthy'; phase: PlanPhase; wave: number }
  | { type: 'prune'; targets: number };

export interface ApplyResult {
  changeSet: ChangeSet;
  /** With dryRunOnly every object's diff (unchanged ones too); otherwise the diffs of what changed. */
  diffs: DiffResult[];
  /**
   * What the app owns now (its inventory): every rendered object that is not a hook or a
   * Namespace it did not create, and the Namespaces a prune left in place until they hold nothing
   * but the app's objects.
   */
  applied: ObjectRef[];
  /** The health of the applied objects when apply finished (as read live, for dryRunOnly). */
  health: HealthSummary;
}

/** Live and desired state of one object while a plan is applied. */
export interface PlanItem {
  /** The stamped object (owner annotation and labels; a patch-existing object as rendered, without its marker). */
  object: Manifest;
  key: ResourceKey;
  id: string;
  phase: PlanPhase;
  wave: number;
  hook?: HookPhase;
  live?: Manifest;
  diff?: DiffResult;
  /** Ids of the plan's Namespaces and CRDs this object cannot be dry-run before. */
  blockers: Set<string>;
  /**
   * Why the object is left as it is: a Namespace that exists and that this app did not create
   * (never adopted, not part of the inventory, not dry-run nor applied).
   */
  skip?: string;
  /**
   * Only the fields the object sets are applied to an object that must exist (`capstan.dev/patch-existing`):
   * it is not stamped with the owner, and never created, pruned or deleted.
   */
  patchExisting?: boolean;
  /** Why the object is applied without a server dry-run (`SkipDryRunOnMissingResource=true` on a kind not served yet). */
  unvalidated?: string;
}
