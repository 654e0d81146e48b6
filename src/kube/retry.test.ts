import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backoffDelay, defaultRetryPolicy, isRetryableError, isRetryableStatus, retryAfterMs } from './retry.ts';

describe('retry policy', () => {
  test('backoff doubles from 100 ms, is capped at 5 s, and keeps half of it under full jitter', () => {
    const low = () => 0;
    const high = () => 0.999999;
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 7].map((n) => Math.round(backoffDelay(n, defaultRetryPolicy, 0, high))),
      [100, 200, 400, 800, 1600, 3200, 5000, 5000],
    );
    assert.deepEqual(
      [0, 1, 6].map((n) => backoffDelay(n, defaultRetryPolicy, 0, low)),
      [50, 100, 2500],
    );
  });

  test("a server's Retry-After is honoured, up to its own cap", () => {
    assert.equal(backoffDelay(0, defaultRetryPolicy, 1000, () => 0.5), 1000);
    assert.equal(backoffDelay(0, { ...defaultRetryPolicy, maxRetryAfterMs: 2000 }, 3_600_000, () => 0.5), 2000);
    const headers = (value: string) => ({ status: 429, headers: { 'retry-after': value }, body: '' });
    assert.equal(retryAfterMs(headers('1')), 1000);
    assert.equal(retryAfterMs(headers('Wed, 01 Jan 2025 00:00:05 GMT'), Date.parse('Wed, 01 Jan 2025 00:00:00 GMT')), 5000);
    assert.equal(retryAfterMs(headers('soon')), 0);
    assert.equal(retryAfterMs(undefined), 0);
  });

  test('what is transient: throttling, 5xx but 501, and socket failures; not client errors or TLS failures', () => {
    assert.deepEqual(
      [400, 401, 403, 404, 409, 410, 422, 429, 500, 501, 502, 503, 504].filter(isRetryableStatus),
      [429, 500, 502, 503, 504],
    );
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']) assert.ok(isRetryableError(Object.assign(new Error(code), { code })), code);
    assert.ok(isRetryableError(new Error('socket hang up')));
    assert.ok(!isRetryableError(Object.assign(new Error('unable to verify the first certificate'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' })));
    assert.ok(!isRetryableError(Object.assign(new Error('getaddrinfo ENOTFOUND nowhere'), { code: 'ENOTFOUND' })));
    assert.ok(!isRetryableError('ECONNRESET'));
  });
});
