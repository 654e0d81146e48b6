import { formatKey, groupOf, keyOf, NotFoundError, ValidationError, type Manifest } from '../core/index.ts';
import type { DiffReport } from '../engine/index.ts';
import type { HistoryEntry } from '../inventory/index.ts';
import type { LogStream } from '../kube/index.ts';
import type { CrashReport } from '../notify/index.ts';
import {
  appId,
  presentable,
  type AgentApi,
  type AgentEvent,
  type AppRef,
  type AppState,
  type CommitInfo,
  type LiveObject,
  type ObjectEvent,
  type ObjectRef,
  type PodLogRequest,
  type RefreshOptions,
  type ResourceState,
  type SyncActionOptions,
  type SyncActionResult,
  type Trigger,
} from '../agent/index.ts';

/** A pod's log as the FakeAgent keeps it, and the followers reading it. */
interface FakeLog {
  lines: string[];
  followers: Set<(line: string) => void>;
}

const objectId = (ref: AppRef, object: ObjectRef): string => `${appId(ref)}|${groupOf(object.apiVersion)}|${object.kind}|${object.namespace}|${object.name}`;
const podId = (ref: AppRef, namespace: string, pod: string): string => `${appId(ref)}|${namespace}/${pod}`;

/** A small in-memory AgentApi for the server's tests: it records what it was asked and can fail on demand. */
export class FakeAgent implements AgentApi {
  readonly states = new Map<string, AppState>();
  readonly histories = new Map<string, HistoryEntry[]>();
  readonly syncs: { ref: AppRef; options: SyncActionOptions }[] = [];
  readonly rollbacks: { ref: AppRef; options: { who: string; to?: number } }[] = [];
  readonly refreshes: ({ trigger: Trigger; ref?: AppRef } & RefreshOptions)[] = [];
  readonly deletes: { ref: AppRef; options: { who: string } }[] = [];
  /** Live objects by app and key (`putObject`): what `object` shows and the scope of `objectEvents` and `logs`. */
  readonly objects = new Map<string, Manifest>();
  readonly events = new Map<string, ObjectEvent[]>();
  readonly podLogs = new Map<string, FakeLog>();
  /** Newest first, as `crashes()` answers. */
  readonly crashReports: CrashReport[] = [];
  readonly commits = new Map<string, CommitInfo>();
  /** The next call of this method throws this error (once). */
  readonly failures = new Map<keyof AgentApi, Error>();
  isReady = false;
  private readonly listeners = new Set<(event: AgentEvent) => void>();

  constructor(states: AppState[] = []) {
    for (const state of states) this.put(state);
  }

  put(state: AppState): void {
    this.states.set(appId(state), state);
  }

  /** Makes a live object part of an app (its own, or one its objects own). */
  putObject(ref: AppRef, object: Manifest): void {
    const key = keyOf(object);
    this.objects.set(objectId(ref, { apiVersion: object.apiVersion, kind: key.kind, namespace: key.namespace, name: key.name }), structuredClone(object));
  }

  /** Sets the Events of an object of an app (newest first). */
  putEvents(ref: AppRef, object: ObjectRef, events: ObjectEvent[]): void {
    this.events.set(objectId(ref, object), events);
  }

  /** Sets a pod's log (the pod becomes part of the app). */
  putLog(ref: AppRef, namespace: string, pod: string, lines: string[]): void {
    this.putObject(ref, { apiVersion: 'v1', kind: 'Pod', metadata: { name: pod, namespace } });
    const log = this.podLogs.get(podId(ref, namespace, pod)) ?? { lines: [], followers: new Set() };
    log.lines = [...lines];
    this.podLogs.set(podId(ref, namespace, pod), log);
  }

  /** A pod writes a line: its followers get it. */
  appendLog(ref: AppRef, namespace: string, pod: string, line: string): void {
    const log = this.podLogs.get(podId(ref, namespace, pod));
    if (!log) throw new Error(`no log of pod ${namespace}/${pod}: putLog first`);
    log.lines.push(line);
    for (const follower of log.followers) follower(line);
  }

  /** Log streams open with `follow` (a client that went away must have closed its own). */
  get followers(): number {
    return [...this.podLogs.values()].reduce((n, log) => n + log.followers.size, 0);
  }

  /** Adds a crash report (the newest). */
  putCrash(report: CrashReport): void {
    this.crashReports.unshift(structuredClone(report));
  }

  putCommit(commit: CommitInfo): void {
    this.commits.set(commit.sha, commit);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  emit(event: AgentEvent): void {
    if (event.type !== 'revision') this.put(event.state);
    for (const listener of this.listeners) listener(event);
  }

  apps(): AppState[] {
    this.maybeFail('apps');
    return [...this.states.values()];
  }

  app(ref: AppRef): AppState | undefined {
    return this.states.get(appId(ref));
  }

  async resources(ref: AppRef): Promise<ResourceState[]> {
    this.maybeFail('resources');
    const state = this.known(ref);
    return [{ apiVersion: 'apps/v1', key: { group: 'apps', kind: 'Deployment', namespace: state.app, name: state.app }, health: state.health, sync: state.sync }];
  }

  async diff(ref: AppRef): Promise<DiffReport> {
    this.maybeFail('diff');
    const state = this.known(ref);
    const diff = { key: { group: 'apps', kind: 'Deployment', namespace: state.app, name: state.app }, action: 'update' as const, changedPaths: ['/spec/replicas'] };
    // Like compute-diff, the text is a lazy, non-enumerable getter.
    Object.defineProperty(diff, 'unified', { get: () => '-  replicas: 1\n+  replicas: 2\n', enumerable: false });
    return { app: ref.app, env: ref.env, revision: state.targetRevision, diffs: [diff as DiffReport['diffs'][number]], changed: true };
  }

  async history(ref: AppRef): Promise<HistoryEntry[]> {
    this.maybeFail('history');
    this.known(ref);
    return this.histories.get(appId(ref)) ?? [];
  }

  async sync(ref: AppRef, options: SyncActionOptions): Promise<SyncActionResult> {
    this.maybeFail('sync');
    const state = this.known(ref);
    this.syncs.push({ ref, options });
    const revision = options.revision ?? state.targetRevision;
    this.record(ref, { operation: 'sync', revision, who: options.who });
    return { ...ref, revision, result: 'Succeeded', changeSet: { changes: [] }, counts: { unchanged: 1 } };
  }

  async rollback(ref: AppRef, options: { who: string; to?: number }): Promise<SyncActionResult> {
    this.maybeFail('rollback');
    const state = this.known(ref);
    this.rollbacks.push({ ref, options });
    this.record(ref, { operation: 'rollback', revision: state.revision, who: options.who, rollbackOf: options.to });
    return { ...ref, revision: state.revision, result: 'Succeeded', changeSet: { changes: [] }, counts: {} };
  }

  async refresh(trigger: Trigger, ref?: AppRef, options?: RefreshOptions): Promise<void> {
    this.maybeFail('refresh');
    this.refreshes.push({ trigger, ref, ...options });
  }

  subscribe(listener: (event: AgentEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  ready(): boolean {
    return this.isReady;
  }

  async object(ref: AppRef, object: ObjectRef): Promise<LiveObject> {
    this.maybeFail('object');
    const live = this.scoped(ref, object);
    return { apiVersion: live.apiVersion, key: keyOf(live), manifest: presentable(live) as unknown as Record<string, unknown> };
  }

  async objectEvents(ref: AppRef, object: ObjectRef): Promise<ObjectEvent[]> {
    this.maybeFail('objectEvents');
    this.scoped(ref, object);
    return structuredClone(this.events.get(objectId(ref, object)) ?? []);
  }

  async logs(ref: AppRef, request: PodLogRequest, onLine: (line: string) => void): Promise<LogStream> {
    this.maybeFail('logs');
    this.scoped(ref, { apiVersion: 'v1', kind: 'Pod', namespace: request.namespace, name: request.pod });
    const log = this.podLogs.get(podId(ref, request.namespace, request.pod)) ?? { lines: [], followers: new Set<(line: string) => void>() };
    const lines = request.tailLines === undefined ? log.lines : log.lines.slice(-request.tailLines);
    let stop: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      stop = () => {
        log.followers.delete(onLine);
        resolve();
      };
    });
    // like a real log stream, the lines come after the stream is handed over
    queueMicrotask(() => {
      for (const line of lines) onLine(line);
      if (request.follow) log.followers.add(onLine);
      else stop();
    });
    return { stop: () => stop(), done };
  }

  async delete(ref: AppRef, options: { who: string }): Promise<SyncActionResult> {
    this.maybeFail('delete');
    const state = this.known(ref);
    this.deletes.push({ ref, options });
    this.put({ ...state, deleted: { at: new Date(0).toISOString(), by: options.who }, sync: 'OutOfSync', health: 'Missing' });
    this.record(ref, { operation: 'delete', revision: state.revision, who: options.who });
    return { ...ref, revision: state.revision, result: 'Succeeded', changeSet: { changes: [] }, counts: { deleted: 1 } };
  }

  crashes(): CrashReport[] {
    this.maybeFail('crashes');
    return structuredClone(this.crashReports.slice(0, 50));
  }

  async commit(sha: string): Promise<CommitInfo> {
    this.maybeFail('commit');
    if (!/^[0-9a-f]{7,40}$/i.test(sha)) throw new ValidationError(`"${sha}" is not a commit SHA: 7 to 40 hexadecimal characters`);
    const found = [...this.commits.values()].find((c) => c.sha.startsWith(sha.toLowerCase()));
    if (!found) throw new NotFoundError(`commit ${sha} not found in the config repo`);
    return { ...found };
  }

  /** The live object when it is part of the app; a NotFoundError naming it and the app otherwise. */
  private scoped(ref: AppRef, object: ObjectRef): Manifest {
    this.known(ref);
    const live = this.objects.get(objectId(ref, object));
    const key = { group: groupOf(object.apiVersion), kind: object.kind, namespace: object.namespace, name: object.name };
    if (!live) throw new NotFoundError(`${formatKey(key)} is not an object of app ${appId(ref)}: neither in what it applied nor owned by its objects`);
    return live;
  }

  private known(ref: AppRef): AppState {
    const state = this.app(ref);
    if (!state) throw new NotFoundError(`app ${appId(ref)} not found`);
    return state;
  }

  private maybeFail(method: keyof AgentApi): void {
    const error = this.failures.get(method);
    if (error) {
      this.failures.delete(method);
      throw error;
    }
  }

  private record(ref: AppRef, entry: Pick<HistoryEntry, 'operation' | 'revision' | 'who' | 'rollbackOf'>): void {
    const list = this.histories.get(appId(ref)) ?? [];
    list.push({ id: list.length + 1, time: new Date(0).toISOString(), result: 'Succeeded', changes: {}, ...entry });
    this.histories.set(appId(ref), list);
  }
}

/** An AppState with defaults. */
export function appState(app: string, env: string, fields: Partial<AppState> = {}): AppState {
  return {
    app,
    env,
    revision: 'a'.repeat(40),
    targetRevision: 'b'.repeat(40),
    sync: 'OutOfSync',
    health: 'Healthy',
    automated: true,
    selfHeal: false,
    prune: true,
    failures: 0,
    syncWindowOpen: true,
    ...fields,
  };
}
