/**
 * The drift watcher: one list+watch per (apiVersion, kind, namespace) shared by every app that owns
 * objects there, filtered to objects capstan applied (label `capstan.dev/app` exists). Every
 * MODIFIED event of a tracked object is compared with the version seen before it (`assessChange`);
 * a change made by someone other than capstan, or a deletion, is reported per app, debounced.
 *
 * A watch that fails (410 Gone, a broken connection, an unserved kind) is relisted and watched
 * again after a capped backoff; the relist is compared with what was seen, so changes and
 * deletions made while no watch was open are reported too. A watch the server closes cleanly is
 * resumed from its last resourceVersion.
 */
import { formatKey, groupOf, labels, type Manifest, type ResourceKey } from '../core/index.ts';
import type { KubeClient, WatchEvent, WatchHandle } from '../kube/index.ts';
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
/** A watch that stayed open at least this long was healthy: the next failure starts the backoff over. */
const HEALTHY_WATCH_MS = 5_000;
/** Watches are asked to end after this long and are then resumed, so a silently dead connection does not last. */
const WATCH_TIMEOUT_SECONDS = 300;
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
  }

  track(ref: AppRef, objects: readonly { apiVersion: string; key: ResourceKey }[]): void {
    if (this.stopped) return;
    const id = appId(ref);
    const scopes = new Map<string, Set<string>>();
    const wanted = new Map<string, WatchScope>();
    for (const { apiVersion, key } of objects) {
      const scope: WatchScope = { apiVersion, kind: key.kind, namespace: key.namespace };
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

  async stop(): Promise<void> {
    this.stopped = true;
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
        report: (name, reason) => this.noteDrift(key, scope, name, reason),
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
  private noteDrift(scopeKey: string, scope: WatchScope, name: string, reason: string): void {
    const subject = formatKey({ group: groupOf(scope.apiVersion), kind: scope.kind, namespace: scope.namespace, name });
    for (const app of this.apps.values()) {
      if (!app.scopes.get(scopeKey)?.has(name)) continue;
      this.logger?.info({ app: app.ref.app, env: app.ref.env, subject }, `${subject} drifted: ${reason}`);
      app.pending.set(subject, { scopeKey, name });
      app.timer ??= setTimeout(() => this.flush(app), this.debounceMs);
    }
  }

  /** The end of an app's debounce window: one call with every object still tracked. */
  private flush(app: TrackedApp): void {
    app.timer = undefined;
    if (this.stopped || this.apps.get(appId(app.ref)) !== app) return;
    const objects = [...app.pending]
      .filter(([, { scopeKey, name }]) => app.scopes.get(scopeKey)?.has(name))
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
  pending: Map<string, { scopeKey: string; name: string }>;
  timer?: NodeJS.Timeout;
}

interface WatchScope {
  apiVersion: string;
  kind: string;
  /** '' for a cluster-scoped kind. */
  namespace: string;
}

function scopeKeyOf(scope: WatchScope): string {
  return `${scope.apiVersion}|${scope.kind}|${scope.namespace}`;
}

interface SharedWatchOptions {
  client: KubeClient;
  fieldManager: string;
  logger: AgentLogger | undefined;
  backoffMs: number;
  maxBackoffMs: number;
  /** An object of the scope drifted (modified by someone else, or deleted). */
  report(name: string, reason: string): void;
}

/** One list+watch loop over the capstan-labelled objects of one kind in one namespace. */
class SharedWatch {
  /** The last version seen of every object in scope, by name. */
  private readonly seen = new Map<string, Manifest>();
  private stopped = false;
  private handle: WatchHandle | undefined;
  private wake: (() => void) | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly scope: WatchScope,
    private readonly options: SharedWatchOptions,
  ) {}

  private get subject(): string {
    return this.scope.namespace ? `${this.scope.kind} in namespace ${this.scope.namespace}` : this.scope.kind;
  }

  start(): void {
    this.running = this.run().catch((error: unknown) => {
      // run() handles its own failures; this is a last guard so a bug never becomes an unhandled rejection
      this.options.logger?.warn({ subject: this.subject }, `watch of ${this.subject} stopped: ${messageOf(error)}`);
    });
  }

  /** Ends the loop; resolves once it has ended. */
  stop(): Promise<void> {
    this.stopped = true;
    this.handle?.stop();
    this.wake?.();
    return this.running ?? Promise.resolve();
  }

  private async run(): Promise<void> {
    const { client } = this.options;
    const { apiVersion, kind } = this.scope;
    const namespace = this.scope.namespace || undefined;
    let failures = 0;
    let resourceVersion: string | undefined;
    while (!this.stopped) {
      let openedAt: number | undefined;
      try {
        if (resourceVersion === undefined) {
          const list = await client.list(apiVersion, kind, { namespace, labelSelector: LABEL_SELECTOR });
          if (this.stopped) return;
          this.resync(list.items);
          resourceVersion = list.resourceVersion;
        }
        const handle = await client.watch(
          apiVersion,
          kind,
          { namespace, labelSelector: LABEL_SELECTOR, resourceVersion, timeoutSeconds: WATCH_TIMEOUT_SECONDS },
          (event) => this.onEvent(event),
        );
        openedAt = Date.now();
        this.handle = handle;
        if (this.stopped) handle.stop();
        try {
          await handle.done;
        } finally {
          this.handle = undefined;
        }
        if (this.stopped) return;
        // closed by the server: resume where it ended (bookmarks keep the resourceVersion fresh)
        resourceVersion = handle.lastResourceVersion ?? resourceVersion;
        if (Date.now() - openedAt >= HEALTHY_WATCH_MS) {
          failures = 0;
          continue;
        }
        failures++;
      } catch (error) {
        if (this.stopped) return;
        // 410 Gone, a broken stream, an unserved kind: start over from a fresh list
        resourceVersion = undefined;
        failures = openedAt !== undefined && Date.now() - openedAt >= HEALTHY_WATCH_MS ? 1 : failures + 1;
        this.options.logger?.warn({ subject: this.subject, attempt: failures }, `watch of ${this.subject} failed, relisting: ${messageOf(error)}`);
      }
      await this.pause(this.delay(failures));
    }
  }

  /** Exponential backoff with jitter, capped. */
  private delay(failures: number): number {
    if (failures <= 0) return 0;
    const base = Math.min(this.options.maxBackoffMs, this.options.backoffMs * 2 ** Math.min(failures - 1, 20));
    return Math.round(base / 2 + (Math.random() * base) / 2);
  }

  private pause(ms: number): Promise<void> {
    if (ms <= 0 || this.stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).finally(() => (this.wake = undefined));
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
    try {
      if (event.type === 'BOOKMARK') return;
      const name = event.object.metadata?.name;
      if (typeof name !== 'string') return;
      if (event.type === 'DELETED') {
        this.seen.delete(name);
        // also sent when the object lost its capstan.dev/app label, which is drift as well
        this.options.report(name, 'deleted');
        return;
      }
      this.observe(name, event.object);
    } catch (error) {
      this.options.logger?.warn({ subject: this.subject }, `watch of ${this.subject}: an event could not be handled: ${messageOf(error)}`);
    }
  }

  private observe(name: string, object: Manifest): void {
    const previous = this.seen.get(name);
    this.seen.set(name, object);
    if (!previous || previous.metadata.resourceVersion === object.metadata.resourceVersion) return;
    const assessment = assessChange(previous, object, this.options.fieldManager);
    if (assessment.drift) this.options.report(name, assessment.reason);
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
 * Whether `next` (a later version of `previous`) drifted from what capstan applied.
 *
 * 1. An object that started being deleted drifted.
 * 2. The versions are compared without `status`, `metadata.resourceVersion`, `.generation`,
 *    `.managedFields`, and labels, annotations and finalizers under the prefixes Kubernetes
 *    reserves for its own components (`kubernetes.io/`, `k8s.io/`, `*.kubernetes.io/`,
 *    `*.k8s.io/`: `deployment.kubernetes.io/revision`, `pv.kubernetes.io/bind-completed` …)
 *    unless capstan applied them. Equal → not drift: status writes and controller bookkeeping.
 * 3. Otherwise the change is attributed through `managedFields` (status-subresource entries and
 *    entries that only hold ignored fields left out): the entries that are new, got a newer
 *    `time`, or gained fields are the writers; drift when one of them is not capstan.
 * 4. No writer, but capstan's entry lost fields: another writer removed what capstan set. Drift.
 * 5. No entry changed (a writer's second write within the same whole second as its previous one):
 *    the owners of the changed fields tell; drift when a changed field is held by others only.
 * 6. Nothing left to attribute: drift unless capstan's entry is among the newest.
 */
export function assessChange(previous: Manifest, next: Manifest, fieldManager = 'capstan'): ChangeAssessment {
  if (next.metadata.deletionTimestamp && !previous.metadata.deletionTimestamp) {
    return { drift: true, reason: 'being deleted', managers: [] };
  }
  const before = entriesOf(previous);
  const after = entriesOf(next);
  const kept = applierKeys([...before.values(), ...after.values()].filter((e) => e.manager === fieldManager));
  const was = comparable(previous, kept);
  const now = comparable(next, kept);
  if (stableStringify(was) === stableStringify(now)) {
    return { drift: false, reason: 'only status or server-managed fields changed', managers: [] };
  }
  const writers = [...after.values()].filter((entry) => {
    if (!touchesContent(entry.fields, kept)) return false;
    const old = before.get(entry.id);
    return !old || old.time !== entry.time || !fieldsSubset(entry.fields, old.fields);
  });
  if (writers.length > 0) {
    const others = unique(writers.filter((e) => e.manager !== fieldManager).map((e) => e.manager));
    return others.length > 0
      ? { drift: true, reason: `changed by ${others.join(', ')}`, managers: others }
      : { drift: false, reason: `changed by ${fieldManager}`, managers: [fieldManager] };
  }
  const lost = [...before.values()].some((entry) => {
    if (entry.manager !== fieldManager) return false;
    const now = after.get(entry.id);
    return !now || !fieldsSubset(entry.fields, now.fields);
  });
  if (lost) return { drift: true, reason: `fields ${fieldManager} applied were changed or removed by another writer`, managers: [] };
  const relevant = [...after.values()].filter((e) => touchesContent(e.fields, kept));
  // a writer's second write within one whole second: its entry looks the same; the changed fields' owners tell
  let ownedByApplier = false;
  for (const path of changedPaths(was, now, [])) {
    const owners = unique(relevant.filter((e) => owns(e.fields, path)).map((e) => e.manager));
    if (owners.length > 0 && !owners.includes(fieldManager)) return { drift: true, reason: `fields owned by ${owners.join(', ')} changed`, managers: owners };
    if (owners.includes(fieldManager)) ownedByApplier = true;
  }
  if (ownedByApplier) return { drift: false, reason: `fields owned by ${fieldManager} changed`, managers: [fieldManager] };
  if (relevant.length === 0) return { drift: true, reason: 'changed by an unknown writer (no managed fields)', managers: [] };
  const newest = Math.max(...relevant.map((e) => e.time));
  const latest = unique(relevant.filter((e) => e.time === newest).map((e) => e.manager));
  if (latest.includes(fieldManager)) return { drift: false, reason: `changed, most recently written by ${fieldManager}`, managers: [fieldManager] };
  return { drift: true, reason: `changed, most recently written by ${latest.join(', ')}`, managers: latest };
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

/** One step of a path into an object: a map key, or a list item with its value (to find its `k:`/`v:` entry). */
type PathStep = { key: string } | { index: number; item: unknown };

/** Paths to what `b` added or changed compared with `a` (removals left out), as deep as both agree on the shape. */
function changedPaths(a: unknown, b: unknown, path: PathStep[]): PathStep[][] {
  if (b === undefined || stableStringify(a) === stableStringify(b)) return [];
  if (isRecord(a) && isRecord(b)) return Object.keys(b).flatMap((key) => changedPaths(a[key], b[key], [...path, { key }]));
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) return b.flatMap((item, index) => changedPaths(a[index], item, [...path, { index, item }]));
  return [path];
}

/** Whether a managedFields set holds the field at `path`, something under it, or an atomic ancestor of it. */
function owns(fields: FieldsTree, path: PathStep[]): boolean {
  let node = fields;
  for (const [depth, step] of path.entries()) {
    const child = 'key' in step ? node[`f:${step.key}`] : itemEntry(node, step.index, step.item);
    if (!child) return depth > 0 && Object.keys(node).length === 0;
    node = child;
  }
  return true;
}

/** The entry of a list item in a managedFields set: by its key fields, its value, or its index. */
function itemEntry(node: FieldsTree, index: number, item: unknown): FieldsTree | undefined {
  for (const [key, child] of Object.entries(node)) {
    if (key === `i:${index}`) return child;
    let value: unknown;
    try {
      value = JSON.parse(key.slice(2));
    } catch {
      continue;
    }
    if (key.startsWith('v:') && stableStringify(value) === stableStringify(item)) return child;
    if (key.startsWith('k:') && isRecord(value) && isRecord(item) && Object.entries(value).every(([k, v]) => stableStringify(item[k]) === stableStringify(v))) return child;
  }
  return undefined;
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
