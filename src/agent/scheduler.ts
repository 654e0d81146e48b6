/**
 * The agent's scheduler: which app runs next. A FIFO queue of apps with a global concurrency
 * limit, one operation per app at a time (later ones wait behind it), and dependencies first: an
 * app whose dependency (same environment) is queued or running waits until it is done.
 *
 * It knows nothing of what a job does: `run` does it. Callers wait on `schedule`, which resolves
 * with the job's result (or rejects with its error) — every caller of a merged job gets the same.
 */
import { ValidationError } from '../core/index.ts';
import { isoNow } from './helpers.ts';
import type { AppRef, AppState, SyncActionOptions, SyncActionResult, Trigger } from './types.ts';

export type JobKind = 'reconcile' | 'sync' | 'rollback' | 'delete';

/** Someone waiting for a job's result. */
export interface Waiter {
  resolve(result: SyncActionResult | undefined): void;
  reject(error: unknown): void;
}

/** One operation on one app, waiting in the queue or to run after the current one. */
export interface Job {
  kind: JobKind;
  trigger: Trigger;
  /** For a reconcile: who caused it (a pusher, a webhook's sender), recorded if it syncs; default the agent. */
  who?: string;
  since: string;
  sync?: SyncActionOptions;
  rollback?: { who: string; to?: number };
  /** For a delete: who asked. */
  delete?: { who: string };
  waiters: Waiter[];
}

/** What the scheduler keeps on an app. */
export interface QueuedApp {
  readonly id: string;
  readonly ref: AppRef;
  readonly app: { readonly dependsOn: readonly string[] };
  /** Reconciled by this replica (a dependency another replica owns is not waited for). */
  readonly owned: boolean;
  /** The jobs waiting; the running one is no longer here. */
  jobs: Job[];
  queued: boolean;
  running: boolean;
}

export interface SchedulerOptions<A extends QueuedApp> {
  /** Jobs running at once across all apps (at least 1). */
  concurrency: number;
  /** Does a job. */
  run(app: A, job: Job): Promise<SyncActionResult | undefined>;
  /** The app of a reference, to find dependencies. */
  find(ref: AppRef): A | undefined;
  /** An app's operation changed: queued, running, or none. */
  operation(app: A, operation: AppState['operation'] | undefined): void;
  queueDepth(depth: number): void;
  /** A job was taken for an app (before it is queued). */
  added?(app: A, job: Job): void;
  /** An app's job finished: it is queued again for the next one, or idle. */
  settled?(app: A): void;
}

export class Scheduler<A extends QueuedApp> {
  private readonly queue: A[] = [];
  /** The apps running a job, and that job's promise. */
  private readonly running = new Map<A, Promise<void>>();
  private readonly concurrency: number;
  private open = false;

  constructor(private readonly options: SchedulerOptions<A>) {
    this.concurrency = Math.max(1, options.concurrency);
  }

  /** Takes jobs from now on. */
  start(): void {
    this.open = true;
  }

  /** Whether jobs are taken (started and not stopping). */
  get accepting(): boolean {
    return this.open;
  }

  /**
   * Queues a job for an app. A reconcile joins whatever the app already has pending; a sync,
   * rollback or delete replaces a pending reconcile (what it does makes the comparison moot) or
   * waits after other manual work.
   */
  schedule(a: A, job: Job): Promise<SyncActionResult | undefined> {
    if (!this.open) return Promise.reject(new ValidationError(`app ${a.id}: the agent is not running`));
    return new Promise((resolve, reject) => {
      job.waiters.push({ resolve, reject });
      const last = a.jobs.at(-1);
      if (job.kind === 'reconcile' && last) {
        last.waiters.push(...job.waiters);
        // a commit someone pushed is what the pending reconcile now syncs: it is theirs
        if (last.kind === 'reconcile' && job.who && !last.who) Object.assign(last, { trigger: job.trigger, who: job.who });
      } else if (job.kind !== 'reconcile' && last?.kind === 'reconcile') {
        job.waiters.push(...last.waiters);
        a.jobs[a.jobs.length - 1] = job;
      } else {
        a.jobs.push(job);
      }
      this.options.added?.(a, job);
      if (!a.running && !a.queued) this.enqueue(a);
      else if (a.queued) this.options.operation(a, { phase: 'queued', trigger: a.jobs[0]!.trigger, since: a.jobs[0]!.since });
      this.pump();
    });
  }

  /** Takes an app out of the queue and fails its waiting jobs with `reason`; a running job finishes. */
  remove(a: A, reason: string): void {
    const at = this.queue.indexOf(a);
    if (at >= 0) this.queue.splice(at, 1);
    a.queued = false;
    this.drop(a, reason);
    this.options.queueDepth(this.queue.length);
  }

  /** Takes no more jobs, drops the queued ones, and resolves once the running ones have finished. */
  stop(): Promise<void> {
    this.open = false;
    const queued = this.queue.splice(0);
    for (const a of queued) {
      a.queued = false;
      this.options.operation(a, undefined);
    }
    for (const a of [...queued, ...this.running.keys()]) this.drop(a, 'the agent stopped');
    this.options.queueDepth(0);
    return this.drained();
  }

  /** Resolves when nothing is queued or running. */
  async idle(): Promise<void> {
    while (this.running.size > 0 || this.queue.length > 0) {
      if (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  private async drained(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  private enqueue(a: A): void {
    a.queued = true;
    this.queue.push(a);
    const first = a.jobs[0]!;
    this.options.operation(a, { phase: 'queued', trigger: first.trigger, since: first.since });
    this.options.queueDepth(this.queue.length);
  }

  /** Starts queued apps, first come first served, while slots are free and their dependencies are done. */
  private pump(): void {
    while (this.open && this.running.size < this.concurrency) {
      const index = this.queue.findIndex((a) => !this.waitsForDependency(a));
      if (index < 0) break;
      const [a] = this.queue.splice(index, 1) as [A];
      a.queued = false;
      a.running = true;
      const job = a.jobs.shift()!;
      const run = this.runJob(a, job).finally(() => {
        a.running = false;
        this.running.delete(a);
        if (a.jobs.length > 0 && this.open) this.enqueue(a);
        else this.options.operation(a, undefined);
        this.options.settled?.(a);
        this.pump();
      });
      this.running.set(a, run);
    }
    this.options.queueDepth(this.queue.length);
  }

  /** Whether an app's dependency (same environment) is queued or running: it goes after it. */
  private waitsForDependency(a: A): boolean {
    return a.app.dependsOn.some((name) => {
      const dep = this.options.find({ app: name, env: a.ref.env });
      return dep !== undefined && dep.owned && (dep.running || dep.queued);
    });
  }

  private async runJob(a: A, job: Job): Promise<void> {
    this.options.operation(a, { phase: 'running', trigger: job.trigger, since: isoNow() });
    try {
      const result = await this.options.run(a, job);
      for (const w of job.waiters) w.resolve(result);
    } catch (error) {
      for (const w of job.waiters) w.reject(error);
    }
  }

  private drop(a: A, reason: string): void {
    const error = new ValidationError(`app ${a.id}: ${reason}`);
    for (const job of a.jobs.splice(0)) for (const w of job.waiters) w.reject(error);
  }
}
