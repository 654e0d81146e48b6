import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiError } from '../api-error.ts';
import type { StoreEvent } from '../store.ts';
import { Scheduler, type Controller, type ReconcileResult } from './scheduler.ts';
import { deployment, startTestCluster } from './test-cluster.ts';

class Recorder implements Controller {
  runs: string[] = [];
  constructor(
    readonly name: string,
    readonly priority: number,
    private readonly behaviour: (key: string, attempt: number) => Promise<ReconcileResult | void> = async () => undefined,
    private readonly log: string[] = [],
  ) {}
  keysFor(event: StoreEvent): string[] {
    return [String(event.object.metadata.name)];
  }
  initialKeys(): string[] {
    return [];
  }
  async reconcile(key: string): Promise<ReconcileResult | void> {
    this.runs.push(key);
    this.log.push(`${this.name}:${key}`);
    return this.behaviour(key, this.runs.filter((k) => k === key).length);
  }
}

/** Polls `check` until it holds; the 30 s deadline only bounds a test that fails. */
const until = async (check: () => boolean, what: string): Promise<void> => {
  const deadline = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
};

describe('Scheduler', () => {
  test('coalesces a burst of events into one reconcile per key', async () => {
    const controller = new Recorder('c', 1);
    const scheduler = new Scheduler([controller]);
    for (let i = 0; i < 50; i++) scheduler.enqueue(controller, 'a');
    scheduler.enqueue(controller, 'b');
    await scheduler.idle();
    assert.deepEqual(controller.runs, ['a', 'b']);
    await scheduler.stop();
  });

  test('a key added while it is being reconciled runs again after it', async () => {
    const holder: { scheduler?: Scheduler } = {};
    const controller: Recorder = new Recorder('c', 1, async (_key, attempt) => {
      if (attempt === 1) holder.scheduler?.enqueue(controller, 'a');
    });
    const scheduler = (holder.scheduler = new Scheduler([controller]));
    scheduler.enqueue(controller, 'a');
    await until(() => controller.runs.length === 2, 'second run');
    await scheduler.idle();
    assert.deepEqual(controller.runs, ['a', 'a']);
    await scheduler.stop();
  });

  test('a lower priority queued by a reconcile runs before higher priorities queued earlier', async () => {
    // the chain kubelet → ReplicaSet → Deployment must not wait behind Endpoints work queued before it
    const log: string[] = [];
    const holder: { scheduler?: Scheduler } = {};
    const endpoints = new Recorder('endpoints', 5, undefined, log);
    const kubelet: Recorder = new Recorder(
      'kubelet',
      1,
      async (key) => {
        if (key === 'pod-a') holder.scheduler?.enqueue(replicaSets, 'rs-a');
      },
      log,
    );
    const replicaSets = new Recorder('replicaset', 3, undefined, log);
    const scheduler = (holder.scheduler = new Scheduler([endpoints, kubelet, replicaSets]));
    scheduler.enqueue(endpoints, 'svc-1');
    scheduler.enqueue(endpoints, 'svc-2');
    scheduler.enqueue(kubelet, 'pod-a');
    await scheduler.idle();
    assert.deepEqual(log, ['kubelet:pod-a', 'replicaset:rs-a', 'endpoints:svc-1', 'endpoints:svc-2']);
    await scheduler.stop();
  });

  test('lets the event loop in between reconciles when there is a lot to do', async () => {
    // the sandbox serves API requests on the same loop: a long queue must not hold them back
    let served: Promise<number> | undefined;
    const controller: Recorder = new Recorder('c', 1, async () => {
      // a request that arrives while the first key is reconciled
      served ??= new Promise((resolve) => setTimeout(() => resolve(controller.runs.length), 0));
      const until = performance.now() + 1;
      while (performance.now() < until);
    });
    const scheduler = new Scheduler([controller]);
    for (let i = 0; i < 100; i++) scheduler.enqueue(controller, `k${i}`);
    await scheduler.idle();
    const runsBeforeServed = await served!;
    assert.ok(runsBeforeServed < 100, `the request waited for all ${runsBeforeServed} reconciles`);
    await scheduler.idle();
    assert.equal(controller.runs.length, 100);
    await scheduler.stop();
  });

  test('runs lower priorities first', async () => {
    const log: string[] = [];
    const high = new Recorder('deployment', 4, undefined, log);
    const low = new Recorder('kubelet', 1, undefined, log);
    const scheduler = new Scheduler([high, low]);
    scheduler.enqueue(high, 'x');
    scheduler.enqueue(low, 'y');
    await scheduler.idle();
    assert.deepEqual(log, ['kubelet:y', 'deployment:x']);
    await scheduler.stop();
  });

  test('retries a conflict at once and other failures with backoff, reporting only the latter', async () => {
    const reported: string[] = [];
    const controller = new Recorder('c', 1, async (key, attempt) => {
      if (key === 'conflict' && attempt === 1) throw new ApiError(409, 'Conflict', 'stale');
      if (key === 'broken' && attempt < 3) throw new Error('boom');
    });
    const scheduler = new Scheduler([controller], { onError: (error, name, key) => reported.push(`${name}/${key}: ${(error as Error).message}`) });
    scheduler.enqueue(controller, 'conflict');
    scheduler.enqueue(controller, 'broken');
    await until(() => controller.runs.filter((k) => k === 'broken').length === 3 && controller.runs.filter((k) => k === 'conflict').length === 2, 'retries');
    assert.deepEqual(reported, ['c/broken: boom', 'c/broken: boom']);
    await scheduler.stop();
  });

  test('requeues after the time a reconcile asks for', async () => {
    const controller = new Recorder('c', 1, async (_key, attempt) => (attempt === 1 ? { requeueAfterMs: 30 } : undefined));
    const scheduler = new Scheduler([controller]);
    const started = Date.now();
    scheduler.enqueue(controller, 'a');
    await until(() => controller.runs.length === 2, 'requeue');
    assert.ok(Date.now() - started >= 25);
    await scheduler.stop();
  });

  test('stop clears pending timers and waits for the reconcile in flight', async () => {
    let finished = false;
    const controller = new Recorder('c', 1, async (key) => {
      if (key === 'slow') {
        await new Promise((resolve) => setTimeout(resolve, 50));
        finished = true;
      }
    });
    const scheduler = new Scheduler([controller]);
    scheduler.enqueue(controller, 'later', 10_000);
    scheduler.enqueue(controller, 'slow');
    await until(() => controller.runs.includes('slow'), 'slow started');
    await scheduler.stop();
    assert.equal(finished, true);
    scheduler.enqueue(controller, 'ignored');
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(controller.runs, ['slow']);
  });

  test('startControllers stops cleanly in the middle of a rollout', async () => {
    const cluster = await startTestCluster({ podReadyDelayMs: 10_000 });
    await cluster.create(deployment({ replicas: 3 }));
    await cluster.until('pods created', () => (cluster.list('v1', 'Pod').length === 3 ? true : undefined));
    await cluster.stop();
    await cluster.stop(); // idempotent
    const rv = cluster.api.store.resourceVersion;
    await cluster.create(deployment({ name: 'after-stop', replicas: 1 }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(cluster.api.store.resourceVersion, rv + 1, 'nothing reacts once stopped');
    assert.deepEqual(cluster.errors, []);
  });
});
