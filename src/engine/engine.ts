import os from 'node:os';
import { CapstanError, NotFoundError, NotReleasedError, TimeoutError, ValidationError, annotations, builtinScope, countChanges, formatKey, groupOf, keyOf, keyString, type ChangeSet, type Manifest, type ResourceKey } from '../core/index.ts';
import { appsInEnvironment, createdNamespaces, isSystemNamespace, resolveApp, scopeProblems, writeScope, type AppEnvironment, type Project } from '../config/index.ts';
import type { DiffResult } from '../diff/index.ts';
import { summarizeHealth, type HealthSummary } from '../health/index.ts';
import { AlreadyExistsError, ModifiedError, type KubeClient } from '../kube/index.ts';
import { InventoryStore, LockedError, SyncLocks, defaultInventoryNamespace, type HistoryEntry, type Inventory, type InventoryObject, type LockHolder, type SyncLock } from '../inventory/index.ts';
import { crdsOf, prepareApply, readCrdLookup, type ApplyOutcome, type ApplyProgressEvent, type PreparedApply } from '../apply/index.ts';
import { annotationProblems, buildPlan, builtinGroups, computePrune, type Plan, type PruneTarget } from '../plan/index.ts';
import { checkSchemas, renderApp, validateObjects, type ChartFetchOptions, type ClusterCapabilities, type RenderCache, type RenderedObject, type SchemaCheck, type SopsKeys } from '../render/index.ts';
import type { GitCache, Remote } from '../source/index.ts';

import { openRevision, type RepoRevision } from './repo-revision.ts';
import { clusterVariables } from './cluster-variables.ts';
import { capabilitiesFingerprint, clusterCapabilities } from './cluster-capabilities.ts';

export interface EngineOptions {
  git: GitCache;
  /** A client for a kubeconfig context (undefined: the kubeconfig's current context). */
  clientFor(context: string | undefined): Promise<KubeClient>;
  /** Overrides every environment's `cluster` (the CLI's `--context`). */
  context?: string;
  inventoryNamespace?: string;
  sopsKeys?: SopsKeys;
  helmBinary?: string;
  kustomizeBinary?: string;
  /**
   * Where charts fetched from Helm repositories and OCI registries are kept (by digest); default
   * `$XDG_CACHE_HOME/capstan/charts` or `~/.cache/capstan/charts`. Never inside a config repo.
   */
  chartCacheDir?: string;
  /**
   * The chart repositories apps may fetch from (URL prefixes); undefined or empty: any. Set by
   * whoever runs capstan, never by the config repo (see ChartFetchOptions.allowedRepositories).
   */
  chartRepositories?: readonly string[];
  /** Renders kept on disk by commit (the CLI's); without it every process renders anew. */
  renderCache?: RenderCache;
  /** Who is recorded in the history; default from the environment (CI actor or user). */
  who?: string;
  /** How long a sync waits for another process's sync of the same app and environment; default 0 (fails at once). */
  waitForLockMs?: number;
  /**
   * Objects no app may write, whatever its scope, with why (the Secret an agent reads its API
   * tokens from, when it lives outside capstan's own namespace, which is protected anyway).
   */
  protectedObjects?: readonly { key: ResourceKey; why: string }[];
}

export interface SyncRequest {
  repo: Remote;
  /** Branch, tag or commit; default `HEAD`. */
  revision?: string;
  app: string;
  env: string;
  /**
   * Take the fields git declares that other field managers hold (`--force-conflicts`), or stop on
   * them (`--no-force-conflicts`); default the app's `syncOptions.conflicts` (force unless `fail`).
   */
  force?: boolean;
  /** Override the app's prune policy. */
  prune?: boolean;
  /** Allow an empty render to prune everything the app applied before. */
  allowEmpty?: boolean;
  /** Health wait per wave; default the app's `syncOptions.timeout`. */
  timeoutMs?: number;
  /** Skip waiting for `dependsOn` apps to be healthy. */
  skipDependencies?: boolean;
  onProgress?: (event: ApplyProgressEvent) => void;
  /** Called when the sync of an app starts (before dependencies are awaited). */
  onStart?: (app: AppEnvironment, revision: string) => void;
  /** Who is recorded in the history for this sync; default the engine's `who`. */
  who?: string;
  /** What caused the sync (the agent's trigger), recorded in the history entry. */
  trigger?: string;
  /** How long to wait for another process's sync of this app; default the engine's `waitForLockMs`. */
  waitForLockMs?: number;
  /** Called once when another process holds the app and this sync waits for it. */
  onLockWait?: (holder: LockHolder) => void;
  /** Stops the sync's waits (dependencies, health): it then fails as stopped, is recorded, and lets go of its lock. */
  signal?: AbortSignal;
}

export interface SyncResult {
  app: string;
  env: string;
  revision: string;
  result: 'Succeeded' | 'Failed';
  changeSet: ChangeSet;
  counts: Record<string, number>;
  health?: HealthSummary;
  /** Present when the sync failed. */
  error?: CapstanError;
  /** The history entry recorded (absent when nothing changed and nothing was recorded). */
  recorded?: HistoryEntry;
  /** The app's inventory as the sync left it (absent when the sync could not read or write it). */
  inventory?: Inventory;
}

/** What to plan besides the app, environment and revision. */
export interface PlanOptions {
  /**
   * Take the fields git declares that other field managers hold, or stop on them; default the
   * app's `syncOptions.conflicts` (force unless `fail`). A read-only plan always takes them in its
   * dry-run, to show (and name) what applying would take.
   */
  force?: boolean;
  /** Override the app's prune policy. */
  prune?: boolean;
  /** Allow an empty render to prune everything the app applied before. */
  allowEmpty?: boolean;
  /** A rollback to the history entry `of`, HEAD being at `head`: recorded as a rollback. */
  rollback?: { of: number; head: string };
  /** Only to look (diff, status): everything is compared, including what cannot be validated yet; it cannot be applied. */
  readOnly?: boolean;
}

/**
 * One sync, planned: what the app's inventory held, what applying would change, and the health of
 * what runs. `Engine.apply` applies it once, without reading or dry-running again.
 */
export interface SyncPlan {
  app: AppEnvironment;
  checkout: RepoRevision;
  revision: string;
  /** The inventory as read, once, for this plan. */
  inventory: Inventory;
  /** Every object's would-be change (created, configured, unchanged, deleted, skipped). */
  changeSet: ChangeSet;
  /** The diffs of what would change (created, configured, pruned objects). */
  diffs: DiffResult[];
  /** Whether applying would create, change or prune anything. */
  changed: boolean;
  /** The health of what the inventory lists, as read live (Unknown when the plan cannot be applied, unless it is read-only). */
  health: HealthSummary;
  /** Why the plan cannot be applied as it is (applying it records this failure). */
  error?: CapstanError;
  options: PlanOptions;
}

/** How to apply a plan. */
export interface ApplyOptions {
  /** Recorded in the history; default the engine's `who`. */
  who?: string;
  /** What caused the sync (the agent's trigger), recorded in the history entry. */
  trigger?: string;
  /** Health wait per wave; default the app's `syncOptions.timeout`. */
  timeoutMs?: number;
  /** Wait for the apps it depends on to be healthy first (and plan again if it had to wait). */
  waitForDependencies?: boolean;
  /** How long to wait for another process's sync of this app; default the engine's `waitForLockMs`. */
  waitForLockMs?: number;
  onLockWait?: (holder: LockHolder) => void;
  onProgress?: (event: ApplyProgressEvent) => void;
  /** Stops the sync's waits: it then fails as stopped, is recorded, and lets go of its lock. */
  signal?: AbortSignal;
}

/** What a plan holds for apply that callers do not see. */
interface PlanInternals {
  client: KubeClient;
  store: InventoryStore;
  prepared?: PreparedApply;
}

export interface DiffReport {
  app: string;
  env: string;
  revision: string;
  diffs: DiffResult[];
  /** True when any object would be created, changed or pruned. */
  changed: boolean;
}

export interface AppStatus {
  app: string;
  env: string;
  /** The revision last applied successfully ('' when never synced). */
  revision: string;
  sync: 'Synced' | 'OutOfSync' | 'Unknown';
  health: HealthSummary['status'];
  healthMessage?: string;
  lastResult?: HistoryEntry;
  error?: string;
  /** Removed from capstan.yaml (or from this environment) while its objects are still in the cluster. */
  orphaned?: boolean;
  /** An app of `type: artifact` before its service's first release in the environment: not synced. */
  notReleased?: boolean;
}

export interface RenderResult {
  app: AppEnvironment;
  revision: string;
  objects: RenderedObject[];
  /** How many objects the source itself rendered (before capstan added the app's Namespace). */
  rendered: number;
  /**
   * A render without a cluster (validate, render) checks the objects against their schemas
   * offline: how many it checked, and those it left to apply (a custom resource whose CRD is
   * not in the render). Undefined with a cluster: the server's dry-run checks them.
   */
  schemas?: SchemaCheck;
  /** A chart version was picked from a range: a later render of the same commit may differ (not kept in the render cache). */
  versionRanges?: boolean;
}

/**
 * The composition root: sync(app, env) = source → render → plan → apply → inventory. Push mode
 * (`capstan apply`) and the agent both drive this one class.
 */
/** Whether an app's render reads variables from the cluster (`postBuild.substituteFrom`); false for an unknown app (its render says why). */
function readsCluster(project: Project, appName: string, env: string): boolean {
  try {
    return (resolveApp(project, appName, env).postRender?.substituteFrom.length ?? 0) > 0;
  } catch {
    return false;
  }
}

export class Engine {
  constructor(private readonly options: EngineOptions) {}

  /** What each plan not yet applied holds for apply (a plan is applied once). */
  private readonly internals = new WeakMap<SyncPlan, PlanInternals>();

  /** Resolves a revision of the config repo and reads its capstan.yaml. */
  async open(repo: Remote, revision?: string): Promise<RepoRevision> {
    return openRevision(this.options.git, repo, revision);
  }

  /** Renders an app for an environment at a revision and validates the result (no cluster needed unless `client` is given). */
  async render(checkout: RepoRevision, appName: string, env: string, client?: KubeClient): Promise<RenderResult> {
    // Rendering is deterministic: a commit renders the same manifests every time, so the agent's
    // periodic checks of an unchanged commit do not render again.
    // ... unless it reads variables from the cluster (postBuild.substituteFrom), which may change between renders
    const cacheable = /^[0-9a-f]{40}$/.test(checkout.commit) && !readsCluster(checkout.project, appName, env);
    const cacheKey = `${checkout.commit}|${appName}|${env}|${client ? 'cluster' : 'offline'}`;
    const cached = cacheable ? this.renders.get(cacheKey) : undefined;
    // ... and a render that ran helm depended on the cluster's version and APIs too: kept only while they are the same
    if (cached && (cached.capabilities === undefined || (client && capabilitiesFingerprint(await clusterCapabilities(client)) === cached.capabilities))) {
      this.renders.delete(cacheKey);
      this.renders.set(cacheKey, cached);
      return cached.result;
    }
    let used: string | undefined;
    const capabilities = client
      ? async (): Promise<ClusterCapabilities> => {
          const found = await clusterCapabilities(client);
          used = capabilitiesFingerprint(found);
          return found;
        }
      : undefined;
    const result = await this.renderNow(checkout, appName, env, client, capabilities);
    // a chart picked from a version range may be newer next time: not kept (the chart index and archives are cached by fetchChart)
    if (cacheable && !result.versionRanges) {
      this.renders.set(cacheKey, { result, capabilities: used });
      if (this.renders.size > renderCacheSize) this.renders.delete(this.renders.keys().next().value!);
    }
    return result;
  }

  /** Recent renders by commit, app and environment, least recently used first, with the cluster capabilities they used. */
  private readonly renders = new Map<string, { result: RenderResult; capabilities?: string }>();

  private async renderNow(checkout: RepoRevision, appName: string, env: string, client?: KubeClient, capabilities?: () => Promise<ClusterCapabilities>): Promise<RenderResult> {
    const app = resolveApp(checkout.project, appName, env);
    const cache = this.options.renderCache;
    // a working tree may hold ignored files its commit does not: only a commit's checkout is cached
    const key = checkout.workingTree ? undefined : cache?.keyOf(checkout.commit, app);
    const kept = key ? await cache!.read(key) : undefined;
    const rendered =
      kept ??
      (await renderApp(checkout.dir, app, {
        sopsKeys: this.options.sopsKeys,
        helm: { helmBinary: this.options.helmBinary },
        ...(capabilities ? { capabilities } : {}),
        kustomizeBinary: this.options.kustomizeBinary,
        charts: this.chartFetchOptions(client),
        ...(client ? { readVariables: clusterVariables(client) } : {}),
      }));
    // written meanwhile, not waited for (RenderCache.write never throws)
    if (key && !kept) void cache!.write(key, rendered);
    const withNs = withNamespace(rendered.objects, app);
    const lookup = client ? await scopeLookup(client, withNs) : builtinLookup;
    // Where the app may write (capstan.yaml's scopes): an object outside is a problem of the render,
    // so validate, render, diff and apply all refuse it before anything is written.
    const ownNamespace = this.options.inventoryNamespace ?? defaultInventoryNamespace;
    const notCreated = client ? await namespacesNotCreatedBy(client, app, withNs) : [];
    const scope = writeScope(app, withNs.map((o) => o.manifest), { ownNamespace, notCreated });
    const checkObject = (manifest: Manifest): string[] => [...annotationProblems(manifest), ...scopeProblems(scope, manifest), ...this.protectedProblems(manifest)];
    const objects = validateObjects(withNs, { namespace: app.namespace, lookup, checkObject });
    // offline, the schemas are checked here (as kubeconform would); with a cluster, apply's
    // server-side dry-run of every object is the check, and the final word
    const schemas = client ? undefined : await checkSchemas(objects, { sensitive: rendered.decrypted });
    return { app, revision: checkout.commit, objects, rendered: rendered.objects.length, schemas, ...(rendered.versionRanges ? { versionRanges: true } : {}) };
  }

  /**
   * How charts are fetched: into the chart cache; a chart's `credentials: { secret }` is a Secret of
   * capstan's own namespace, read through the app's cluster (offline, only `{ file }` can be read).
   */
  private chartFetchOptions(client?: KubeClient): ChartFetchOptions {
    const namespace = this.options.inventoryNamespace ?? defaultInventoryNamespace;
    return {
      ...(this.options.chartCacheDir === undefined ? {} : { cacheDir: this.options.chartCacheDir }),
      ...(this.options.chartRepositories?.length ? { allowedRepositories: this.options.chartRepositories } : {}),
      ...(client
        ? {
            readSecret: async (name: string) => {
              const secret = await client.get('v1', { group: '', kind: 'Secret', namespace, name });
              if (!secret) return undefined;
              const data = (secret.data ?? {}) as Record<string, unknown>;
              return Object.fromEntries(Object.entries(data).filter((e): e is [string, string] => typeof e[1] === 'string').map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
            },
          }
        : {}),
    };
  }

  /**
   * Plans a sync of one app to one environment at a revision, writing nothing: the inventory (read
   * once), the render, the live objects (one list per kind and namespace), a server-side dry-run of
   * each object that may differ from live (what provably matches is not sent), the changes and
   * diffs that applying would make, what would be pruned, and the health of what the app applied.
   * A plan that cannot be applied says why in `error` (the render failed, the server refused an
   * object, an empty render would prune): it is a result, not a throw.
   */
  async plan(checkout: RepoRevision, appName: string, env: string, options: PlanOptions = {}): Promise<SyncPlan> {
    const app = resolveApp(checkout.project, appName, env);
    const client = await this.clientForApp(app);
    const store = this.inventory(client);
    // the render (git tree, YAML, discovery) runs while the inventory is read
    const rendering = this.render(checkout, app.name, app.env, client).then(
      (render) => ({ render }),
      (error: unknown) => ({ error: asCapstanError(error) }),
    );
    const inventory = await store.read(app.name, app.env);
    const rendered = await rendering;
    const plan: SyncPlan = { app, checkout, revision: checkout.commit, inventory, changeSet: { changes: [] }, diffs: [], changed: false, health: { status: 'Unknown', resources: [] }, options };
    const fail = (error: CapstanError): Promise<SyncPlan> => this.unplannable(checkout, app, options, error, { client, store, inventory });
    if ('error' in rendered) return fail(rendered.error);
    const { objects, rendered: count } = rendered.render;
    const manifests = objects.map((o) => o.manifest);
    const prunes = options.prune ?? app.syncPolicy.prune;
    const allowEmpty = options.allowEmpty ?? app.syncPolicy.allowEmpty;
    // Empty means the source rendered nothing: the Namespace createNamespace adds does not count.
    if (count === 0 && inventory.objects.length > 0 && prunes && !allowEmpty) {
      if (options.readOnly) {
        // a look (diff, status) shows the objects as they are, and no prune: a sync would refuse it
        return this.planned(plan, client, store, buildPlan(manifests), []);
      }
      return fail(
        new ValidationError(
          `app "${app.name}" rendered no objects at ${short(checkout.commit)} for environment "${app.env}": refusing to prune the ${inventory.objects.length} objects it applied before. If emptying the app is intended, set syncPolicy.allowEmpty or pass --allow-empty`,
        ),
      );
    }
    // what an interrupted sync recorded ahead (pending) is pruned like what the last one applied
    const prune = prunes ? computePrune([...inventory.objects, ...(inventory.pending ?? [])], manifests) : [];
    return this.planned({ ...plan, options: { ...options, allowEmpty } }, client, store, buildPlan(manifests), prune);
  }

  /**
   * A plan that cannot be applied, and why (its render failed, a dependency never became healthy):
   * applying it records the failure.
   */
  private async unplannable(checkout: RepoRevision, app: AppEnvironment, options: PlanOptions, error: CapstanError, read?: { client: KubeClient; store: InventoryStore; inventory: Inventory }): Promise<SyncPlan> {
    const client = read?.client ?? (await this.clientForApp(app));
    const store = read?.store ?? this.inventory(client);
    const inventory = read?.inventory ?? (await store.read(app.name, app.env));
    // only a look (status) shows the health of such a plan: a sync records the failure, the agent reports it
    const unknown: HealthSummary = { status: 'Unknown', resources: [] };
    const health = options.readOnly ? await this.inventoryHealth(client, inventory, app).catch(() => unknown) : unknown;
    const plan: SyncPlan = { app, checkout, revision: checkout.commit, inventory, changeSet: { changes: [] }, diffs: [], changed: false, health, options, error };
    this.internals.set(plan, { client, store });
    return plan;
  }

  /** The second half of plan: validate and preview on the cluster. */
  private async planned(plan: SyncPlan, client: KubeClient, store: InventoryStore, built: Plan, prune: PruneTarget[]): Promise<SyncPlan> {
    const { app, options } = plan;
    const prepared = await prepareApply(client, built, {
      owner: { app: app.name, env: app.env },
      // a look takes over fields in its dry-run, to show what applying would make of them (and name them)
      force: options.force ?? (options.readOnly ? true : app.syncOptions.conflicts !== 'fail'),
      prune,
      allowEmpty: options.allowEmpty ?? app.syncPolicy.allowEmpty,
      dryRunOnly: options.readOnly,
      protectedNamespaces: [store.namespace],
      healthOptions: { rules: app.health },
      ignore: app.ignoreDifferences,
    });
    this.internals.set(plan, { client, store, prepared });
    const diffs = prepared.preview.diffs.filter((d: DiffResult) => d.action !== 'unchanged');
    // from the live copies the preparation read: no request
    const health = await this.inventoryHealth(client, plan.inventory, app, prepared.live);
    return Object.assign(plan, { changeSet: prepared.preview.changeSet, diffs, changed: prepared.error === undefined && diffs.length > 0, health, error: prepared.error });
  }

  /**
   * Applies a plan (once): takes the app's lock before the first write, records ahead what it will
   * own, writes what differs, waits for health, prunes, and records the sync in the inventory. A
   * plan with an error is recorded as a failed sync. When another process changed the inventory
   * between the plan and the lock, the app is planned again under the lock. Never throws for a
   * failed sync (the result says); a plan that found nothing to change writes nothing at all.
   */
  async apply(plan: SyncPlan, options: ApplyOptions = {}): Promise<SyncResult> {
    if (plan.options.readOnly) throw new Error('a read-only plan (diff, status) cannot be applied');
    if (!this.internals.has(plan)) throw new Error('apply takes a plan this engine made');
    const { client } = this.internals.get(plan)!;
    const { app } = plan;
    const lock = new LazyLock(() => this.locks(client).acquire(app.name, app.env, { waitMs: options.waitForLockMs ?? this.options.waitForLockMs ?? 0, onWaiting: options.onLockWait, signal: options.signal }));
    try {
      let current = plan;
      if (options.waitForDependencies && app.dependsOn.length > 0) {
        // a dependency may bring the CRDs or namespaces the plan needs: plan again once it is healthy
        if (await this.waitForDependencies(plan.checkout.project, app, client, options.timeoutMs, options.signal)) current = await this.plan(plan.checkout, app.name, app.env, plan.options);
      }
      for (;;) {
        try {
          return await this.applyOnce(current, options, lock);
        } catch (error) {
          if (!(error instanceof InventoryMoved)) throw error;
          current = await this.plan(plan.checkout, app.name, app.env, plan.options);
        }
      }
    } finally {
      await lock.release();
    }
  }

  private async applyOnce(plan: SyncPlan, options: ApplyOptions, lock: LazyLock): Promise<SyncResult> {
    const { store, prepared } = this.internals.get(plan)!;
    const { app } = plan;
    this.internals.delete(plan);
    const base = { app: app.name, env: app.env, revision: plan.revision };
    let previous = plan.inventory;
    const entry = (result: 'Succeeded' | 'Failed', counts: Record<string, number>, message?: string): Omit<HistoryEntry, 'id'> => ({
      operation: plan.options.rollback ? 'rollback' : 'sync',
      revision: plan.revision,
      time: now(),
      result,
      who: options.who ?? this.who(),
      trigger: options.trigger,
      changes: counts,
      rollbackOf: plan.options.rollback?.of,
      head: plan.options.rollback?.head,
      message: message === undefined ? undefined : firstLines(message),
    });
    /**
     * Before the first write: the lock, then the inventory claimed with a write conditioned on the
     * version the plan read (another process's sync in between makes the plan stale: planned
     * again), holding ahead what this sync will own.
     */
    const claim = async (owned: InventoryObject[]): Promise<void> => {
      const ahead = notListed(owned, previous);
      if (await lock.take()) {
        try {
          previous = await store.recordPending(previous, ahead, { strict: true });
        } catch (error) {
          if (error instanceof ModifiedError || error instanceof AlreadyExistsError) throw new InventoryMoved();
          throw error;
        }
      } else if (ahead.length > 0) previous = await store.recordPending(previous, ahead);
    };
    /** A failed sync, recorded (what it did create stays in the inventory, so a later sync prunes it). */
    const failed = async (error: CapstanError, changeSet: ChangeSet, onCluster?: InventoryObject[]): Promise<SyncResult> => {
      const counts = countChanges(changeSet);
      // another process holds the app: nothing was done, and nothing is recorded
      if (error instanceof LockedError) return { ...base, result: 'Failed', changeSet, counts, error };
      try {
        await lock.take();
      } catch (lockError) {
        if (lockError instanceof LockedError) return { ...base, result: 'Failed', changeSet, counts, error };
        throw lockError;
      }
      const next = await store.record(previous, entry('Failed', counts, error.message), onCluster);
      return { ...base, result: 'Failed', changeSet, counts, error, recorded: next.history.at(-1), inventory: next };
    };

    if (plan.error || !prepared) return failed(plan.error ?? new CapstanError('the plan has nothing to apply'), plan.changeSet);
    let outcome: ApplyOutcome;
    try {
      outcome = await prepared.execute({ onProgress: options.onProgress, signal: options.signal, beforeWrites: claim, waitTimeoutMs: options.timeoutMs ?? app.syncOptions.timeoutMs, wait: app.syncOptions.wait !== false });
    } catch (error) {
      if (error instanceof InventoryMoved) throw error;
      if (!(error instanceof CapstanError)) throw error;
      return failed(error, { changes: [] });
    }
    if (outcome.error) return failed(outcome.error, outcome.result.changeSet, [...previous.objects, ...outcome.result.applied]);
    const applied = outcome.result;
    const counts = countChanges(applied.changeSet);
    const unchanged = counts.created + counts.configured + counts.deleted === 0;
    const sameObjects = sameInventory(previous.objects, applied.applied) && !previous.pending;
    // A sync that changed nothing at the revision already recorded writes nothing, inventory included.
    if (unchanged && sameObjects && previous.revision === plan.revision && previous.history.at(-1)?.result === 'Succeeded' && !plan.options.rollback) {
      return { ...base, result: 'Succeeded', changeSet: applied.changeSet, counts, health: applied.health, inventory: previous };
    }
    await lock.take();
    const next = await store.record(previous, entry('Succeeded', counts), applied.applied);
    return { ...base, result: 'Succeeded', changeSet: applied.changeSet, counts, health: applied.health, recorded: next.history.at(-1), inventory: next };
  }

  /** Plans and applies one app to one environment (after the apps it depends on are healthy); never throws for a failed sync, only for bad requests. */
  async sync(request: SyncRequest): Promise<SyncResult> {
    const checkout = await this.open(request.repo, request.revision);
    return this.syncAt(checkout, request);
  }

  /** Applies every app of an environment, each after the apps it depends on; stops at the first failure. */
  async syncAll(request: Omit<SyncRequest, 'app'>): Promise<SyncResult[]> {
    const checkout = await this.open(request.repo, request.revision);
    const results: SyncResult[] = [];
    for (const app of appsInEnvironment(checkout.project, request.env)) {
      const result = await this.syncAt(checkout, { ...request, app: app.name });
      results.push(result);
      if (result.result === 'Failed') break;
    }
    return results;
  }

  /** sync at a revision already opened: plan, then apply that plan. */
  async syncAt(checkout: RepoRevision, request: SyncRequest, planOptions: Pick<PlanOptions, 'rollback'> = {}): Promise<SyncResult> {
    const app = resolveApp(checkout.project, request.app, request.env);
    request.onStart?.(app, checkout.commit);
    // with dependencies to wait for, the plan is made after them: a dependency may bring the CRDs
    // that the render's kind check looks up
    const waits = !request.skipDependencies && app.dependsOn.length > 0;
    const options: ApplyOptions = { who: request.who, trigger: request.trigger, timeoutMs: request.timeoutMs, waitForLockMs: request.waitForLockMs, onLockWait: request.onLockWait, onProgress: request.onProgress, signal: request.signal };
    if (waits) {
      const client = await this.clientForApp(app);
      try {
        await this.waitForDependencies(checkout.project, app, client, request.timeoutMs, request.signal);
      } catch (error) {
        if (!(error instanceof CapstanError)) throw error;
        return this.apply(await this.unplannable(checkout, app, { ...planOptions }, error), options);
      }
    }
    const plan = await this.plan(checkout, app.name, app.env, { force: request.force, prune: request.prune, allowEmpty: request.allowEmpty, ...planOptions });
    return this.apply(plan, options);
  }

  /**
   * What applying would change: the server's dry-run of every object that may differ compared
   * with live, and what would be pruned. Writes nothing; a plan that cannot be made throws.
   */
  async diff(checkout: RepoRevision, appName: string, env: string): Promise<DiffReport> {
    const plan = await this.plan(checkout, appName, env, { readOnly: true });
    if (plan.error) throw plan.error;
    return { app: plan.app.name, env: plan.app.env, revision: plan.revision, diffs: plan.diffs, changed: plan.changed };
  }

  /**
   * Sync and health of every app in every environment (or those named). What no app's status can
   * get past fails the whole call, once, instead of every app's row: an environment the project
   * does not declare (NotFoundError naming those it does), and a cluster that cannot be used (no
   * kubeconfig, a broken one, a server that does not answer `/version`).
   */
  async status(checkout: RepoRevision, envs?: string[]): Promise<AppStatus[]> {
    const names = envs && envs.length > 0 ? [...new Set(envs)] : checkout.project.environments.map((e) => e.name);
    const apps = names.flatMap((name) => appsInEnvironment(checkout.project, name));
    const oneAppPerCluster = new Map(apps.map((app) => [this.options.context ?? app.cluster, app]));
    for (const app of oneAppPerCluster.values()) await (await this.clientForApp(app)).serverVersion();
    const out: AppStatus[] = [];
    for (const app of apps) out.push(await this.appStatus(checkout, app));
    for (const orphan of await this.orphans(checkout, names)) {
      const pending = orphan.objects.length + (orphan.pending?.length ?? 0);
      out.push({
        app: orphan.app,
        env: orphan.env,
        revision: orphan.revision,
        sync: 'OutOfSync',
        health: 'Unknown',
        lastResult: orphan.history.at(-1),
        orphaned: true,
        error: `not in capstan.yaml for environment "${orphan.env}", yet ${pending} of its objects are still in the cluster: capstan delete ${orphan.app} --env ${orphan.env} removes them (or set pruneRemovedApps: true for the agent to)`,
      });
    }
    return out;
  }

  /**
   * Apps removed from capstan.yaml (or from one of its environments) whose inventory still lists
   * objects: left alone they keep running unnoticed. The inventories of each environment's cluster
   * are listed once per cluster.
   */
  async orphans(checkout: RepoRevision, envs?: readonly string[]): Promise<Inventory[]> {
    const project = checkout.project;
    const names = envs && envs.length > 0 ? envs : project.environments.map((e) => e.name);
    const byCluster = new Map<string | undefined, Promise<Inventory[]>>();
    const out: Inventory[] = [];
    for (const name of names) {
      const environment = project.environments.find((e) => e.name === name);
      if (!environment) continue;
      const context = this.options.context ?? environment.cluster;
      let listed = byCluster.get(context);
      if (!listed) {
        listed = this.options.clientFor(context).then((client) => this.inventory(client).list());
        byCluster.set(context, listed);
      }
      const declared = new Set(appsInEnvironment(project, name).map((a) => a.name));
      for (const inventory of await listed) {
        if (inventory.env !== name || declared.has(inventory.app)) continue;
        if (inventory.objects.length + (inventory.pending?.length ?? 0) === 0) continue;
        out.push(inventory);
      }
    }
    return out.sort((a, b) => a.app.localeCompare(b.app) || a.env.localeCompare(b.env));
  }

  async history(checkout: RepoRevision, appName: string, env: string): Promise<Inventory> {
    const app = resolveApp(checkout.project, appName, env);
    return this.inventory(await this.clientForApp(app)).read(app.name, app.env);
  }

  /**
   * Re-applies the revision of an earlier history entry (default: the last successful sync before
   * the current revision) and records that it did.
   */
  async rollback(request: Omit<SyncRequest, 'revision'> & { to?: number }): Promise<SyncResult> {
    const head = await this.open(request.repo);
    const app = resolveApp(head.project, request.app, request.env);
    const inventory = await this.inventory(await this.clientForApp(app)).read(app.name, app.env);
    const target = pickRollbackTarget(inventory, request.to);
    const checkout = await this.open(request.repo, target.revision);
    return this.syncAt(checkout, request, { rollback: { of: target.id, head: head.commit } });
  }

  /**
   * Deletes everything the app applied in an environment, in reverse order, and records it. With
   * `dryRun` it only says what it would delete and keep (the prune's own rules, read live): no
   * lock is taken, nothing is deleted or recorded.
   */
  async delete(request: { repo: Remote; app: string; env: string; onProgress?: (event: ApplyProgressEvent) => void; waitForLockMs?: number; onLockWait?: (holder: LockHolder) => void; dryRun?: boolean; /** Recorded in the history; default the engine's `who`. */ who?: string }): Promise<SyncResult> {
    const checkout = await this.open(request.repo);
    const app = await this.appOrOrphan(checkout, request.app, request.env);
    const client = await this.clientForApp(app);
    const store = this.inventory(client);
    if (request.dryRun) return this.deleteLocked(app, client, store, request);
    const lock = await this.locks(client).acquire(app.name, app.env, { waitMs: request.waitForLockMs ?? this.options.waitForLockMs ?? 0, onWaiting: request.onLockWait });
    try {
      return await this.deleteLocked(app, client, store, request);
    } finally {
      await lock.release();
    }
  }

  /** The app as capstan.yaml declares it, or one removed from it whose objects are still in the environment's cluster. */
  private async appOrOrphan(checkout: RepoRevision, name: string, env: string): Promise<{ name: string; env: string; cluster?: string }> {
    try {
      return resolveApp(checkout.project, name, env);
    } catch (error) {
      const environment = checkout.project.environments.find((e) => e.name === env);
      if (!(error instanceof NotFoundError) || !environment) throw error;
      const orphan = (await this.orphans(checkout, [env])).find((o) => o.app === name);
      if (!orphan) throw error;
      return { name, env, cluster: environment.cluster };
    }
  }

  private async deleteLocked(app: { name: string; env: string }, client: KubeClient, store: InventoryStore, request: { onProgress?: (event: ApplyProgressEvent) => void; dryRun?: boolean; who?: string }): Promise<SyncResult> {
    const previous = await store.read(app.name, app.env);
    const owned = [...previous.objects, ...(previous.pending ?? [])];
    if (owned.length === 0) throw new NotFoundError(`app "${app.name}" has nothing applied in environment "${app.env}": nothing to delete`);
    const base = { app: app.name, env: app.env, revision: previous.revision };
    const prepared = await prepareApply(client, buildPlan([]), {
      owner: { app: app.name, env: app.env },
      prune: computePrune(owned, []),
      allowEmpty: true,
      dryRunOnly: request.dryRun,
      // a delete reads its targets once, as it deletes them
      preview: request.dryRun === true,
      protectedNamespaces: [store.namespace],
    });
    const failed = (error: CapstanError, changeSet: ChangeSet): SyncResult => ({ ...base, result: 'Failed', changeSet, counts: countChanges(changeSet), error });
    if (prepared.error) return failed(prepared.error, prepared.preview.changeSet);
    if (request.dryRun) return { ...base, result: 'Succeeded', changeSet: prepared.preview.changeSet, counts: countChanges(prepared.preview.changeSet) };
    const outcome = await prepared.execute({ onProgress: request.onProgress });
    if (outcome.error) return failed(outcome.error, outcome.result.changeSet);
    const counts = countChanges(outcome.result.changeSet);
    // Namespaces left in place because they still hold objects stay in the inventory, so a later delete finishes the job.
    const next = await store.record(previous, { operation: 'delete', revision: previous.revision, time: now(), result: 'Succeeded', who: request.who ?? this.who(), changes: counts }, outcome.result.applied);
    return { ...base, result: 'Succeeded', changeSet: outcome.result.changeSet, counts, recorded: next.history.at(-1), inventory: next };
  }

  /**
   * The health of what an app applied, judged with the app's custom rules: read live (one get per
   * object), or from `known` (the live copies a plan read); a custom resource without a status
   * also by its CRD (one get per CRD the app does not hold). Healthy when it lists nothing (callers
   * decide what that means).
   */
  async inventoryHealth(client: KubeClient, inventory: Inventory, app: AppEnvironment, known?: ReadonlyMap<string, Manifest | undefined>): Promise<HealthSummary> {
    // with the live copies a plan read, what it no longer renders (to be pruned) is left out: not read again
    const judged = known ? inventory.objects.filter((o) => known.has(keyString(o.key))) : inventory.objects;
    const live = await Promise.all(judged.map(async (o) => ({ key: o.key, object: known ? known.get(keyString(o.key)) : await client.get(o.apiVersion, o.key) })));
    // a custom resource without a status waits for its CRD: one of the app's, or read once
    const crds = await readCrdLookup(client, live.map((l) => l.object), crdsOf(live.map((l) => ({ live: l.object }))));
    return summarizeHealth(live, { rules: app.health, crds });
  }

  /** The status of one app in one environment at a revision (what `capstan status` shows for it). */
  async appStatusOf(checkout: RepoRevision, appName: string, env: string): Promise<AppStatus> {
    return this.appStatus(checkout, resolveApp(checkout.project, appName, env));
  }

  private async appStatus(checkout: RepoRevision, app: AppEnvironment): Promise<AppStatus> {
    const status: AppStatus = { app: app.name, env: app.env, revision: '', sync: 'Unknown', health: 'Unknown' };
    try {
      const plan = await this.plan(checkout, app.name, app.env, { readOnly: true });
      status.revision = plan.inventory.revision;
      status.lastResult = plan.inventory.history.at(-1);
      status.health = plan.inventory.objects.length === 0 ? 'Missing' : plan.health.status;
      if (plan.health.message) status.healthMessage = plan.health.message;
      if (plan.error instanceof NotReleasedError) status.notReleased = true;
      if (plan.error) status.error = firstLines(plan.error.message);
      else status.sync = plan.changed ? 'OutOfSync' : 'Synced';
    } catch (error) {
      status.error = firstLines((error as Error).message);
    }
    return status;
  }

  private async waitForDependencies(project: Project, app: AppEnvironment, client: KubeClient, timeoutMs?: number, signal?: AbortSignal): Promise<boolean> {
    let waited = false;
    const deadline = Date.now() + (timeoutMs ?? app.syncOptions.timeoutMs);
    for (const dependency of app.dependsOn) {
      const dep = resolveApp(project, dependency, app.env);
      const depClient = dep.cluster === app.cluster ? client : await this.clientForApp(dep);
      const store = this.inventory(depClient);
      for (;;) {
        const inventory = await store.read(dep.name, dep.env);
        if (inventory.history.length === 0) {
          throw new ValidationError(`app "${app.name}" depends on "${dep.name}", which has never been synced to environment "${app.env}": apply it first (or use --all, which applies apps in dependency order)`);
        }
        const health = await this.inventoryHealth(depClient, inventory, dep);
        if (health.status === 'Healthy') break;
        if (Date.now() > deadline) {
          throw new TimeoutError(`app "${app.name}" waited for "${dep.name}" to be healthy in environment "${app.env}", but it is ${health.status}: ${health.message ?? ''}`.trim());
        }
        if (signal?.aborted) throw new CapstanError(`app "${app.name}" stopped waiting for "${dep.name}" to be healthy in environment "${app.env}" (${String(signal.reason ?? 'aborted')})`);
        waited = true;
        await sleep(500);
      }
    }
    return waited;
  }

  private clientForApp(app: { cluster?: string }): Promise<KubeClient> {
    return this.options.clientFor(this.options.context ?? app.cluster);
  }

  /** An object capstan itself depends on (EngineOptions.protectedObjects) that a render would write. */
  private protectedProblems(manifest: Manifest): string[] {
    const key = keyOf(manifest);
    const hit = this.options.protectedObjects?.find((p) => p.key.group === key.group && p.key.kind === key.kind && p.key.namespace === key.namespace && p.key.name === key.name);
    return hit ? [`is ${hit.why}: no app may write it, whatever its scope says`] : [];
  }

  /** The sync locks of a cluster, as this process (who, host, pid) is named to others. */
  private locks(client: KubeClient): SyncLocks {
    let locks = this.lockers.get(client);
    if (!locks) {
      locks = new SyncLocks(client, { identity: `${this.who()} on ${os.hostname()}, pid ${process.pid}`, namespace: this.options.inventoryNamespace });
      this.lockers.set(client, locks);
    }
    return locks;
  }

  private readonly lockers = new WeakMap<KubeClient, SyncLocks>();

  /** The inventory store of a cluster (one per client: it knows once that its namespace exists). */
  private inventory(client: KubeClient): InventoryStore {
    let store = this.stores.get(client);
    if (!store) {
      store = new InventoryStore(client, { namespace: this.options.inventoryNamespace });
      this.stores.set(client, store);
    }
    return store;
  }

  private readonly stores = new WeakMap<KubeClient, InventoryStore>();

  private who(): string {
    return this.options.who ?? whoFromEnvironment();
  }
}

/** The inventory changed between a plan's read and the sync's lock: the app is planned again, under the lock. */
class InventoryMoved extends Error {}

/** A lock taken when first needed, once, and released (if taken) at the end. */
class LazyLock {
  private held: SyncLock | undefined;

  constructor(private readonly acquire: () => Promise<SyncLock>) {}

  /** Takes the lock the first time and answers true; later calls answer false. */
  async take(): Promise<boolean> {
    if (this.held) return false;
    this.held = await this.acquire();
    return true;
  }

  async release(): Promise<void> {
    await this.held?.release();
    this.held = undefined;
  }
}

/** The objects the inventory lists neither as applied nor as pending. */
function notListed(objects: readonly InventoryObject[], inventory: Inventory): InventoryObject[] {
  const listed = new Set([...inventory.objects, ...(inventory.pending ?? [])].map((o) => `${o.apiVersion}|${formatKey(o.key)}`));
  return objects.filter((o) => !listed.has(`${o.apiVersion}|${formatKey(o.key)}`));
}

/** How many renders the engine keeps (a few per app and environment of a large repo). */
const renderCacheSize = 2000;

/** The CI actor or the local user, as recorded in history. */
export function whoFromEnvironment(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.CAPSTAN_USER || env.GITHUB_ACTOR || env.GITLAB_USER_LOGIN || env.BUILDKITE_BUILD_CREATOR || env.USER || env.USERNAME;
  if (fromEnv) return fromEnv;
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

function pickRollbackTarget(inventory: Inventory, to: number | undefined): HistoryEntry {
  const label = `app "${inventory.app}" in environment "${inventory.env}"`;
  if (to !== undefined) {
    const entry = inventory.history.find((h) => h.id === to);
    if (!entry) {
      const ids = inventory.history.map((h) => h.id).join(', ');
      throw new NotFoundError(`${label} has no history entry ${to}${ids ? `: it has ${ids} (see capstan history)` : ': it has no history yet'}`);
    }
    if (entry.operation === 'delete') throw new ValidationError(`history entry ${to} of ${label} is a delete: pick a sync to roll back to`);
    return entry;
  }
  const candidates = inventory.history.filter((h) => h.result === 'Succeeded' && h.operation !== 'delete' && h.revision !== inventory.revision);
  const entry = candidates.at(-1);
  if (!entry) throw new NotFoundError(`${label} has no earlier successful sync of another revision to roll back to (see capstan history)`);
  return entry;
}

/**
 * Whether the cluster serves each kind of a render, and its scope: the kinds are looked up one by
 * one (discovery then reads only the group versions the render uses, usually already read for the
 * inventory); a kind the cluster does not serve reads as undefined. A group version whose
 * discovery failed fails the render with that error (the kind's scope is unknown), where listing
 * everything used to leave its kinds out, to be reported as not served.
 */
async function scopeLookup(client: KubeClient, objects: readonly RenderedObject[]): Promise<(apiVersion: string, kind: string) => { namespaced: boolean } | undefined> {
  const byKind = new Map<string, { namespaced: boolean } | undefined>();
  const kinds = new Map<string, { apiVersion: string; kind: string }>();
  for (const { manifest } of objects) {
    if (typeof manifest.apiVersion === 'string' && typeof manifest.kind === 'string') kinds.set(`${manifest.apiVersion}|${manifest.kind}`, { apiVersion: manifest.apiVersion, kind: manifest.kind });
  }
  await Promise.all(
    [...kinds].map(async ([key, { apiVersion, kind }]) => {
      byKind.set(key, await client.resourceFor(apiVersion, kind));
    }),
  );
  return (apiVersion, kind) => byKind.get(`${apiVersion}|${kind}`);
}

/**
 * Without a cluster, the kinds every API server serves. A kind of another group is a custom
 * resource whose CRD is not in the render (installed in the cluster, or by an app it depends on):
 * its scope is unknown until apply asks the cluster.
 */
function builtinLookup(apiVersion: string, kind: string): { namespaced: boolean } | 'unknown' | undefined {
  const group = groupOf(apiVersion);
  return builtinScope(group, kind) ?? (builtinGroups.has(group) ? undefined : 'unknown');
}

/** Adds the app's Namespace when `createNamespace` is set and the render does not hold it. */
function withNamespace(objects: RenderedObject[], app: AppEnvironment): RenderedObject[] {
  if (!app.createNamespace) return objects;
  if (objects.some((o) => o.manifest.kind === 'Namespace' && o.manifest.metadata.name === app.namespace)) return objects;
  const namespace: Manifest = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: app.namespace } };
  return [{ manifest: namespace, source: 'capstan.yaml (createNamespace)' }, ...objects];
}

/**
 * The namespaces of the render's Namespace objects (the app's own left out) that exist and that the
 * app did not create: a Namespace object makes a namespace the app's to write to only when the app
 * creates it, never one another app or a person made (the apply leaves those as they are).
 */
async function namespacesNotCreatedBy(client: KubeClient, app: AppEnvironment, objects: readonly RenderedObject[]): Promise<string[]> {
  const names = [...new Set(createdNamespaces(objects.map((o) => o.manifest)))].filter((name) => name !== app.namespace && !isSystemNamespace(name));
  const live = await Promise.all(names.map((name) => client.get('v1', { group: '', kind: 'Namespace', namespace: '', name })));
  return names.filter((_, i) => live[i] !== undefined && live[i]!.metadata.annotations?.[annotations.owner] !== `${app.name}/${app.env}`);
}

function sameInventory(a: InventoryObject[], b: InventoryObject[]): boolean {
  if (a.length !== b.length) return false;
  const keys = new Set(a.map((o) => `${o.apiVersion}|${formatKey(o.key)}`));
  return b.every((o) => keys.has(`${o.apiVersion}|${formatKey(o.key)}`));
}

function asCapstanError(error: unknown): CapstanError {
  if (error instanceof CapstanError) return error;
  return new CapstanError((error as Error)?.message ?? String(error), { cause: error });
}

function firstLines(text: string, lines = 20): string {
  return text.split('\n').slice(0, lines).join('\n');
}

function short(sha: string): string {
  return sha.slice(0, 12);
}

function now(): string {
  return new Date().toISOString();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
