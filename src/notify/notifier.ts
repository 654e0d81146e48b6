/**
 * The notifier: sends each event to the targets that want it, in the background. `notify` only
 * queues (it never waits, never throws); deliveries run a few at a time, each attempt with a
 * deadline, and failures that may pass (a network failure, a timeout, 5xx, 429) are retried with
 * exponential backoff up to a cap (after `Retry-After` when the server gives one), then dropped
 * with a log line that names the target by its name. A target's URL is read when the notifier is
 * configured and again after a failed delivery; it never appears in a log line or an error.
 */
import { notificationEventTypes, type NotificationTarget } from '../core/index.ts';
import { postJson, formatMs, type DeliveryOutcome } from './deliver.ts';
import { servicesOf, summarize, type NotificationEvent } from './events.ts';
import { silentNotifyLogger, type NotifyLogger } from './logger.ts';
import { slackMessage } from './slack-message.ts';
import { CachedUrl, type UrlSourceOptions } from './url-source.ts';
import { webhookBody } from './webhook-body.ts';

export interface NotifierRetry {
  /** Attempts after the first one; default 6. */
  limit: number;
  /** Wait before the first retry, doubled for each next one; default 1 s. */
  backoffMs: number;
  /** Longest wait between two attempts; default 1 min. */
  maxBackoffMs: number;
  /** Longest `Retry-After` honoured; default 10 min. */
  maxRetryAfterMs: number;
}

export interface NotifierOptions extends UrlSourceOptions {
  /** Where notifications go; `configure` replaces them. Default none (every event is dropped). */
  targets?: readonly NotificationTarget[];
  logger?: NotifyLogger;
  /** Deliveries in flight at once, across targets; default 4. */
  concurrency?: number;
  /** Deadline of one attempt (connect, send, answer); default 10 s. */
  timeoutMs?: number;
  retry?: Partial<NotifierRetry>;
  /** Deliveries waiting or running at most; more are dropped (and logged). Default 1,000. */
  maxPending?: number;
  /** How long `close` waits for deliveries in progress; default 10 s. */
  closeTimeoutMs?: number;
  /** The clock events are stamped with and `Retry-After` dates read against (tests). */
  now?: () => Date;
  /** How a retry waits (tests make it instant); resolves early when `signal` aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  fetch?: typeof fetch;
}

/** What release management, the agent and the CLI send events through. */
export interface Notifier {
  /** Queues the event for every target that wants it; returns at once, never throws. */
  notify(event: NotificationEvent): void;
  /** Replaces the targets (capstan.yaml changed); their URLs are read now. Deliveries under way finish on the old ones. */
  configure(targets: readonly NotificationTarget[]): void;
  /** The targets' names, in order. */
  targets(): string[];
  /** Resolves when every delivery queued so far has ended, delivered or dropped (tests, short-lived commands). */
  idle(): Promise<void>;
  /** Stops taking events and waits for deliveries under way, at most `closeTimeoutMs`; then abandons the rest (logged). */
  close(): Promise<void>;
}

const defaultRetry: NotifierRetry = { limit: 6, backoffMs: 1000, maxBackoffMs: 60_000, maxRetryAfterMs: 10 * 60_000 };

export function createNotifier(options: NotifierOptions = {}): Notifier {
  return new WebhookNotifier(options);
}

/** A notifier that drops every event: what the agent holds when it was given none. */
export const disabledNotifier: Notifier = {
  notify() {},
  configure() {},
  targets: () => [],
  idle: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

interface Target {
  spec: NotificationTarget;
  url: CachedUrl;
}

interface Delivery {
  target: Target;
  event: NotificationEvent;
  body: string;
}

class WebhookNotifier implements Notifier {
  private readonly log: NotifyLogger;
  private readonly retry: NotifierRetry;
  private readonly concurrency: number;
  private readonly timeoutMs: number;
  private readonly maxPending: number;
  private readonly now: () => Date;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private current: Target[] = [];
  /** Deliveries not ended yet (waiting for a slot, running, or waiting to retry). */
  private readonly pending = new Set<Promise<void>>();
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly abandon = new AbortController();
  private closed = false;

  constructor(private readonly options: NotifierOptions) {
    this.log = (options.logger ?? silentNotifyLogger).child({ component: 'notify' });
    this.retry = { ...defaultRetry, ...options.retry };
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxPending = Math.max(1, options.maxPending ?? 1000);
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? sleepFor;
    this.configure(options.targets ?? []);
  }

  configure(targets: readonly NotificationTarget[]): void {
    const before = new Map(this.current.map((t) => [t.spec.name, t]));
    this.current = targets.map((spec) => {
      const kept = before.get(spec.name);
      // an unchanged URL source keeps the URL already read
      const url = kept && JSON.stringify(kept.url.source) === JSON.stringify(spec.url) ? kept.url : new CachedUrl(structuredClone(spec.url), this.options);
      return { spec: structuredClone(spec), url };
    });
    for (const target of this.current) {
      target.url.get().catch((error: unknown) => this.log.warn({ target: target.spec.name, err: messageOf(error) }, `notification target ${target.spec.name}: ${messageOf(error)}; retried at its next notification`));
    }
  }

  targets(): string[] {
    return this.current.map((t) => t.spec.name);
  }

  notify(event: NotificationEvent): void {
    try {
      if (this.closed) return;
      const time = event.time ?? this.now().toISOString();
      for (const target of this.current) {
        if (!wants(target.spec, event)) continue;
        if (this.pending.size >= this.maxPending) {
          this.log.warn({ target: target.spec.name, event: event.type }, `notification to ${target.spec.name} dropped: ${this.pending.size} deliveries are pending already (${summarize(event)})`);
          continue;
        }
        const body = JSON.stringify(target.spec.type === 'slack' ? slackMessage(event, time) : webhookBody(event, time));
        const run = this.deliver({ target, event, body }).catch((error: unknown) => {
          // deliver handles its own failures: this only keeps a bug from becoming an unhandled rejection
          this.log.error({ target: target.spec.name, err: messageOf(error) }, `notification to ${target.spec.name} failed: ${messageOf(error)}`);
        });
        this.pending.add(run);
        void run.finally(() => this.pending.delete(run));
      }
    } catch (error) {
      this.log.error({ event: event?.type, err: messageOf(error) }, `a notification could not be queued: ${messageOf(error)}`);
    }
  }

  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async close(): Promise<void> {
    if (this.closed) return this.idle();
    this.closed = true;
    if (this.pending.size === 0) return;
    const bound = this.options.closeTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), bound);
    });
    const overdue = await Promise.race([this.idle().then(() => false), timedOut]);
    clearTimeout(timer);
    if (overdue) {
      const left = this.pending.size;
      this.abandon.abort();
      await this.idle();
      this.log.warn({ abandoned: left }, `notifier closed after ${formatMs(bound)}: ${left} notification(s) still being delivered were abandoned`);
    }
  }

  /** Attempts until delivered, refused, out of retries or abandoned. */
  private async deliver(delivery: Delivery): Promise<void> {
    const { target, event } = delivery;
    const name = target.spec.name;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(delivery);
      if (outcome.ok) {
        if (attempt > 1) this.log.info({ target: name, event: event.type, attempt }, `notification to ${name} delivered at attempt ${attempt}`);
        return;
      }
      // the URL may have changed (a rotated Secret): read it again before the next delivery
      target.url.invalidate();
      if (this.abandon.signal.aborted) return;
      const retries = attempt - 1;
      if (!outcome.retry || retries >= this.retry.limit) {
        const why = outcome.retry ? `${outcome.reason}, and ${attempt} attempts failed` : outcome.reason;
        this.log.warn({ target: name, event: event.type, attempts: attempt }, `notification to ${name} dropped: ${why} (${summarize(event)})`);
        return;
      }
      const backoff = Math.min(this.retry.maxBackoffMs, this.retry.backoffMs * 2 ** retries);
      const delay = outcome.retryAfterMs === undefined ? backoff : Math.min(this.retry.maxRetryAfterMs, outcome.retryAfterMs);
      this.log.info({ target: name, event: event.type, attempt, delayMs: delay }, `notification to ${name} failed (${outcome.reason}): retrying in ${formatMs(delay)}`);
      await this.sleep(delay, this.abandon.signal);
      if (this.abandon.signal.aborted) return;
    }
  }

  /** One attempt, in one of the `concurrency` slots. */
  private async attempt(delivery: Delivery): Promise<DeliveryOutcome> {
    await this.slot();
    try {
      let url: string;
      try {
        url = await delivery.target.url.get();
      } catch (error) {
        return { ok: false, retry: true, reason: `its URL could not be read: ${messageOf(error)}` };
      }
      return await postJson(url, delivery.body, { timeoutMs: this.timeoutMs, signal: this.abandon.signal, fetch: this.options.fetch, now: this.now });
    } finally {
      this.release();
    }
  }

  private slot(): Promise<void> {
    if (this.running < this.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}

/** Whether a target wants an event: its type listed, and its service (or app) when the target filters by service. */
export function wants(target: NotificationTarget, event: NotificationEvent): boolean {
  const events = target.events.length > 0 ? target.events : notificationEventTypes;
  if (!events.includes(event.type)) return false;
  if (!target.services) return true;
  return servicesOf(event).some((s) => target.services!.includes(s));
}

function sleepFor(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
