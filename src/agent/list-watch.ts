import type { Manifest } from '../core/index.ts';
import type { KubeClient, WatchEvent, WatchHandle } from '../kube/index.ts';
import type { AgentLogger } from './logger.ts';

export interface ListWatchOptions {
  client: KubeClient;
  apiVersion: string;
  kind: string;
  /** Undefined: a cluster-scoped kind (or every namespace). */
  namespace?: string;
  labelSelector?: string;
  /** `ConfigMap in namespace x`: how warnings name the watch. */
  subject: string;
  logger?: AgentLogger;
  /** First delay before relisting a failed watch; doubles per consecutive failure. */
  backoffMs: number;
  /** Longest delay between two attempts of a failing watch. */
  maxBackoffMs: number;
  /** A fresh list: every object in scope (also after a watch broke, so nothing is missed). */
  onList(items: Manifest[]): void;
  /** An event of the watch (bookmarks left out). */
  onEvent(event: WatchEvent): void;
}

/** A watch that stayed open at least this long was healthy: the next failure starts the backoff over. */
const HEALTHY_WATCH_MS = 5_000;
/** Watches are asked to end after this long and are then resumed, so a silently dead connection does not last. */
const WATCH_TIMEOUT_SECONDS = 300;

/**
 * One list+watch loop, as informers run them: list, then watch from the list's resourceVersion. A
 * watch the server closes cleanly is resumed from its last resourceVersion; one that fails (410
 * Gone, a broken connection, an unserved kind) is relisted and watched again after a capped
 * backoff with jitter.
 */
export class ListWatch {
  private stopped = false;
  private handle: WatchHandle | undefined;
  private wake: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private watching = false;

  constructor(private readonly options: ListWatchOptions) {}

  /** Whether the first list was handled and a watch from it is open: from now on no change is missed. */
  get synced(): boolean {
    return this.watching;
  }

  start(): void {
    this.running = this.run().catch((error: unknown) => {
      // run() handles its own failures; this is a last guard so a bug never becomes an unhandled rejection
      this.options.logger?.warn({ subject: this.options.subject }, `watch of ${this.options.subject} stopped: ${messageOf(error)}`);
    });
  }

  /** Ends the loop; resolves once it has ended. */
  stop(): Promise<void> {
    this.stopped = true;
    this.handle?.stop();
    this.wake?.();
    return this.running ?? Promise.resolve();
  }

  private async run(): Promise<void> {
    const { client, apiVersion, kind, namespace, labelSelector, subject } = this.options;
    let failures = 0;
    let resourceVersion: string | undefined;
    while (!this.stopped) {
      let openedAt: number | undefined;
      try {
        if (resourceVersion === undefined) {
          const list = await client.list(apiVersion, kind, { namespace, labelSelector });
          if (this.stopped) return;
          this.options.onList(list.items);
          resourceVersion = list.resourceVersion;
        }
        const handle = await client.watch(apiVersion, kind, { namespace, labelSelector, resourceVersion, timeoutSeconds: WATCH_TIMEOUT_SECONDS }, (event) => this.onEvent(event));
        openedAt = Date.now();
        this.handle = handle;
        this.watching = true;
        if (this.stopped) handle.stop();
        try {
          await handle.done;
        } finally {
          this.handle = undefined;
        }
        if (this.stopped) return;
        // closed by the server: resume where it ended (bookmarks keep the resourceVersion fresh)
        resourceVersion = handle.lastResourceVersion ?? resourceVersion;
        if (Date.now() - openedAt >= HEALTHY_WATCH_MS) {
          failures = 0;
          continue;
        }
        failures++;
      } catch (error) {
        if (this.stopped) return;
        // 410 Gone, a broken stream, an unserved kind: start over from a fresh list
        resourceVersion = undefined;
        failures = openedAt !== undefined && Date.now() - openedAt >= HEALTHY_WATCH_MS ? 1 : failures + 1;
        this.options.logger?.warn({ subject, attempt: failures }, `watch of ${subject} failed, relisting: ${messageOf(error)}`);
      }
      await this.pause(this.delay(failures));
    }
  }

  private onEvent(event: WatchEvent): void {
    if (event.type === 'BOOKMARK') return;
    try {
      this.options.onEvent(event);
    } catch (error) {
      this.options.logger?.warn({ subject: this.options.subject }, `watch of ${this.options.subject}: an event could not be handled: ${messageOf(error)}`);
    }
  }

  /** Exponential backoff with jitter, capped. */
  private delay(failures: number): number {
    if (failures <= 0) return 0;
    const base = Math.min(this.options.maxBackoffMs, this.options.backoffMs * 2 ** Math.min(failures - 1, 20));
    return Math.round(base / 2 + (Math.random() * base) / 2);
  }

  private pause(ms: number): Promise<void> {
    if (ms <= 0 || this.stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).finally(() => (this.wake = undefined));
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
