import type { HttpResponse } from './http-transport.ts';

/** How the client retries transient failures: exponential backoff with full jitter. */
export interface RetryPolicy {
  /** Retries after the first attempt (so `maxRetries + 1` attempts in all). */
  maxRetries: number;
  /** Backoff before the first retry; doubles on every further one. */
  initialDelayMs: number;
  /** Upper bound of one backoff. */
  maxDelayMs: number;
  /** Upper bound of a server's `Retry-After`, so a confused server cannot stall a sync. */
  maxRetryAfterMs: number;
}

export const defaultRetryPolicy: Readonly<RetryPolicy> = { maxRetries: 6, initialDelayMs: 100, maxDelayMs: 5_000, maxRetryAfterMs: 30_000 };

/** HTTP statuses worth another attempt: throttling and server-side trouble (not 501, which will not change). */
const retryableStatuses = new Set([429, 500, 502, 503, 504]);

/** Socket-level failures worth another attempt (a reset keep-alive socket, a restarting API server, our own timeout). */
const retryableCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

export function isRetryableStatus(status: number): boolean {
  return retryableStatuses.has(status);
}

export function isRetryableError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && retryableCodes.has(code)) return true;
  return /socket hang up/i.test(error.message);
}

/** The delay before retry number `retry` (0-based): `initial * 2^retry` capped, with full jitter, never below Retry-After. */
export function backoffDelay(retry: number, policy: RetryPolicy, retryAfterMs = 0, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** retry);
  // full jitter spreads a burst of clients that failed together; half of it is kept so a retry is never instant
  const backoff = ceiling / 2 + random() * (ceiling / 2);
  return Math.max(backoff, Math.min(retryAfterMs, policy.maxRetryAfterMs));
}

/** `Retry-After` in milliseconds (seconds or an HTTP date), or 0. */
export function retryAfterMs(response: HttpResponse | undefined, now = Date.now()): number {
  const header = response?.headers['retry-after'];
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return 0;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : 0;
}

/** The last failure after every retry was spent: a response with a retryable status, or a socket error. */
export class RetriesExhausted extends Error {
  constructor(
    readonly attempts: number,
    readonly response: HttpResponse | undefined,
    readonly error: unknown,
  ) {
    super(`gave up after ${attempts} attempts`);
    this.name = 'RetriesExhausted';
  }
}

export interface RetryHooks {
  onRetry?: () => void;
  /** Stops retrying (the client was closed): the last failure is thrown as it is. */
  signal?: AbortSignal;
}

/**
 * The one place that retries: sends until the answer is not transient or the retries run out.
 * Non-transient answers (2xx, 4xx other than 429) are returned for the caller to interpret;
 * non-transient socket errors (a bad certificate, an unknown host) are thrown as they are;
 * running out throws `RetriesExhausted` with the last failure.
 */
export async function sendWithRetries(send: () => Promise<HttpResponse>, policy: RetryPolicy, hooks: RetryHooks = {}): Promise<HttpResponse> {
  for (let attempt = 0; ; attempt++) {
    let response: HttpResponse | undefined;
    let error: unknown;
    try {
      response = await send();
      if (!isRetryableStatus(response.status)) return response;
    } catch (caught) {
      if (!isRetryableError(caught)) throw caught;
      error = caught;
    }
    if (attempt >= policy.maxRetries || hooks.signal?.aborted) throw new RetriesExhausted(attempt + 1, response, error);
    hooks.onRetry?.();
    await sleep(backoffDelay(attempt, policy, retryAfterMs(response)), hooks.signal);
    if (hooks.signal?.aborted) throw new RetriesExhausted(attempt + 1, response, error);
  }
}

/** Waits `ms`, or less when the signal aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
