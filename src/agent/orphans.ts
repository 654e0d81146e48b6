/**
 * Apps removed from capstan.yaml whose objects are still in the cluster: reported as `orphaned`
 * (in the API, status and metrics) and, with `pruneRemovedApps`, deleted by the replica that
 * would own them.
 */
import { ValidationError } from '../core/index.ts';
import type { Engine, RepoRevision } from '../engine/index.ts';
import type { Inventory } from '../inventory/index.ts';
import type { Remote } from '../source/index.ts';
import { lastSyncOf } from './app-table.ts';
import { message } from './helpers.ts';
import type { AgentLogger } from './logger.ts';
import { appId, type AgentEvent, type AppRef, type AppState, type ShardCoordinatorApi } from './types.ts';

/** How long a prune waits for another capstan process's sync of the app. */
const pruneLockWaitMs = 30_000;

export interface OrphansOptions {
  engine: Engine;
  repo: Remote;
  /** The agent's environments; default every environment of capstan.yaml. */
  envs?: string[];
  shards?: ShardCoordinatorApi;
  log: AgentLogger;
  /** The agent's current revision; undefined before the first fetch. */
  head(): RepoRevision | undefined;
  /** Whether capstan.yaml declares the app (at the current revision). */
  tracked(id: string): boolean;
  stopping(): boolean;
  emit(event: AgentEvent): void;
}

export class Orphans {
  /** Apps removed from capstan.yaml whose objects are still in the cluster, by id. */
  private readonly found = new Map<string, AppState>();
  private checking: Promise<void> | undefined;
  private again = false;

  constructor(private readonly options: OrphansOptions) {}

  get(id: string): AppState | undefined {
    return this.found.get(id);
  }

  has(id: string): boolean {
    return this.found.has(id);
  }

  states(): AppState[] {
    return [...this.found.values()];
  }

  /** Looks for apps removed from capstan.yaml whose objects are still there (one look at a time, again if asked meanwhile). */
  check(): Promise<void> {
    if (this.checking) {
      this.again = true;
      return this.checking;
    }
    this.checking = (async () => {
      do {
        this.again = false;
        await this.find();
      } while (this.again && !this.options.stopping());
    })().finally(() => (this.checking = undefined));
    return this.checking;
  }

  /**
   * Reports every app of the agent's environments that capstan.yaml no longer declares but whose
   * inventory lists objects; with `pruneRemovedApps` the replica that would own it deletes what it
   * applied.
   */
  private async find(): Promise<void> {
    const { engine, log, shards } = this.options;
    const head = this.options.head();
    if (!head || this.options.stopping()) return;
    let found: Inventory[];
    try {
      found = await engine.orphans(head, this.options.envs);
    } catch (error) {
      log.warn({ err: message(error) }, `looking for apps removed from capstan.yaml failed: ${message(error)}`);
      return;
    }
    const prune = head.project.pruneRemovedApps === true;
    const seen = new Set<string>();
    for (const inventory of found) {
      const ref = { app: inventory.app, env: inventory.env };
      const id = appId(ref);
      if (this.options.tracked(id)) continue;
      seen.add(id);
      const count = inventory.objects.length + (inventory.pending?.length ?? 0);
      const last = inventory.history.at(-1);
      const state: AppState = {
        ...ref,
        revision: inventory.revision,
        targetRevision: head.commit,
        sync: 'OutOfSync',
        health: 'Unknown',
        automated: false,
        selfHeal: false,
        prune,
        failures: 0,
        syncWindowOpen: true,
        orphaned: true,
        error: `removed from capstan.yaml, yet ${count} of its objects are still in the cluster: ${prune ? 'pruneRemovedApps deletes them' : `capstan delete ${ref.app} --env ${ref.env} removes them, or set pruneRemovedApps: true`}`,
      };
      if (last) state.lastSync = lastSyncOf(last);
      const before = this.found.get(id);
      if (JSON.stringify(before) !== JSON.stringify(state)) {
        if (!before) log.warn({ app: ref.app, env: ref.env, objects: count }, `app ${id} is orphaned: ${state.error}`);
        this.found.set(id, state);
        this.options.emit({ type: 'app', state: structuredClone(state) });
      }
      const mine = !shards || shards.owns(ref);
      if (prune && mine) await this.prune(ref, count);
    }
    for (const id of [...this.found.keys()]) if (!seen.has(id)) this.found.delete(id);
  }

  /** Deletes what an app removed from capstan.yaml applied (pruneRemovedApps). */
  private async prune(ref: AppRef, count: number): Promise<void> {
    const { engine, log } = this.options;
    const id = appId(ref);
    try {
      const result = await engine.delete({ repo: this.options.repo, app: ref.app, env: ref.env, waitForLockMs: pruneLockWaitMs });
      if (result.result === 'Succeeded') {
        log.info({ app: ref.app, env: ref.env, counts: result.counts }, `app ${id} was removed from capstan.yaml: deleted ${result.counts.deleted ?? 0} of its ${count} objects (pruneRemovedApps)`);
        const left = (await engine.orphans(this.current(), [ref.env])).some((o) => o.app === ref.app);
        if (!left) this.found.delete(id);
      } else {
        log.warn({ app: ref.app, env: ref.env, err: result.error?.message }, `app ${id} was removed from capstan.yaml; deleting its objects failed: ${result.error?.message ?? ''}`);
      }
    } catch (error) {
      log.warn({ app: ref.app, env: ref.env, err: message(error) }, `app ${id} was removed from capstan.yaml; deleting its objects failed: ${message(error)}`);
    }
  }

  private current(): RepoRevision {
    const head = this.options.head();
    if (!head) throw new ValidationError('the agent has not fetched the config repo yet: start it first');
    return head;
  }
}
