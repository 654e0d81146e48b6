/**
 * The drift watcher: one list+watch per (apiVersion, kind, namespace) shared by every app that owns
 * objects there, filtered to objects capstan applied (label `capstan.dev/app` exists); objects of
 * which capstan only sets fields (`capstan.dev/patch-existing`, never labelled) are watched by a
 * second, unfiltered list+watch of their kind and namespace. Every
 * MODIFIED event of a tracked object is compared with the version seen before it (`assessChange`);
 * a change made by someone other than capstan, or a deletion, is reported per app, debounced.
 *
 * A watch that fails (410 Gone, a broken connection, an unserved kind) is relisted and watched
 * again after a capped backoff; the relist is compared with what was seen, so changes and
 * deletions made while no watch was open are reported too. A watch the server closes cleanly is
 * resumed from its last resourceVersion.
 */
import { formatKey, groupOf, labels, type Manifest, type ResourceKey } from '../core/index.ts';
import type { KubeClient, WatchEvent } from '../kube/index.ts';
import { ListWatch } from './list-watch.ts';
import type { AgentLogger } from './logger.ts';
import { appId, type AppRef, type DriftWatcherApi, type DriftWatcherOptions } from './types.ts';

/** Options of the implementation beyond the `DriftWatcherOptions` contract. */
export interface DriftWatcherExtras {
  /** Failed watches and a throwing `onDrift` are warned about; each drifted object is logged at info. Default: silent. */
  logger?: AgentLogger;
  /** First delay before relisting a failed watch; doubles per consecutive failure. Default 200 ms. */
  backoffMs?: number;
  /** Longest delay between two attempts of a failing watch. Default 10 s. */
  maxBackoffMs?: number;
}

/** Why a change between two versions of an object is, or is not, drift. */
export interface ChangeAssessment {
  drift: boolean;
  reason: string;
  /** The field managers the change is attributed to, when known. */
  managers: string[];
}

const DEFAULT_DEBOUNCE_MS = 500;
const DEFAULT_BACKOFF_MS = 200;
const DEFAULT_MAX_BACKOFF_MS = 10_000;
/** Only objects capstan applied: the label exists (`capstan.dev/app`). */
const LABEL_SELECTOR = labels.app;

export class DriftWatcher implements DriftWatcherApi {
  private readonly client: KubeClient;
  private readonly onDrift: DriftWatcherOptions['onDrift'];
  private readonly fieldManager: string;
  private readonly debounceMs: number;
  private readonly logger: AgentLogger | undefined;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly apps = new Map<string, TrackedApp>();
  private readonly watches = new Map<string, SharedWatch>();
  /** Watches stopped because nobody needs them any more, until their loop has ended. */
  private readonly ending = new Set<Promise<void>>();
  private stopped = false;

  constructor(options: DriftWatcherOptions & DriftWatcherExtras) {
    this.client = options.client;
    this.onDrift = options.onDrift;
    this.fieldManager = options.fieldManager ?? 'capstan';
    this.debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    this.logger = options.logger;
    this.backoffMs = options.backoffMs ?? DEFAULT_BACKOFF_MS;
    this.maxBackoffMs = options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
    // what this process applied through the client is its own write, whatever managedFields can
    // tell (two applies within one second leave capstan's entry with the same time and fields)
    this.stopOwnWrites = options.client.onApplied?.((object, how) => {
      if (how.fieldManager === this.fieldManager) this.ownWrite(object);
    });
  }

  /** The resourceVersion of this process's last apply of each watched object, by scope key and name. */
  private readonly ownVersions = new Map<string, string>();
  private readonly stopOwnWrites: (() => void) | undefined;

  private ownWrite(object: Manifest): void {
    const version = object.metadata.resourceVersion;
    for (const unlabelled of [false, true]) {
      const key = scopeKeyOf({ apiVersion: object.apiVersion, kind: object.kind, namespace: object.metadata.namespace ?? '', unlabelled });
      // only objects an app tracks: what is not watched yet is first seen as it is (never drift)
      if (typeof version === 'string' && this.watches.has(key)) this.ownVersions.set(`${key}|${object.metadata.name}`, version);
    }
  }

  /** Whether this version of the object is one this process wrote (forgotten once seen). */
  private isOwnWrite(key: string, name: string, version: unknown): boolean {
    const id = `${key}|${name}`;
    if (this.ownVersions.get(id) !== version) return false;
    this.ownVersions.delete(id);
    return true;
  }

  track(ref: AppRef, objects: readonly { apiVersion: string; key: ResourceKey; patchExisting?: boolean }[]): void {
    if (this.stopped) return;
    const id = appId(ref);
    const scopes = new Map<string, Set<string>>();
    const wanted = new Map<string, WatchScope>();
    for (const { apiVersion, key, patchExisting } of objects) {
      const scope: WatchScope = { apiVersion, kind: key.kind, namespace: key.namespace, unlabelled: patchExisting === true };
      const scopeKey = scopeKeyOf(scope);
      wanted.set(scopeKey, scope);
      let names = scopes.get(scopeKey);
      if (!names) scopes.set(scopeKey, (names = new Set()));
      names.add(key.name);
    }
    const existing = this.apps.get(id);
    if (scopes.size === 0) {
      if (existing?.timer) clearTimeout(existing.timer);
      this.apps.delete(id);
    } else if (existing) {
      existing.scopes = scopes;
    } else {
      this.apps.set(id, { ref: { app: ref.app, env: ref.env }, scopes, pending: new Map() });
    }
    this.reconcileWatches(wanted);
  }

  /**
   * Whether every watch has listed and is open (an informer's HasSynced): a change made from now
   * on is seen. Tests wait for it instead of for time.
   */
  synced(): boolean {
    return [...this.watches.values()].every((watch) => watch.synced);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopOwnWrites?.();
    this.ownVersions.clear();
    for (const app of this.apps.values()) if (app.timer) clearTimeout(app.timer);
    this.apps.clear();
    for (const [key, watch] of this.watches) {
      this.watches.delete(key);
      this.retire(watch);
    }
    await Promise.all([...this.ending]);
  }

  /** Starts the watches some app needs and stops those nobody needs any more. */
  private reconcileWatches(added: Map<string, WatchScope>): void {
    const needed = new Set<string>();
    for (const app of this.apps.values()) for (const key of app.scopes.keys()) needed.add(key);
    for (const key of needed) {
      if (this.watches.has(key)) continue;
      const scope = added.get(key);
      if (!scope) continue;
      const watch = new SharedWatch(scope, {
        client: this.client,
        fieldManager: this.fieldManager,
        logger: this.logger,
        backoffMs: this.backoffMs,
        maxBackoffMs: this.maxBackoffMs,
        report: (name, reason, version) => this.noteDrift(key, scope, name, reason, version),
        isOwnWrite: (name, version) => this.isOwnWrite(key, name, version),
      });
      this.watches.set(key, watch);
      watch.start();
    }
    for (const [key, watch] of this.watches) {
      if (needed.has(key)) continue;
      this.watches.delete(key);
      this.retire(watch);
    }
  }

  private retire(watch: SharedWatch): void {
    const ended = watch.stop();
    this.ending.add(ended);
    void ended.finally(() => this.ending.delete(ended));
  }

  /** A tracked-or-not object of a watch changed behind capstan's back: queue it for every app that owns it. */
  private noteDrift(scopeKey: string, scope: WatchScope, name: string, reason: string, version?: unknown): void {
    const subject = formatKey({ group: groupOf(scope.apiVersion), kind: scope.kind, namespace: scope.namespace, name });
    for (const app of this.apps.values()) {
      if (!app.scopes.get(scopeKey)?.has(name)) continue;
      this.logger?.info({ app: app.ref.app, env: app.ref.env, subject }, `${subject} drifted: ${reason}`);
      app.pending.set(subject, { scopeKey, name, version });
      app.timer ??= setTimeout(() => this.flush(app), this.debounceMs);
    }
  }

  /** The end of an app's debounce window: one call with every object still tracked. */
  private flush(app: TrackedApp): void {
    app.timer = undefined;
    if (this.stopped || this.apps.get(appId(app.ref)) !== app) return;
    const objects = [...app.pending]
      // a watch event can come before the answer to the apply that caused it: judged again here
      .filter(([, { scopeKey, name, version }]) => app.scopes.get(scopeKey)?.has(name) && (version === undefined || !this.isOwnWrite(scopeKey, name, version)))
      .map(([subject]) => subject)
      .sort(compareStrings);
    app.pending.clear();
    if (objects.length === 0) return;
    try {
      this.onDrift({ ...app.ref }, objects);
    } catch (error) {
      this.logger?.warn({ app: app.ref.app, env: app.ref.env }, `drift handler failed for ${appId(app.ref)}: ${messageOf(error)}`);
    }
  }
}

interface TrackedApp {
  ref: AppRef;
  /** Scope key → names of the app's objects in that scope. */
  scopes: Map<string, Set<string>>;
  /** Objects that drifted in the current debounce window, by `Kind/namespace/name`. */
  pending: Map<string, { scopeKey: string; name: string; version?: unknown }>;
  timer?: NodeJS.Timeout;
}

interface WatchScope {
  apiVersion: string;
  kind: string;
  /** '' for a cluster-scoped kind. */
  namespace: string;
  /** Every object of the kind and namespace, not only capstan's: for objects capstan only sets fields of (never labelled). */
  unlabelled: boolean;
}

function scopeKeyOf(scope: WatchScope): string {
  return `${scope.apiVersion}|${scope.kind}|${scope.namespace}${scope.unlabelled ? '|unlabelled' : ''}`;
}

interface SharedWatchOptions {
  client: KubeClient;
  fieldManager: string;
  logger: AgentLogger | undefined;
  backoffMs: number;
  maxBackoffMs: number;
  /** An object of the scope drifted (modified by someone else, or deleted). */
  report(name: string, reason: string, version?: unknown): void;
  /** Whether this version of an object is one this process applied. */
  isOwnWrite(name: string, version: unknown): boolean;
}

/** One list+watch loop over the capstan-labelled objects (or, unlabelled, all objects) of one kind in one namespace. */
class SharedWatch {
  /** The last version seen of every object in scope, by name. */
  private readonly seen = new Map<string, Manifest>();
  private readonly loop: ListWatch;

  constructor(
    private readonly scope: WatchScope,
    private readonly options: SharedWatchOptions,
  ) {
    this.loop = new ListWatch({
      client: options.client,
      apiVersion: scope.apiVersion,
      kind: scope.kind,
      namespace: scope.namespace || undefined,
      labelSelector: scope.unlabelled ? undefined : LABEL_SELECTOR,
      subject: scope.namespace ? `${scope.kind} in namespace ${scope.namespace}` : scope.kind,
      logger: options.logger,
      backoffMs: options.backoffMs,
      maxBackoffMs: options.maxBackoffMs,
      onList: (items) => this.resync(items),
      onEvent: (event) => this.onEvent(event),
    });
  }

  start(): void {
    this.loop.start();
  }

  get synced(): boolean {
    return this.loop.synced;
  }

  /** Ends the loop; resolves once it has ended. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** A fresh list: compare it with what was seen, so what changed while no watch was open is not missed. */
  private resync(items: Manifest[]): void {
    const listed = new Set<string>();
    for (const object of items) {
      const name = object.metadata.name;
      listed.add(name);
      this.observe(name, object);
    }
    for (const name of [...this.seen.keys()]) {
      if (listed.has(name)) continue;
      this.seen.delete(name);
      this.options.report(name, 'deleted (gone from a relist)');
    }
  }

  private onEvent(event: WatchEvent): void {
    const name = event.object.metadata?.name;
    if (typeof name !== 'string') return;
    if (event.type === 'DELETED') {
      this.seen.delete(name);
      // also sent when the object lost its capstan.dev/app label, which is drift as well
      this.options.report(name, 'deleted');
      return;
    }
    this.observe(name, event.object);
  }

  private observe(name: string, object: Manifest): void {
    const previous = this.seen.get(name);
    this.seen.set(name, object);
    if (!previous || previous.metadata.resourceVersion === object.metadata.resourceVersion) return;
    if (this.options.isOwnWrite(name, object.metadata.resourceVersion)) return;
    const assessment = assessChange(previous, object, this.options.fieldManager);
    if (assessment.drift) this.options.report(name, assessment.reason, object.metadata.resourceVersion);
  }
}

// ---------------------------------------------------------------------------
// The drift rule

interface FieldsEntry {
  id: string;
  manager: string;
  time: number;
  fields: FieldsTree;
}

type FieldsTree = { [key: string]: FieldsTree };

/**
 * Whether a change between two versions of an object may be drift, so that the agent compares the
 * object's values with git (which decides: drift is a difference in values, never inferred from
 * who wrote it; managedFields miss some writes, such as the scale subresource before Kubernetes
 * 1.22). This only spares that comparison where the change is provably not drift:
 *
 * 1. An object that started being deleted may be drift.
 * 2. The versions are compared without `status`, `metadata.resourceVersion`, `.generation`,
 *    `.managedFields`, and labels, annotations and finalizers under the prefixes Kubernetes
 *    reserves for its own components (`kubernetes.io/`, `k8s.io/`, `*.kubernetes.io/`,
 *    `*.k8s.io/`: `deployment.kubernetes.io/revision`, `pv.kubernetes.io/bind-completed` …)
 *    unless capstan applied them. Equal → not drift: status writes and controller bookkeeping.
 * 3. A change whose only recorded writer is capstan (its own entry in `managedFields` is new, got
 *    a newer `time` or gained fields, and no other entry did) is capstan's own apply: not drift.
 * 4. Anything else (another writer recorded, or no writer recorded at all) may be drift.
 */
export function assessChange(previous: Manifest, next: Manifest, fieldManager = 'capstan'): ChangeAssessment {
  if (next.metadata.deletionTimestamp && !previous.metadata.deletionTimestamp) {
    return { drift: true, reason: 'being deleted', managers: [] };
  }
  const before = entriesOf(previous);
  const after = entriesOf(next);
  const kept = applierKeys([...before.values(), ...after.values()].filter((e) => e.manager === fieldManager));
  if (stableStringify(comparable(previous, kept)) === stableStringify(comparable(next, kept))) {
    return { drift: false, reason: 'only status or server-managed fields changed', managers: [] };
  }
  const writers = [...after.values()].filter((entry) => {
    if (!touchesContent(entry.fields, kept)) return false;
    const old = before.get(entry.id);
    return !old || old.time !== entry.time || !fieldsSubset(entry.fields, old.fields);
  });
  const others = unique(writers.filter((e) => e.manager !== fieldManager).map((e) => e.manager));
  if (others.length > 0) return { drift: true, reason: `changed by ${others.join(', ')}`, managers: others };
  if (writers.length > 0) return { drift: false, reason: `changed by ${fieldManager}`, managers: [fieldManager] };
  return { drift: true, reason: 'changed with no writer recorded in managedFields', managers: [] };
}

/** The managedFields entries that can change what capstan applied: every one but status-subresource writes. */
function entriesOf(object: Manifest): Map<string, FieldsEntry> {
  const out = new Map<string, FieldsEntry>();
  const raw = object.metadata.managedFields;
  if (!Array.isArray(raw)) return out;
  for (const item of raw as unknown[]) {
    if (!isRecord(item)) continue;
    const subresource = typeof item.subresource === 'string' ? item.subresource : '';
    if (subresource === 'status') continue;
    const manager = typeof item.manager === 'string' ? item.manager : '';
    const operation = typeof item.operation === 'string' ? item.operation : '';
    const apiVersion = typeof item.apiVersion === 'string' ? item.apiVersion : '';
    const time = typeof item.time === 'string' ? Date.parse(item.time) : NaN;
    const fields = isRecord(item.fieldsV1) ? (item.fieldsV1 as FieldsTree) : {};
    const id = JSON.stringify([manager, operation, apiVersion, subresource]);
    out.set(id, { id, manager, time: Number.isNaN(time) ? 0 : time, fields });
  }
  return out;
}

/** Reserved-prefix label, annotation and finalizer keys capstan's entries own: those still count. */
function applierKeys(entries: FieldsEntry[]): Set<string> {
  const keys = new Set<string>();
  for (const entry of entries) {
    const metadata = entry.fields['f:metadata'];
    if (!metadata) continue;
    for (const map of ['labels', 'annotations'] as const) {
      for (const key of Object.keys(metadata[`f:${map}`] ?? {})) if (key.startsWith('f:')) keys.add(`${map}/${key.slice(2)}`);
    }
    for (const key of Object.keys(metadata['f:finalizers'] ?? {})) {
      if (!key.startsWith('v:')) continue;
      try {
        keys.add(`finalizers/${String(JSON.parse(key.slice(2)))}`);
      } catch {
        // not a JSON value: not a finalizer capstan could own
      }
    }
  }
  return keys;
}

/** Whether a key is under a prefix Kubernetes reserves for its components. */
function reservedKey(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash < 0) return false;
  const prefix = key.slice(0, slash);
  return prefix === 'kubernetes.io' || prefix === 'k8s.io' || prefix.endsWith('.kubernetes.io') || prefix.endsWith('.k8s.io');
}

/** Finalizers the API server and controllers add and remove themselves. */
function reservedFinalizer(finalizer: string): boolean {
  return finalizer === 'foregroundDeletion' || finalizer === 'orphan' || reservedKey(finalizer);
}

/** The object as drift compares it. */
function comparable(object: Manifest, kept: Set<string>): Record<string, unknown> {
  const { status: _status, metadata, ...rest } = object;
  const { resourceVersion: _rv, managedFields: _mf, generation: _gen, labels: objectLabels, annotations, finalizers, ...meta } = metadata;
  const filterMap = (map: Record<string, string> | undefined, kind: string): Record<string, string> | undefined => {
    if (!map) return undefined;
    const out = Object.fromEntries(Object.entries(map).filter(([key]) => !reservedKey(key) || kept.has(`${kind}/${key}`)));
    return Object.keys(out).length > 0 ? out : undefined;
  };
  const ownFinalizers = Array.isArray(finalizers)
    ? (finalizers as unknown[]).filter((f) => typeof f !== 'string' || !reservedFinalizer(f) || kept.has(`finalizers/${f}`))
    : [];
  return {
    ...rest,
    metadata: {
      ...meta,
      labels: filterMap(objectLabels, 'labels'),
      annotations: filterMap(annotations, 'annotations'),
      finalizers: ownFinalizers.length > 0 ? ownFinalizers : undefined,
    },
  };
}

/** Whether a managedFields set holds a field drift compares (not only status and reserved metadata keys). */
function touchesContent(fields: FieldsTree, kept: Set<string>): boolean {
  const ignored = (map: string, key: string): boolean => !kept.has(`${map}/${key}`) && (map === 'finalizers' ? reservedFinalizer(key) : reservedKey(key));
  for (const [key, child] of Object.entries(fields)) {
    if (key === '.' || key === 'f:status') continue;
    if (key === 'f:metadata') {
      for (const [metaKey, metaChild] of Object.entries(child)) {
        if (metaKey === '.') continue;
        if (metaKey === 'f:labels' || metaKey === 'f:annotations') {
          const map = metaKey.slice(2);
          if (Object.keys(metaChild).some((k) => k !== '.' && !(k.startsWith('f:') && ignored(map, k.slice(2))))) return true;
        } else if (metaKey === 'f:finalizers') {
          if (Object.keys(metaChild).some((k) => k !== '.' && !(k.startsWith('v:') && ignored('finalizers', parseJsonString(k.slice(2)))))) return true;
        } else {
          return true;
        }
      }
      continue;
    }
    return true;
  }
  return false;
}

function parseJsonString(text: string): string {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'string' ? value : text;
  } catch {
    return text;
  }
}

/** Every field of `a` is in `b`. */
function fieldsSubset(a: FieldsTree, b: FieldsTree): boolean {
  for (const [key, child] of Object.entries(a)) {
    const other = b[key];
    if (!other || !fieldsSubset(child, other)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// helpers

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON with sorted keys and undefined members left out. */
function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort(compareStrings);
    return `{${keys.map((key) => `${JSON.stringify(key)}:${stableStringify(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function unique(values: string[]): string[] {
  return [...new Set(values)].sort(compareStrings);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
