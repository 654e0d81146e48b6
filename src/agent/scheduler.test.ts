// The scheduler alone: apps and jobs built by hand, jobs that finish when the test says so.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Scheduler, type Job, type JobKind, type QueuedApp } from './scheduler.ts';
import type { AppState, SyncActionResult, Trigger } from './types.ts';

interface App extends QueuedApp {
  app: { dependsOn: string[] };
  owned: boolean;
}

function app(name: string, dependsOn: string[] = [], owned = true): App {
  return { id: `${name}/dev`, ref: { app: name, env: 'dev' }, app: { dependsOn }, owned, jobs: [], queued: false, running: false };
}

function job(kind: JobKind, trigger: Trigger = kind === 'reconcile' ? 'poll' : 'manual', who?: string): Job {
  return { kind, trigger, ...(who ? { who } : {}), since: '2024-01-01T00:00:00.000Z', waiters: [] };
}

function result(name: string, revision: string): SyncActionResult {
  return { app: name, env: 'dev', revision, result: 'Succeeded', changeSet: { changes: [] }, counts: {} };
}

/** A scheduler whose jobs run until `finish(id)`; what ran, in order, and the operations seen. */
function harness(apps: App[], concurrency = 4) {
  const started: string[] = [];
  const operations: string[] = [];
  const depths: number[] = [];
  const pending = new Map<string, { job: Job; done: (r: SyncActionResult | undefined) => void; fail: (e: unknown) => void }>();
  const scheduler = new Scheduler<App>({
    concurrency,
    run: (a, j) =>
      new Promise((resolve, reject) => {
        started.push(`${a.id} ${j.kind} ${j.trigger}${j.who ? ` ${j.who}` : ''}`);
        pending.set(a.id, { job: j, done: resolve, fail: reject });
      }),
    find: (ref) => apps.find((a) => a.ref.app === ref.app && a.ref.env === ref.env),
    operation: (a, op: AppState['operation'] | undefined) => operations.push(`${a.id} ${op?.phase ?? 'none'}`),
    queueDepth: (depth) => depths.push(depth),
  });
  scheduler.start();
  /** Finishes the job running for `id` (with `value`, or failing with it when it is an Error). */
  async function finish(id: string, value?: SyncActionResult | Error): Promise<void> {
    const p = pending.get(id);
    assert.ok(p, `${id} is not running`);
    pending.delete(id);
    if (value instanceof Error) p.fail(value);
    else p.done(value);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { scheduler, started, operations, depths, finish, running: () => [...pending.keys()] };
}

describe('scheduler', () => {
  test('runs at most `concurrency` jobs at once, first come first served', async () => {
    const apps = ['a', 'b', 'c'].map((n) => app(n));
    const h = harness(apps, 2);
    for (const a of apps) void h.scheduler.schedule(a, job('reconcile'));
    assert.deepEqual(h.running(), ['a/dev', 'b/dev']);
    assert.equal(apps[2]!.queued, true);
    await h.finish('b/dev');
    assert.deepEqual(h.running(), ['a/dev', 'c/dev']);
    await h.finish('a/dev');
    await h.finish('c/dev');
    await h.scheduler.idle();
    assert.deepEqual(h.started, ['a/dev reconcile poll', 'b/dev reconcile poll', 'c/dev reconcile poll']);
  });

  test('one job per app at a time: a reconcile asked for meanwhile joins the pending one, and every caller gets its result', async () => {
    const a = app('a');
    const h = harness([a]);
    const first = h.scheduler.schedule(a, job('reconcile'));
    const second = h.scheduler.schedule(a, job('reconcile', 'webhook'));
    const third = h.scheduler.schedule(a, job('reconcile', 'drift'));
    assert.equal(a.jobs.length, 1, 'the two later reconciles are one pending job');
    await h.finish('a/dev', result('a', 'r1'));
    assert.equal((await first)?.revision, 'r1');
    await h.finish('a/dev', result('a', 'r2'));
    assert.equal((await second)?.revision, 'r2');
    assert.equal((await third)?.revision, 'r2');
    assert.deepEqual(h.started, ['a/dev reconcile poll', 'a/dev reconcile webhook']);
  });

  test('a pending reconcile is recorded as caused by whoever brought the commit it now syncs', async () => {
    const a = app('a');
    const h = harness([a]);
    void h.scheduler.schedule(a, job('reconcile'));
    void h.scheduler.schedule(a, job('reconcile', 'poll'));
    void h.scheduler.schedule(a, job('reconcile', 'push', 'erin'));
    void h.scheduler.schedule(a, job('reconcile', 'webhook', 'frank'));
    await h.finish('a/dev');
    await h.finish('a/dev');
    assert.deepEqual(h.started, ['a/dev reconcile poll', 'a/dev reconcile push erin']);
  });

  test('a sync replaces a pending reconcile (it compares too) and answers its callers; later manual work waits its turn', async () => {
    const a = app('a');
    const h = harness([a]);
    void h.scheduler.schedule(a, job('reconcile'));
    const reconcile = h.scheduler.schedule(a, job('reconcile', 'webhook'));
    const sync = h.scheduler.schedule(a, job('sync'));
    const rollback = h.scheduler.schedule(a, job('rollback'));
    assert.deepEqual(a.jobs.map((j) => j.kind), ['sync', 'rollback']);
    await h.finish('a/dev');
    await h.finish('a/dev', result('a', 'synced'));
    assert.equal((await reconcile)?.revision, 'synced');
    assert.equal((await sync)?.revision, 'synced');
    await h.finish('a/dev', result('a', 'rolled back'));
    assert.equal((await rollback)?.revision, 'rolled back');
  });

  test('an app waits while a dependency it has in the same environment is queued or running; others go past it', async () => {
    const apps = [app('db'), app('api', ['db']), app('web')];
    const h = harness(apps);
    for (const a of apps) void h.scheduler.schedule(a, job('reconcile'));
    assert.deepEqual(h.running(), ['db/dev', 'web/dev']);
    await h.finish('web/dev');
    assert.deepEqual(h.running(), ['db/dev']);
    await h.finish('db/dev');
    assert.deepEqual(h.running(), ['api/dev']);
  });

  test('a dependency another replica reconciles is not waited for', () => {
    const apps = [app('db', [], false), app('api', ['db'])];
    apps[0]!.queued = true;
    const h = harness(apps);
    void h.scheduler.schedule(apps[1]!, job('reconcile'));
    assert.deepEqual(h.running(), ['api/dev']);
  });

  test('a failing job fails every caller of it; the app goes on with its next job', async () => {
    const a = app('a');
    const h = harness([a]);
    const failing = h.scheduler.schedule(a, job('sync'));
    const next = h.scheduler.schedule(a, job('reconcile'));
    const failed = assert.rejects(failing, /boom/);
    await h.finish('a/dev', new Error('boom'));
    await failed;
    await h.finish('a/dev', result('a', 'r'));
    assert.equal((await next)?.revision, 'r');
  });

  test('reports the operation of each app (queued, running, none) and the queue depth', async () => {
    const apps = [app('a'), app('b')];
    const h = harness(apps, 1);
    void h.scheduler.schedule(apps[0]!, job('reconcile'));
    void h.scheduler.schedule(apps[1]!, job('reconcile'));
    await h.finish('a/dev');
    await h.finish('b/dev');
    assert.deepEqual(h.operations, ['a/dev queued', 'a/dev running', 'b/dev queued', 'a/dev none', 'b/dev running', 'b/dev none']);
    assert.equal(h.depths.at(-1), 0);
    assert.ok(h.depths.includes(1));
  });

  test('refuses jobs before start and after stop', async () => {
    const a = app('a');
    const scheduler = new Scheduler<App>({ concurrency: 1, run: async () => undefined, find: () => undefined, operation: () => {}, queueDepth: () => {} });
    await assert.rejects(scheduler.schedule(a, job('sync')), /app a\/dev: the agent is not running/);
    scheduler.start();
    assert.equal(scheduler.accepting, true);
    await scheduler.stop();
    assert.equal(scheduler.accepting, false);
    await assert.rejects(scheduler.schedule(a, job('sync')), /the agent is not running/);
  });

  test('stop drops what is queued or waiting, and resolves once the running jobs finished', async () => {
    const apps = [app('a'), app('b')];
    const h = harness(apps, 1);
    const running = h.scheduler.schedule(apps[0]!, job('reconcile'));
    const after = h.scheduler.schedule(apps[0]!, job('sync'));
    const queued = h.scheduler.schedule(apps[1]!, job('reconcile'));
    let stopped = false;
    const stop = h.scheduler.stop().then(() => (stopped = true));
    await assert.rejects(after, /app a\/dev: the agent stopped/);
    await assert.rejects(queued, /app b\/dev: the agent stopped/);
    assert.equal(apps[1]!.queued, false);
    assert.equal(stopped, false, 'the running job is waited for');
    await h.finish('a/dev', result('a', 'r'));
    await stop;
    assert.equal((await running)?.revision, 'r');
    assert.deepEqual(h.running(), []);
  });

  test('remove takes an app out of the queue and fails its jobs with the reason; its running job finishes', async () => {
    const apps = [app('a'), app('b')];
    const h = harness(apps, 1);
    const running = h.scheduler.schedule(apps[0]!, job('reconcile'));
    const waiting = h.scheduler.schedule(apps[0]!, job('sync'));
    const queued = h.scheduler.schedule(apps[1]!, job('reconcile'));
    h.scheduler.remove(apps[0]!, 'now reconciled by replica-2');
    h.scheduler.remove(apps[1]!, 'removed from capstan.yaml');
    await assert.rejects(waiting, /app a\/dev: now reconciled by replica-2/);
    await assert.rejects(queued, /app b\/dev: removed from capstan.yaml/);
    await h.finish('a/dev', result('a', 'r'));
    assert.equal((await running)?.revision, 'r');
    await h.scheduler.idle();
    assert.deepEqual(h.started, ['a/dev reconcile poll']);
  });

  test('tells when a job was taken and when an app settled', async () => {
    const a = app('a');
    const seen: string[] = [];
    const scheduler = new Scheduler<App>({
      concurrency: 1,
      run: async (_a, j) => (seen.push(`run ${j.kind}`), undefined),
      find: () => undefined,
      operation: () => {},
      queueDepth: () => {},
      added: (_a, j) => seen.push(`added ${j.kind}`),
      settled: (x) => seen.push(`settled queued=${x.queued}`),
    });
    scheduler.start();
    await Promise.all([scheduler.schedule(a, job('reconcile')), scheduler.schedule(a, job('sync'))]);
    assert.deepEqual(seen, ['added reconcile', 'run reconcile', 'added sync', 'settled queued=true', 'run sync', 'settled queued=false']);
  });
});
