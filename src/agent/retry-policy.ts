/**
 * The one place failures turn into retries: an automated app is retried after `backoffMs`,
 * doubling up to `maxBackoffMs`, at most `limit` times per revision; then it waits for a new
 * commit touching it or a manual sync. A manual app is never retried: its failures are counted.
 */
import type { AppEnvironment, RetryOptions } from '../config/index.ts';
import { short } from './helpers.ts';
import type { AgentLogger } from './logger.ts';
import type { AppState } from './types.ts';

/** An app's retries: how many were used at which revision, and the one that is due. */
export interface RetryState {
  /** Automatic retries used at `revision`. */
  attempts: number;
  revision: string;
  timer?: NodeJS.Timeout;
}

export function newRetryState(): RetryState {
  return { attempts: 0, revision: '' };
}

/** What to do after a failure: retry after `delayMs`, or not (`exhausted`: the limit is used up). */
export type RetryDecision = { retry: true; delayMs: number } | { retry: false; exhausted: boolean };

/**
 * Whether and when an automated app that failed at `revision` is retried; counts the retry in
 * `state`. Attempts start again at 0 on a new revision.
 */
export function nextRetry(state: RetryState, revision: string, options: RetryOptions): RetryDecision {
  if (state.revision !== revision) {
    state.revision = revision;
    state.attempts = 0;
  }
  if (state.attempts >= options.limit) return { retry: false, exhausted: true };
  const delayMs = Math.min(options.backoffMs * 2 ** state.attempts, options.maxBackoffMs);
  state.attempts++;
  return { retry: true, delayMs };
}

/** What the policy reads of an app. */
export interface RetryTarget {
  readonly id: string;
  readonly app: { readonly syncPolicy: Pick<AppEnvironment['syncPolicy'], 'automated'>; readonly syncOptions: Pick<AppEnvironment['syncOptions'], 'retry'> };
  readonly state: AppState;
  readonly owned: boolean;
  readonly retry: RetryState;
}

export interface RetryPolicyOptions<T extends RetryTarget> {
  /** Overrides every app's `syncOptions.retry` (tests and benchmarks). */
  backoff?: Partial<RetryOptions>;
  now(): Date;
  /** The agent is stopping: nothing is retried. */
  stopping(): boolean;
  /** Records `failures` and `nextRetryAt` in the app's state. */
  patch(t: T, change: Pick<AppState, 'failures' | 'nextRetryAt'>): void;
  /** A retry is due (the app is still owned and the agent running). */
  retry(t: T): void;
}

export class RetryPolicy<T extends RetryTarget> {
  constructor(private readonly options: RetryPolicyOptions<T>) {}

  /** An app failed (its comparison or its sync) at `revision`: counts it and schedules the retry, if any. */
  failed(t: T, revision: string, log: AgentLogger): void {
    const failures = t.state.failures + 1;
    if (t.retry.revision !== revision) {
      t.retry.revision = revision;
      t.retry.attempts = 0;
    }
    this.cancel(t);
    if (!t.app.syncPolicy.automated || this.options.stopping() || !t.owned) {
      this.options.patch(t, { failures, nextRetryAt: undefined });
      return;
    }
    const retry: RetryOptions = { ...t.app.syncOptions.retry, ...this.options.backoff };
    const decision = nextRetry(t.retry, revision, retry);
    if (!decision.retry) {
      this.options.patch(t, { failures, nextRetryAt: undefined });
      log.warn({ failures }, `${t.id} failed ${failures} time(s); ${retry.limit} retries at ${short(revision)} used up: waiting for a new commit or a manual sync`);
      return;
    }
    this.options.patch(t, { failures, nextRetryAt: new Date(this.options.now().getTime() + decision.delayMs).toISOString() });
    t.retry.timer = setTimeout(() => {
      t.retry.timer = undefined;
      if (!this.options.stopping() && t.owned) this.options.retry(t);
    }, decision.delayMs);
    t.retry.timer.unref();
  }

  /** An app synced: no retry is due and the attempts start again. */
  succeeded(t: T): void {
    this.cancel(t);
    t.retry.attempts = 0;
  }

  /** Drops the retry that is due, if any (other work came first, or the agent let go of the app). */
  cancel(t: T): void {
    clearTimeout(t.retry.timer);
    t.retry.timer = undefined;
  }
}
