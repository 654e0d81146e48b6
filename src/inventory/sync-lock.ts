import os from 'node:os';
import { ConflictError, NotFoundError, annotations, labels, type Manifest, type ResourceKey } from '../core/index.ts';
import { AlreadyExistsError, ModifiedError, type KubeClient } from '../kube/index.ts';
import { defaultInventoryNamespace } from './inventory-store.ts';

/** Who holds the lock of an app and environment, as its Lease says. */
export interface LockHolder {
  identity: string;
  /** When the holder took the lock (ISO 8601). */
  since: string;
  /** When the holder last renewed it (ISO 8601). */
  renewed: string;
}

export interface SyncLocksOptions {
  /** This process, as others see it waiting: `alice (capstan apply) on laptop, pid 4242`. */
  identity: string;
  /** Namespace of the Leases (the inventories'); default `capstan-system`. */
  namespace?: string;
  /** A Lease not renewed for this long is taken over; default 30 s (renewed every third of it). */
  leaseDurationMs?: number;
  /** How often a waiter looks again; default 500 ms. */
  pollIntervalMs?: number;
  fieldManager?: string;
}

export interface AcquireOptions {
  /** How long to wait for another holder; default 0: fail at once with a LockedError. */
  waitMs?: number;
  /** Called once when the lock is held by someone else and this call waits for it. */
  onWaiting?: (holder: LockHolder) => void;
  /** Ends the wait early (a LockedError, as when the wait ran out). */
  signal?: AbortSignal;
}

/** The lock is held by another process (and waiting for it, if asked, ran out). */
export class LockedError extends ConflictError {
  constructor(
    message: string,
    readonly holder: LockHolder,
  ) {
    super(message);
  }
}

const leaseApiVersion = 'coordination.k8s.io/v1';

/**
 * One sync per app and environment at a time, across every process: a Lease
 * (`capstan-system/capstan.<app>.<env>`), created by the holder (a create succeeds once), renewed
 * every third of its duration, deleted on release with the resourceVersion it last wrote as a
 * precondition (only its holder can release it). A Lease not renewed within its duration (its
 * holder died, or was cut off) is taken over by an apply conditioned on the resourceVersion seen,
 * so two waiters cannot both take it; so is one whose holder ran on this host as a process that is
 * gone (a `kill -9`), at once. Clocks are compared as client-go's leader election does: a renewal
 * counts from when it was first seen, never later than now.
 */
export class SyncLocks {
  private readonly namespace: string;
  private readonly leaseDurationMs: number;
  private readonly pollIntervalMs: number;
  private readonly fieldManager: string;

  constructor(
    private readonly client: KubeClient,
    private readonly options: SyncLocksOptions,
  ) {
    this.namespace = options.namespace ?? defaultInventoryNamespace;
    this.leaseDurationMs = options.leaseDurationMs ?? 30_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.fieldManager = options.fieldManager ?? 'capstan';
  }

  /** Takes the lock of an app and environment, waiting for another holder up to `waitMs`. */
  async acquire(app: string, env: string, options: AcquireOptions = {}): Promise<SyncLock> {
    const key: ResourceKey = { group: 'coordination.k8s.io', kind: 'Lease', namespace: this.namespace, name: `capstan.${app}.${env}` };
    const deadline = Date.now() + (options.waitMs ?? 0);
    let seen: { resourceVersion: string; at: number } | undefined;
    let told = false;
    // The common case first: no Lease yet, and its namespace there. One create takes it; only a
    // Lease that exists (or a namespace that does not) costs the reads below.
    try {
      return this.held(key, await this.client.create(this.lease(key, app, env)));
    } catch (error) {
      if (!(error instanceof AlreadyExistsError) && !(error instanceof NotFoundError)) throw error;
    }
    await this.ensureNamespace();
    for (;;) {
      const live = await this.client.get(leaseApiVersion, key);
      if (!live) {
        try {
          return this.held(key, await this.client.create(this.lease(key, app, env)));
        } catch (error) {
          if (error instanceof AlreadyExistsError) continue;
          throw error;
        }
      }
      const resourceVersion = String(live.metadata.resourceVersion ?? '');
      if (seen?.resourceVersion !== resourceVersion) seen = { resourceVersion, at: Date.now() };
      const holder = holderOf(live);
      if (holder.identity === '' || this.expired(live, seen.at) || this.gone(live)) {
        try {
          const lease = this.lease(key, app, env);
          lease.metadata.resourceVersion = resourceVersion;
          return this.held(key, await this.client.apply(lease, { fieldManager: this.fieldManager, force: true }));
        } catch (error) {
          if (error instanceof ModifiedError) continue;
          throw error;
        }
      }
      if (Date.now() >= deadline || options.signal?.aborted) {
        const waited = options.waitMs ? `; waited ${Math.round(options.waitMs / 1000)} s for it` : ': wait for it with --wait-for-lock <duration>, or try again when it is done';
        throw new LockedError(`app "${app}" in environment "${env}" is being synced by ${holder.identity} since ${holder.since} (Lease ${this.namespace}/${key.name}, renewed ${holder.renewed})${waited}`, holder);
      }
      if (!told) options.onWaiting?.(holder);
      told = true;
      await sleep(Math.max(1, Math.min(this.pollIntervalMs, deadline - Date.now())), options.signal);
    }
  }

  private held(key: ResourceKey, lease: Manifest): SyncLock {
    return new SyncLock(this.client, key, lease, {
      renewEveryMs: this.leaseDurationMs / 3,
      fieldManager: this.fieldManager,
      renewed: (at) => this.spec(at),
    });
  }

  private lease(key: ResourceKey, app: string, env: string): Manifest {
    const now = formatMicroTime(Date.now());
    return {
      apiVersion: leaseApiVersion,
      kind: 'Lease',
      metadata: {
        name: key.name,
        namespace: key.namespace,
        labels: { [labels.app]: app, [labels.env]: env },
        annotations: { [annotations.lockHost]: os.hostname(), [annotations.lockPid]: String(process.pid) },
      },
      spec: { holderIdentity: this.options.identity, leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000), acquireTime: now, renewTime: now },
    };
  }

  private spec(at: number): Record<string, unknown> {
    return { holderIdentity: this.options.identity, leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000), renewTime: formatMicroTime(at) };
  }

  /** Not renewed within its duration: since its renewTime, or since first seen when that is earlier. */
  private expired(live: Manifest, firstSeen: number): boolean {
    const spec = (live.spec ?? {}) as { renewTime?: unknown; leaseDurationSeconds?: unknown };
    const renewTime = typeof spec.renewTime === 'string' ? Date.parse(spec.renewTime) : Number.NaN;
    const renewed = Number.isNaN(renewTime) ? firstSeen : Math.min(renewTime, firstSeen);
    const duration = typeof spec.leaseDurationSeconds === 'number' && spec.leaseDurationSeconds > 0 ? spec.leaseDurationSeconds * 1000 : this.leaseDurationMs;
    return Date.now() - renewed > duration;
  }

  /** Held by a process of this host that no longer runs (killed): nobody will renew or release it. */
  private gone(live: Manifest): boolean {
    const host = live.metadata.annotations?.[annotations.lockHost];
    const pid = Number(live.metadata.annotations?.[annotations.lockPid]);
    if (host !== os.hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
    try {
      process.kill(pid, 0);
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ESRCH';
    }
  }

  private namespaceReady = false;

  private async ensureNamespace(): Promise<void> {
    if (this.namespaceReady) return;
    const key = { group: '', kind: 'Namespace', namespace: '', name: this.namespace };
    if (!(await this.client.get('v1', key))) await this.client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: this.namespace } }, { fieldManager: this.fieldManager });
    this.namespaceReady = true;
  }
}

/** A held lock: renewed until released. */
export class SyncLock {
  private current: Manifest;
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  private lostTo: string | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly key: ResourceKey,
    lease: Manifest,
    private readonly options: { renewEveryMs: number; fieldManager: string; renewed: (at: number) => Record<string, unknown> },
  ) {
    this.current = lease;
    this.timer = setInterval(() => void this.renew(), options.renewEveryMs);
    this.timer.unref();
  }

  /** Set when another process took the lock over (this one was not renewed in time). */
  get lost(): string | undefined {
    return this.lostTo;
  }

  private renew(): Promise<void> {
    this.renewing ??= (async () => {
      try {
        const lease: Manifest = {
          apiVersion: this.current.apiVersion,
          kind: 'Lease',
          metadata: { name: this.key.name, namespace: this.key.namespace, resourceVersion: this.current.metadata.resourceVersion },
          spec: this.options.renewed(Date.now()),
        };
        this.current = await this.client.apply(lease, { fieldManager: this.options.fieldManager, force: true });
      } catch (error) {
        if (error instanceof ModifiedError || error instanceof NotFoundError) {
          this.stop();
          this.lostTo = holderOf((await this.client.get(leaseApiVersion, this.key).catch(() => undefined)) ?? this.current).identity || 'another process';
        }
        // a renewal that failed otherwise is tried again at the next tick
      } finally {
        this.renewing = undefined;
      }
    })();
    return this.renewing;
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Gives the lock up (deletes the Lease this process last wrote); never throws. */
  async release(): Promise<void> {
    this.stop();
    await this.renewing;
    if (this.lostTo !== undefined) return;
    try {
      await this.client.delete(leaseApiVersion, this.key, { resourceVersion: String(this.current.metadata.resourceVersion ?? '') });
    } catch {
      // taken over meanwhile, or unreachable: the Lease expires on its own
    }
  }
}

function holderOf(lease: Manifest): LockHolder {
  const spec = (lease.spec ?? {}) as { holderIdentity?: unknown; acquireTime?: unknown; renewTime?: unknown };
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  return { identity: text(spec.holderIdentity), since: text(spec.acquireTime).replace(/\.\d+Z$/, 'Z'), renewed: text(spec.renewTime).replace(/\.\d+Z$/, 'Z') };
}

/** RFC 3339 with microseconds, as Lease times are written. */
function formatMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
