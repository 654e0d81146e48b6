import { CapstanError, ConflictError, ValidationError, formatKey, keyOf, keyString, labels, type Manifest } from '../core/index.ts';
import { computeDiff, formatTakeovers } from '../diff/index.ts';
import type { KubeClient } from '../kube/index.ts';
import { deletePolicyOf, isHook, type Plan, type PlanPhase } from '../plan/index.ts';
import { liveOwner } from './stamp.ts';
import {
  SyncConflictError,
  SyncFailedError,
  SyncTimeoutError,
  SyncValidationError,
  failureDetail,
  isSyncError,
  plural,
  withFailures,
  type ApplyFailure,
  type ObjectFailure,
  type SyncError,
} from './errors.ts';
import { settleLimited, toError } from './limit.ts';
import { checkPruneAllowed, pruneTargets } from './prune.ts';
import { Run } from './run.ts';
import type { ApplyPlanOptions, ApplyResult, PlanItem } from './types.ts';
import { findBlocked, isNamespace, validateItems, writeItem } from './validate.ts';
import { describeStage, waitGone, waitReady } from './wait.ts';

/**
 * Applies a plan through a KubeClient, in the manner of fluxcd/pkg ssa: server-side dry-run
 * everything, apply only what differs, wait, prune.
 *
 * 1. Validate before any write. Every object is stamped with `capstan.dev/owner: <app>/<env>` and
 *    the `capstan.dev/app` and `capstan.dev/env` labels; its live copy is read; an object another
 *    app/env owns is refused (never adopted); every object is dry-run on the server (bounded
 *    parallelism) and its result diffed with live. Any failure → nothing is applied, and one
 *    SyncValidationError (SyncConflictError when every failure is a conflict) lists them all.
 *    Exception: an object in a Namespace that the plan creates, or a custom resource whose CRD the
 *    plan brings and the server does not serve yet, cannot be dry-run before that Namespace or CRD
 *    exists. Such objects are dry-run right after the step that applies their Namespace or CRD
 *    (and, for CRDs, after they are Established and discovery is refreshed), before anything else
 *    is written; if one fails, the sync stops with only those Namespaces/CRDs applied.
 * 2. Stages in order, steps in order, objects of a step in parallel. Only objects whose dry-run
 *    differs from live are written (`created`/`configured`); others are `unchanged` and not
 *    written. Hooks are deleted if an earlier run left them, created again and awaited to
 *    completion — when the sync has something to write or prune (or `hooks: 'always'`);
 *    otherwise they are `skipped`. After a CRD step, its CRDs must be Established. After each stage, every
 *    non-hook object of it must be healthy: Degraded fails after a short grace, and the
 *    timeout fails naming what is not healthy. A failure stops the sync: later stages are not
 *    applied and nothing is pruned.
 * 3. Prune the `prune` targets, in order (see pruneTargets).
 *
 * With `dryRunOnly` only step 1 runs (deferred objects are compared unvalidated, as creations)
 * and the prune is reported, not done: nothing is written. Failures throw the Sync* errors of
 * `errors.ts`, which carry the per-object failures and the result so far.
 */
export async function applyPlan(client: KubeClient, plan: Plan, options: ApplyPlanOptions): Promise<ApplyResult> {
  const prepared = await prepareApply(client, plan, options);
  if (prepared.error) throw prepared.error;
  if (options.dryRunOnly) return prepared.preview;
  const outcome = await prepared.execute({ onProgress: options.onProgress, signal: options.signal, beforeWrites: options.beforeWrites });
  if (outcome.error) throw outcome.error;
  return outcome.result;
}

/**
 * Step 1 on its own (see applyPlan): every object validated, its live copy read and, where it may
 * differ, dry-run, and a preview of what executing would do (the answer of `dryRunOnly`). Nothing
 * is written. A failure is the `error` of the answer (with the result so far in it), not a throw;
 * only a bug or a broken client throws. `execute` then writes the same plan, once, without
 * reading or dry-running again what step 1 already did.
 */
export async function prepareApply(client: KubeClient, plan: Plan, options: ApplyPlanOptions): Promise<PreparedApply> {
  const run = new Run(client, plan, { ...options, onProgress: undefined });
  let deferred: Set<PlanItem>;
  let preview: ApplyResult;
  try {
    checkPruneAllowed(run);
    deferred = await validateAll(run);
    preview = options.preview === false && !options.dryRunOnly ? run.result() : await previewOf(run, deferred);
  } catch (error) {
    if (!(error instanceof CapstanError)) throw error;
    const result = isSyncError(error) ? error.result : run.result(true);
    return { preview: result, error, live: run.latest, execute: () => Promise.reject(new Error('a plan that failed validation cannot be executed')) };
  }
  let executed = false;
  return {
    preview,
    live: run.latest,
    execute: async (how) => {
      if (executed) throw new Error('a prepared apply is executed once');
      executed = true;
      run.onProgress = how.onProgress;
      if (how.signal) run.options.signal = how.signal;
      if (how.waitTimeoutMs !== undefined) run.options.waitTimeoutMs = how.waitTimeoutMs;
      if (how.wait !== undefined) run.options.wait = how.wait;
      run.emit({ type: 'validated', objects: run.items.length, deferred: deferred.size });
      try {
        return { result: await execute(run, deferred, how.beforeWrites) };
      } catch (error) {
        if (!isSyncError(error)) throw error;
        const failed = await runSyncFailHooks(run, error);
        return { result: failed.result, error: failed };
      }
    },
  };
}

/** A plan validated by prepareApply, ready to be written. */
export interface PreparedApply {
  /** What executing would do: every object's would-be change and diff, the prune read live, the health of what is live. */
  preview: ApplyResult;
  /** Why the plan cannot be applied (validation, a refused prune): a Sync* error carrying the result so far. */
  error?: CapstanError;
  /** The live copies read, by keyString. */
  live: ReadonlyMap<string, Manifest | undefined>;
  execute(how: ExecuteOptions): Promise<ApplyOutcome>;
}

export interface ExecuteOptions {
  onProgress?: ApplyPlanOptions['onProgress'];
  /** How long a stage may take to become healthy, when it is not the one prepared with. */
  waitTimeoutMs?: number;
  /** Whether stages wait to be healthy, when not as prepared (see ApplyPlanOptions.wait). */
  wait?: boolean;
  signal?: AbortSignal;
  beforeWrites?: ApplyPlanOptions['beforeWrites'];
}

/** What executing a plan did: the result and, when it failed, why (a Sync* error carrying the same result). */
export interface ApplyOutcome {
  result: ApplyResult;
  error?: CapstanError & ApplyFailure;
}

/** Steps 2 and 3 of applyPlan, after validateAll. */
async function execute(run: Run, deferred: Set<PlanItem>, beforeWrites: ApplyPlanOptions['beforeWrites']): Promise<ApplyResult> {
  const plan = run.plan;
  const runHooksNow = run.options.hooks === 'always' || hasWork(run, deferred);
  if (runHooksNow) await beforeWrites?.(run.applied());
  recordSkipped(run);

  const syncing = plan.stages.filter((stage) => stage.phase !== 'SyncFail').length;
  for (const [s, stage] of plan.stages.entries()) {
    if (stage.phase === 'SyncFail') continue;
    run.emit({ type: 'stage', phase: stage.phase, wave: stage.wave });
    for (const [t, step] of stage.steps.entries()) {
      const items = run.steps[s][t];
      const early = items.filter((item) => deferred.has(item));
      if (early.length > 0) {
        const failures = early.map((item) => ({
          key: item.key,
          apiVersion: item.object.apiVersion,
          error: new ValidationError(`cannot be applied before ${[...item.blockers].map((b) => formatKey(run.byId.get(b)!.key)).join(' and ')}, which the plan applies later`, { subject: item.key }),
        }));
        throw failedValidation(run, failures, `stopped at ${describeStage(stage.phase, stage.wave)}: ${plural(failures.length, 'object')} ordered before the Namespace or CRD they need:`);
      }
      await applyStep(run, stage.phase, stage.wave, items, runHooksNow);
      if (step.waitEstablished) await waitEstablished(run, stage.phase, stage.wave, items);
      await validateUnblocked(run, deferred, items);
    }
    // wait: false (Flux's): on to the next stage once this one is applied
    if (!run.options.wait) continue;
    const owned = run.owned(run.steps[s].flat());
    await waitStage(run, stage.phase, stage.wave, owned, syncing - s - 1);
    run.emit({ type: 'healthy', phase: stage.phase, wave: stage.wave });
  }

  const pruneFailures = await pruneTargets(run);
  if (pruneFailures.length > 0) {
    throw new SyncFailedError(`${plural(pruneFailures.length, 'object')} could not be pruned:`, pruneFailures, run.failedResult(pruneFailures));
  }
  return run.result();
}

/** Objects the plan leaves out (`hook: Skip`), each a `skipped` change with why. */
function recordSkipped(run: Run): void {
  for (const { object, reason } of run.plan.skipped ?? []) run.record({ apiVersion: object.apiVersion, key: keyOf(object) }, 'skipped', reason);
}

/**
 * After a sync failed: its SyncFail hooks run (in their waves), as Argo CD runs them when a sync
 * operation fails. The answer is the sync's error with the result that includes them and, when a
 * SyncFail hook failed or did not complete too, that failure added.
 */
async function runSyncFailHooks(run: Run, error: SyncError): Promise<SyncError> {
  const stages = run.plan.stages.flatMap((stage, s) => (stage.phase === 'SyncFail' ? [{ stage, items: run.steps[s].flat() }] : []));
  if (stages.length === 0) return error;
  const extra: ObjectFailure[] = [];
  for (const { stage, items } of stages) {
    run.emit({ type: 'stage', phase: stage.phase, wave: stage.wave });
    try {
      await runHooks(run, stage.phase, stage.wave, items.filter((item) => item.hook));
    } catch (hookError) {
      if (!isSyncError(hookError)) throw hookError;
      extra.push(...hookError.failures);
    }
  }
  return withFailures(error, extra, run.result(true));
}

/**
 * What executing would do, read without writing (dryRunResult), taken aside: the run's own record
 * is left empty for the execution. Deferred objects stay deferred.
 */
async function previewOf(run: Run, deferred: Set<PlanItem>): Promise<ApplyResult> {
  const dryRunOnly = run.options.dryRunOnly;
  run.options.dryRunOnly = true;
  try {
    return await dryRunResult(run, deferred);
  } finally {
    run.options.dryRunOnly = dryRunOnly;
    if (!dryRunOnly) run.forgetRecord();
  }
}

/** Step 1: validate every object that can be validated now; returns the deferred ones. */
async function validateAll(run: Run): Promise<Set<PlanItem>> {
  const namespaces = run.items.filter(isNamespace);
  const failures = await validateItems(run, namespaces);
  const rest = run.items.filter((item) => !isNamespace(item));
  const { blocked, failures: discoveryFailures } = await findBlocked(run, rest);
  failures.push(...discoveryFailures);
  const deferred = new Set(blocked);
  const failedIds = new Set(discoveryFailures.map((f) => keyString(f.key)));
  failures.push(...(await validateItems(run, rest.filter((item) => !deferred.has(item) && !failedIds.has(item.id)))));
  if (failures.length > 0) {
    const total = run.items.length;
    const headline = run.options.dryRunOnly
      ? `${failures.length} of ${plural(total, 'object')} failed validation:`
      : `${failures.length} of ${plural(total, 'object')} failed validation; nothing was applied:`;
    throw failedValidation(run, failures, headline);
  }
  return deferred;
}

function failedValidation(run: Run, failures: ObjectFailure[], headline: string): SyncValidationError | SyncConflictError {
  const ordered = orderFailures(run, failures);
  const result = run.failedResult(ordered);
  return ordered.every((f) => f.error instanceof ConflictError) ? new SyncConflictError(headline, ordered, result) : new SyncValidationError(headline, ordered, result);
}

/** Failures in plan order, so messages read like the plan. */
function orderFailures(run: Run, failures: ObjectFailure[]): ObjectFailure[] {
  const index = new Map(run.items.map((item, i) => [item.id, i]));
  const position = (f: ObjectFailure) => index.get(keyString(f.key)) ?? Number.MAX_SAFE_INTEGER;
  return [...failures].sort((a, b) => position(a) - position(b));
}

/** After a step: dry-run the deferred objects whose Namespaces and CRDs now all exist. */
async function validateUnblocked(run: Run, deferred: Set<PlanItem>, appliedNow: readonly PlanItem[]): Promise<void> {
  if (deferred.size === 0) return;
  for (const item of appliedNow) for (const other of deferred) other.blockers.delete(item.id);
  const ready = [...deferred].filter((item) => item.blockers.size === 0);
  if (ready.length === 0) return;
  for (const item of ready) deferred.delete(item);
  const failures = await validateItems(run, ready);
  if (failures.length > 0) {
    const applied = run.changes.filter((c) => c.action === 'created' || c.action === 'configured').map((c) => formatKey(c.key));
    throw failedValidation(
      run,
      failures,
      `${plural(failures.length, 'object')} failed validation once their Namespace or CRD existed; only ${applied.join(', ') || 'nothing'} had been applied, nothing else was:`,
    );
  }
  run.emit({ type: 'deferred-validated', keys: ready.map((item) => item.key) });
}

/** Writes the objects of one step that differ from live; runs its hooks. */
async function applyStep(run: Run, phase: PlanPhase, wave: number, items: readonly PlanItem[], runHooksNow: boolean): Promise<void> {
  const { concurrency } = run.options;
  for (const item of items) if (item.skip) run.record(item, 'skipped', item.skip);
  const owned = run.owned(items);
  const results = await settleLimited(owned, concurrency, async (item) => {
    if (item.diff?.action === 'unchanged') {
      if (item.live) run.known.set(item.id, item.live);
      run.record(item, 'unchanged');
      return;
    }
    run.known.set(item.id, await writeItem(run, item));
    run.written.add(item.id);
    if (item.diff) run.diffs.push(item.diff);
    // git wins, visibly: the fields taken from other field managers are named
    run.record(item, item.live ? 'configured' : 'created', item.diff?.takeovers ? `took ${formatTakeovers(item.diff.takeovers)}` : item.unvalidated);
  });
  const failures = collect(owned, results);
  if (failures.length > 0) throw new SyncFailedError(`${plural(failures.length, 'object')} failed to apply in ${describeStage(phase, wave)}; the sync stopped there:`, failures, run.failedResult(failures));

  const hooks = items.filter((item) => item.hook);
  if (hooks.length === 0) return;
  if (runHooksNow) await runHooks(run, phase, wave, hooks);
  else for (const item of hooks) run.record(item, 'skipped', `${item.hook} hook not run: nothing to sync`);
}

/** Whether the sync will write anything: an object that differs from live (or could not be compared yet), or something to prune. */
function hasWork(run: Run, deferred: Set<PlanItem>): boolean {
  if (run.options.prune.length > 0) return true;
  return run.owned().some((item) => deferred.has(item) || item.diff?.action !== 'unchanged');
}

function collect(items: readonly PlanItem[], results: PromiseSettledResult<unknown>[]): ObjectFailure[] {
  return items.flatMap((item, i) => {
    const answer = results[i];
    return answer.status === 'rejected' ? [{ key: item.key, apiVersion: item.object.apiVersion, error: toError(answer.reason) }] : [];
  });
}

/**
 * Runs hooks as Argo CD does, by their delete policy (`BeforeHookCreation` when none is given):
 * with BeforeHookCreation the object an earlier sync left is deleted before the hook is created
 * again; without it a named hook that exists is applied as it is (created once, as Argo CD's). A
 * hook with only `generateName` is a new object on every sync, named by the server (its earlier
 * ones are what BeforeHookCreation deletes). Then waits until they completed; HookSucceeded and
 * HookFailed delete the object once it succeeded or failed.
 */
async function runHooks(run: Run, phase: PlanPhase, wave: number, hooks: readonly PlanItem[]): Promise<void> {
  const { fieldManager, concurrency } = run.options;
  const created = await settleLimited(hooks, concurrency, async (item) => {
    const policies = deletePolicyOf(item.object);
    if (!item.object.metadata.name) {
      if (policies.has('BeforeHookCreation')) await deleteEarlierRuns(run, item);
      named(run, item, await run.client.create(item.object, { fieldManager }));
    } else {
      if (item.live && policies.has('BeforeHookCreation')) {
        await run.client.delete(item.object.apiVersion, item.key, { propagationPolicy: 'Background' });
        if (!(await waitGone(run, item))) throw new Error(`${formatKey(item.key)} ${item.hook} hook: the previous run's object was not deleted within ${run.options.waitTimeoutMs} ms`);
      }
      await run.client.apply(item.object, { fieldManager, force: true });
    }
    if (item.diff) run.diffs.push({ ...item.diff, key: item.key });
  });
  const failures = collect(hooks, created);
  if (failures.length > 0) throw new SyncFailedError(`${plural(failures.length, `${phase} hook`)} could not be started in ${describeStage(phase, wave)}:`, failures, run.failedResult(failures));

  const outcome = await waitReady(run, hooks, { phase, wave, failFast: true });
  const failed = outcome.failed.map((f) => ({ ...f, error: new CapstanError(`${phase} hook failed: ${failureDetail(f).replace(/^is Degraded: /, '')}`, { subject: f.key, cause: f.error }) }));
  const failedIds = new Set(failed.map((f) => keyString(f.key)));
  const timedOutIds = new Set(outcome.timedOut.map((f) => keyString(f.key)));
  const succeeded = hooks.filter((h) => !failedIds.has(h.id) && !timedOutIds.has(h.id));
  const cleanup = [
    ...succeeded.filter((h) => deletePolicyOf(h.object).has('HookSucceeded')),
    ...hooks.filter((h) => failedIds.has(h.id) && deletePolicyOf(h.object).has('HookFailed')),
  ];
  const deleted = await settleLimited(cleanup, concurrency, (item) => run.client.delete(item.object.apiVersion, item.key, { propagationPolicy: 'Background' }));
  const cleanupFailures = collect(cleanup, deleted);
  const removed = new Set(cleanup.filter((_, i) => deleted[i].status === 'fulfilled').map((h) => h.id));
  if (failed.length > 0) {
    for (const item of succeeded) run.record(item, 'created', hookDone(phase, removed.has(item.id)));
    throw new SyncFailedError(`${plural(failed.length, `${phase} hook`)} failed in ${describeStage(phase, wave)}; the sync stopped there:`, failed, run.failedResult(failed));
  }
  if (outcome.timedOut.length > 0) {
    throw new SyncTimeoutError(
      `${plural(outcome.timedOut.length, `${phase} hook`)} did not complete within ${run.options.waitTimeoutMs} ms:`,
      outcome.timedOut,
      run.failedResult(outcome.timedOut),
    );
  }
  for (const item of hooks) run.record(item, 'created', hookDone(phase, removed.has(item.id)));
  if (cleanupFailures.length > 0) {
    throw new SyncFailedError(`${plural(cleanupFailures.length, `${phase} hook`)} completed but could not be deleted (HookSucceeded):`, cleanupFailures, run.failedResult(cleanupFailures));
  }
}

function hookDone(phase: PlanPhase, deleted: boolean): string {
  return deleted ? `${phase} hook completed, then deleted by its delete policy` : `${phase} hook completed`;
}

/** A hook the server named (generateName): from now on the item is that object. */
function named(run: Run, item: PlanItem, created: Manifest): void {
  item.key = { ...item.key, name: created.metadata.name };
  item.id = keyString(item.key);
  run.byId.set(item.id, item);
  run.known.set(item.id, created);
}

/** The objects earlier syncs of this app created from a generateName hook: deleted before a new one is created. */
async function deleteEarlierRuns(run: Run, item: PlanItem): Promise<void> {
  const { app, env } = run.options.owner;
  const prefix = item.object.metadata.generateName;
  const { items } = await run.client.list(item.object.apiVersion, item.key.kind, {
    ...(item.key.namespace ? { namespace: item.key.namespace } : {}),
    labelSelector: `${labels.app}=${app},${labels.env}=${env}`,
  });
  const earlier = items.filter((o) => o.metadata.generateName === prefix && liveOwner(o) === run.owner && isHook(o));
  await Promise.all(earlier.map((o) => run.client.delete(item.object.apiVersion, { ...item.key, name: o.metadata.name }, { propagationPolicy: 'Background' })));
}

/** After a CRD step: wait until its CRDs are Established, then refresh discovery. */
async function waitEstablished(run: Run, phase: PlanPhase, wave: number, items: readonly PlanItem[]): Promise<void> {
  const crds = items.filter((item) => item.key.kind === 'CustomResourceDefinition');
  const outcome = await waitReady(run, crds, { phase, wave, failFast: true });
  if (outcome.failed.length > 0) {
    throw new SyncFailedError(`${plural(outcome.failed.length, 'CRD')} not accepted in ${describeStage(phase, wave)}; the sync stopped there:`, outcome.failed, run.failedResult(outcome.failed));
  }
  if (outcome.timedOut.length > 0) {
    throw new SyncTimeoutError(
      `${plural(outcome.timedOut.length, 'CRD')} not Established within ${run.options.waitTimeoutMs} ms; the sync stopped there:`,
      outcome.timedOut,
      run.failedResult(outcome.timedOut),
    );
  }
  await run.forgetMissingKinds();
}

/** After a stage: every object of it healthy, or the sync stops here. */
async function waitStage(run: Run, phase: PlanPhase, wave: number, items: readonly PlanItem[], later: number): Promise<void> {
  if (items.length === 0) return;
  const outcome = await waitReady(run, items, { phase, wave });
  const rest = later > 0 ? `later waves were not applied and nothing was pruned` : 'nothing was pruned';
  if (outcome.failed.length > 0) {
    throw new SyncFailedError(`${describeStage(phase, wave)} failed: ${plural(outcome.failed.length, 'object')} not healthy; ${rest}:`, outcome.failed, run.failedResult(outcome.failed));
  }
  if (outcome.timedOut.length > 0) {
    throw new SyncTimeoutError(
      `${describeStage(phase, wave)} did not become healthy within ${run.options.waitTimeoutMs} ms; ${rest}:`,
      outcome.timedOut,
      run.failedResult(outcome.timedOut),
    );
  }
}

/** The diff command's answer: every object's diff and the change it would make; no writes. */
async function dryRunResult(run: Run, deferred: Set<PlanItem>): Promise<ApplyResult> {
  for (const item of run.items) {
    if (deferred.has(item)) {
      const blockers = [...item.blockers].map((b) => formatKey(run.byId.get(b)!.key)).join(' and ');
      run.diffs.push(computeDiff({ key: item.key, desired: item.object }));
      run.record(item, 'created', `not validated by the server: ${blockers} does not exist yet`);
      continue;
    }
    if (item.hook) {
      run.record(item, 'skipped', item.hook === 'SyncFail' ? 'SyncFail hook: runs when the sync fails' : `${item.hook} hook: runs when the sync changes something`);
      continue;
    }
    if (item.skip) {
      run.record(item, 'skipped', item.skip);
      continue;
    }
    if (item.diff) run.diffs.push(item.diff);
    run.record(item, item.diff?.action === 'unchanged' ? 'unchanged' : item.live ? 'configured' : 'created', item.diff?.takeovers ? `would take ${formatTakeovers(item.diff.takeovers)}` : item.unvalidated);
  }
  recordSkipped(run);
  const failures = await pruneTargets(run);
  if (failures.length > 0) throw new SyncFailedError(`${plural(failures.length, 'prune target')} could not be read:`, failures, run.failedResult(failures));
  return run.result();
}
