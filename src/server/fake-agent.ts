import { NotFoundError } from '../core/index.ts';
import type { DiffReport } from '../engine/index.ts';
import type { HistoryEntry } from '../inventory/index.ts';
import { appId, type AgentApi, type AgentEvent, type AppRef, type AppState, type RefreshOptions, type ResourceState, type SyncActionOptions, type SyncActionResult, type Trigger } from '../agent/index.ts';

/** A small in-memory AgentApi for the server's tests: it records what it was asked and can fail on demand. */
export class FakeAgent implements AgentApi {
  readonly states = new Map<string, AppState>();
  readonly histories = new Map<string, HistoryEntry[]>();
  readonly syncs: { ref: AppRef; options: SyncActionOptions }[] = [];
  readonly rollbacks: { ref: AppRef; options: { who: string; to?: number } }[] = [];
  readonly refreshes: ({ trigger: Trigger; ref?: AppRef } & RefreshOptions)[] = [];
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
