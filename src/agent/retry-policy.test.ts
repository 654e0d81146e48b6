// The retry policy alone: backoff, the limit per revision, and when a retry is due.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RetryOptions } from '../config/index.ts';
import type { AgentLogger } from './logger.ts';
import { newRetryState, nextRetry, RetryPolicy, type RetryTarget } from './retry-policy.ts';
import type { AppState } from './types.ts';

const options: RetryOptions = { limit: 3, backoffMs: 100, maxBackoffMs: 250 };

describe('nextRetry', () => {
  test('backs off from backoffMs, doubling up to maxBackoffMs, `limit` times per revision', () => {
    const state = newRetryState();
    const delays = Array.from({ length: 4 }, () => nextRetry(state, 'r1', options));
    assert.deepEqual(delays, [
      { retry: true, delayMs: 100 },
      { retry: true, delayMs: 200 },
      { retry: true, delayMs: 250 },
      { retry: false, exhausted: true },
    ]);
    assert.deepEqual(state, { attempts: 3, revision: 'r1' });
  });

  test('a new revision starts the attempts again', () => {
    const state = { attempts: 3, revision: 'r1' };
    assert.deepEqual(nextRetry(state, 'r2', options), { retry: true, delayMs: 100 });
    assert.deepEqual(state, { attempts: 1, revision: 'r2' });
  });

  test('limit 0: never retried', () => {
    assert.deepEqual(nextRetry(newRetryState(), 'r1', { ...options, limit: 0 }), { retry: false, exhausted: true });
  });
});

interface App extends RetryTarget {
  state: AppState;
  owned: boolean;
}

function app(automated = true, retry: RetryOptions = options): App {
  const state = { app: 'web', env: 'dev', failures: 0 } as AppState;
  return { id: 'web/dev', app: { syncPolicy: { automated }, syncOptions: { retry } }, state, owned: true, retry: newRetryState() };
}

/** A policy whose clock stands at `now`, recording patches, warnings and retries. */
function policy(backoff?: Partial<RetryOptions>) {
  const seen = { retries: 0, warnings: [] as string[], stopping: false };
  const log: AgentLogger = { info() {}, error() {}, warn: (_b, m) => void seen.warnings.push(m ?? ''), child: () => log };
  const retries = new RetryPolicy<App>({
    backoff,
    now: () => new Date('2024-05-01T12:00:00.000Z'),
    stopping: () => seen.stopping,
    patch: (t, change) => {
      t.state = { ...t.state, ...change };
      if (change.nextRetryAt === undefined) delete t.state.nextRetryAt;
    },
    retry: () => void seen.retries++,
  });
  return { retries, seen, log };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('RetryPolicy', () => {
  test('an automated app that failed is retried after the backoff; its state says when', async () => {
    const p = policy({ backoffMs: 5, maxBackoffMs: 5 });
    const t = app();
    p.retries.failed(t, 'r1', p.log);
    assert.equal(t.state.failures, 1);
    assert.equal(t.state.nextRetryAt, '2024-05-01T12:00:00.005Z');
    await sleep(30);
    assert.equal(p.seen.retries, 1);
    assert.equal(t.retry.timer, undefined);
  });

  test('the app’s own retry options apply unless the agent overrides them', () => {
    const p = policy();
    const t = app(true, { limit: 5, backoffMs: 60_000, maxBackoffMs: 60_000 });
    p.retries.failed(t, 'r1', p.log);
    assert.equal(t.state.nextRetryAt, '2024-05-01T12:01:00.000Z');
    p.retries.cancel(t);
  });

  test('once the limit is used up at a revision: counted, no retry, and a warning that names what is awaited', () => {
    const p = policy({ limit: 1, backoffMs: 60_000 });
    const t = app();
    p.retries.failed(t, 'abcdef0123456789', p.log);
    p.retries.failed(t, 'abcdef0123456789', p.log);
    assert.equal(t.state.failures, 2);
    assert.equal(t.state.nextRetryAt, undefined);
    assert.equal(t.retry.timer, undefined);
    assert.deepEqual(p.seen.warnings, ['web/dev failed 2 time(s); 1 retries at abcdef012345 used up: waiting for a new commit or a manual sync']);
  });

  test('a manual app, an app another replica owns, or a stopping agent: failures counted, never retried', () => {
    const p = policy({ backoffMs: 60_000 });
    const manual = app(false);
    const elsewhere = { ...app(), owned: false };
    p.retries.failed(manual, 'r1', p.log);
    p.retries.failed(elsewhere, 'r1', p.log);
    p.seen.stopping = true;
    const stopping = app();
    p.retries.failed(stopping, 'r1', p.log);
    for (const t of [manual, elsewhere, stopping]) {
      assert.equal(t.state.failures, 1);
      assert.equal(t.state.nextRetryAt, undefined);
      assert.equal(t.retry.timer, undefined);
    }
    assert.deepEqual(p.seen.warnings, []);
  });

  test('cancel drops the due retry; a timer that fires while the agent stops does nothing', async () => {
    const p = policy({ backoffMs: 5, maxBackoffMs: 5 });
    const cancelled = app();
    p.retries.failed(cancelled, 'r1', p.log);
    p.retries.cancel(cancelled);
    const late = app();
    p.retries.failed(late, 'r1', p.log);
    p.seen.stopping = true;
    await sleep(30);
    assert.equal(p.seen.retries, 0);
  });

  test('a success starts the attempts again', () => {
    const p = policy({ limit: 1, backoffMs: 60_000 });
    const t = app();
    p.retries.failed(t, 'r1', p.log);
    p.retries.succeeded(t);
    assert.equal(t.retry.timer, undefined);
    p.retries.failed(t, 'r1', p.log);
    assert.ok(t.state.nextRetryAt, 'retried again at the same revision');
    p.retries.cancel(t);
  });
});
