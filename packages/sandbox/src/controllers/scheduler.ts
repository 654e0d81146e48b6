import { ApiError } from '../api-error.ts';
import type { StoreEvent } from '../store.ts';

/** What a reconcile asks for besides being run again on the next relevant event. */
export interface ReconcileResult {
  /** Run again after this long even without an event (a pod becoming ready, a deadline passing). */
  requeueAfterMs?: number;
}

/** One simulated controller: it maps store events to keys and reconciles one key at a time. */
export interface Controller {
  readonly name: string;
  /** Lower priorities run first: the kubelet before workload controllers before the Deployment controller. */
  readonly priority: number;
  /** Keys to reconcile because of a store event (usually the object itself or its owner). */
  keysFor(event: StoreEvent): string[];
  /** Keys to reconcile when the controllers start, e.g. every existing object of the kind. */
  initialKeys(): string[];
  reconcile(key: string): Promise<ReconcileResult | void>;
}

export interface SchedulerOptions {
  /** Told about unexpected reconcile failures (they are retried with backoff either way). */
  onError?: (error: unknown, controller: string, key: string) => void;
  /** Largest backoff between retries of a failing key. */
  maxBackoffMs?: number;
}

interface Item {
  controller: Controller;
  key: string;
}

/** How long a tick reconciles before it lets the event loop serve requests. */
const TICK_BUDGET_MS = 20;

/**
 * Runs controllers the way client-go work queues do, on a single cooperative loop: keys are
 * coalesced (a key queued many times is reconciled once, and a key added while it is being
 * reconciled is queued again behind it), failures are retried with backoff, and `stop()` clears
 * every timer and waits for the reconcile in flight.
 *
 * The next key is always one of the lowest priority waiting, so a chain of controllers (kubelet →
 * ReplicaSet → Deployment) runs through before work that nothing waits on (Endpoints): in a real
 * cluster those controllers run side by side and one never holds the other back, which a single
 * loop that worked through each batch in turn did (a Deployment became Available only after every
 * Endpoints update of the pods that became ready with its own). Lower priorities wait while higher
 * ones are queued; the simulated cluster's work comes in bursts, so they get their turn when a
 * burst has run through. A tick yields to the event loop after TICK_BUDGET_MS so that API
 * requests are served between reconciles.
 */
export class Scheduler {
  /** Queued keys by priority (ascending), each in the order it was queued. */
  private readonly queues: { priority: number; items: Map<string, Item> }[];
  private queued = 0;
  private timers = new Map<string, { timer: NodeJS.Timeout; due: number }>();
  private failures = new Map<string, number>();
  private immediate: NodeJS.Immediate | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly controllers: Controller[],
    private readonly options: SchedulerOptions = {},
  ) {
    const priorities = [...new Set(controllers.map((c) => c.priority))].sort((a, b) => a - b);
    this.queues = priorities.map((priority) => ({ priority, items: new Map() }));
  }

  start(): void {
    for (const controller of this.controllers) for (const key of controller.initialKeys()) this.enqueue(controller, key);
  }

  /** Routes a store event to every controller that cares. */
  dispatch(event: StoreEvent): void {
    if (this.stopped) return;
    for (const controller of this.controllers) {
      let keys: string[];
      try {
        keys = controller.keysFor(event);
      } catch (error) {
        this.options.onError?.(error, controller.name, '');
        continue;
      }
      for (const key of keys) this.enqueue(controller, key);
    }
  }

  enqueue(controller: Controller, key: string, delayMs = 0): void {
    if (this.stopped) return;
    const id = `${controller.name}\u0000${key}`;
    if (delayMs > 0) {
      const due = Date.now() + delayMs;
      const pending = this.timers.get(id);
      if (pending && pending.due <= due) return;
      if (pending) clearTimeout(pending.timer);
      const timer = setTimeout(() => {
        this.timers.delete(id);
        this.enqueue(controller, key);
      }, delayMs);
      timer.unref();
      this.timers.set(id, { timer, due });
      return;
    }
    const queue = this.queues.find((q) => q.priority === controller.priority);
    if (!queue) throw new Error(`controller ${controller.name} is not one of this scheduler's`);
    if (!queue.items.has(id)) {
      queue.items.set(id, { controller, key });
      this.queued++;
    }
    this.schedule();
  }

  /** Resolves once nothing is queued or running (timers may still be pending). */
  async idle(): Promise<void> {
    while (!this.stopped && (this.running || this.immediate || this.queued > 0)) {
      await (this.running ?? new Promise((resolve) => setImmediate(resolve)));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const queue of this.queues) queue.items.clear();
    this.queued = 0;
    await this.running;
  }

  private schedule(): void {
    if (this.stopped || this.immediate || this.running) return;
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      this.running = this.tick().finally(() => {
        this.running = undefined;
        if (this.queued > 0) this.schedule();
      });
    });
  }

  private async tick(): Promise<void> {
    const until = performance.now() + TICK_BUDGET_MS;
    for (let item = this.next(); item && !this.stopped; item = this.next()) {
      await this.run(item);
      if (performance.now() >= until) return;
    }
  }

  /** Takes the first key of the lowest priority waiting. */
  private next(): Item | undefined {
    for (const queue of this.queues) {
      const first = queue.items.entries().next();
      if (first.done) continue;
      queue.items.delete(first.value[0]);
      this.queued--;
      return first.value[1];
    }
    return undefined;
  }

  private async run({ controller, key }: Item): Promise<void> {
    const id = `${controller.name}\u0000${key}`;
    try {
      const result = await controller.reconcile(key);
      this.failures.delete(id);
      if (result?.requeueAfterMs !== undefined) this.enqueue(controller, key, Math.max(1, result.requeueAfterMs));
    } catch (error) {
      const attempts = (this.failures.get(id) ?? 0) + 1;
      this.failures.set(id, attempts);
      // a conflict means we read a stale object: re-read on the next tick, backing off only if it keeps happening
      const conflict = error instanceof ApiError && (error.code === 409 || error.code === 404);
      if (!conflict) this.options.onError?.(error, controller.name, key);
      const base = conflict ? 5 : 100;
      const delay = attempts === 1 && conflict ? 0 : Math.min(base * 2 ** (attempts - 1), this.options.maxBackoffMs ?? 10_000);
      this.enqueue(controller, key, delay);
    }
  }
}
