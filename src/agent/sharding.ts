import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { CapstanError, ValidationError, type Manifest, type ResourceKey } from '../core/index.ts';
import { appId, type AppRef, type ShardCoordinatorApi, type ShardCoordinatorOptions } from './types.ts';

/** Label every Lease of a group carries, with the group's name (to list the group's Leases). */
export const agentGroupLabel = 'capstan.dev/agent-group';
/** Field manager of the Lease applies. */
export const shardFieldManager = 'capstan-agent';
export const defaultShardNamespace = 'capstan-system';
export const defaultShardGroup = 'capstan-agent';
export const defaultLeaseDurationMs = 15_000;

const leaseApiVersion = 'coordination.k8s.io/v1';
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * `MicroTime` as the API server reads and writes it: RFC 3339 in UTC with exactly six fractional
 * digits (Go layout `2006-01-02T15:04:05.000000Z07:00`, metav1.RFC3339Micro). A JavaScript Date
 * has milliseconds, so the last three digits are zeros.
 */
export function formatMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * Rendezvous (highest random weight) hashing: the member with the highest sha256(`member|app/env`)
 * owns the app; '' when there are no members. Adding or removing a member moves only the apps
 * that member wins or held. Ties (practically impossible) go to the smaller name, so every
 * replica with the same member list computes the same owner.
 */
export function rendezvousOwner(members: readonly string[], id: string): string {
  let best = '';
  let bestWeight = '';
  for (const member of members) {
    const weight = createHash('sha256').update(`${member}|${id}`).digest('hex');
    if (best === '' || weight > bestWeight || (weight === bestWeight && member < best)) {
      best = member;
      bestWeight = weight;
    }
  }
  return best;
}

/** What this replica last saw of another member's Lease. */
interface ObservedLease {
  renewTime: string;
  durationMs: number;
  /** The renewal, on this process's monotonic clock (`performance.now()`). */
  renewedAt: number;
}

/**
 * Splits apps between agent replicas through Kubernetes Lease objects.
 *
 * Each replica server-side applies its own Lease `<group>-<identity>` (field manager
 * `capstan-agent`) every leaseDuration/3 and, at the same time, lists the group's Leases (label
 * `capstan.dev/agent-group=<group>`); each of the two is skipped while its previous one is still
 * in flight, apart from the other. The live members share the apps by rendezvous hashing of
 * `app/env`; `stop()` deletes the Lease so the others take over on their next tick, a replica that
 * dies without it loses its apps once its Lease expires.
 *
 * Liveness and clock skew: another member's renewal is dated on this replica's own monotonic clock,
 * as client-go's leader election does: when a list shows a renewTime that differs from the one seen
 * before, the renewal is taken to have happened at that observation; the member is live until
 * `leaseDurationSeconds` after it. Only the first sighting of a Lease (at start, or a member that
 * just joined) uses the renewTime it carries, clamped to now, so a clock ahead of ours never
 * extends a Lease; a clock behind ours by more than the lease duration makes that member look
 * expired until its next renewal is observed (at most one tick later).
 *
 * Self-fencing: this replica counts itself a member only while its last successful renewal was
 * *sent* less than leaseDurationMs ago (monotonic clock, checked on every `owns()`, `ownerOf()` and
 * `members()` call). Failed renewals are retried on the next tick, so two failed ticks in a row
 * (after the client's own retries) are tolerated and a third fences the replica until a renewal
 * succeeds again. Because the others date that
 * same renewal no earlier than the server stored it, and its Lease says
 * `leaseDurationSeconds = ceil(leaseDurationMs / 1000)`, a replica cut off from the API server
 * stops owning its apps before anyone else starts owning them. Two replicas can believe they own
 * the same app at once only for the few milliseconds two views need to converge after a join,
 * a leave or a stop (each replica's next tick: at most leaseDuration/3 plus one list), or for at
 * most the clock skew between them when the first sighting of a Lease is the one that expires.
 *
 * The client's per-request timeout and retry budget should fit well inside the renew interval,
 * or a slow renewal holds the next one back (a renewal is skipped while one is in flight).
 */
export class ShardCoordinator implements ShardCoordinatorApi {
  readonly identity: string;
  readonly namespace: string;
  readonly group: string;
  readonly leaseName: string;
  readonly leaseDurationMs: number;
  private readonly client: ShardCoordinatorOptions['client'];
  private readonly leaseDurationSeconds: number;
  private readonly listeners = new Set<() => void>();
  private readonly observed = new Map<string, ObservedLease>();
  private state: 'new' | 'starting' | 'running' | 'stopped' = 'new';
  private timer: ReturnType<typeof setInterval> | undefined;
  /** The renewal and the list in flight, each on its own: a slow list never holds a renewal back. */
  private renewing: Promise<void> | undefined;
  private listing: Promise<void> | undefined;
  private readonly failures = new Map<'renew' | 'list', unknown>();
  private acquireTime = '';
  /** When the last successful renewal was sent (monotonic clock); undefined before the first. */
  private renewedAt: number | undefined;
  private lastMembers = '';
  private assignmentKey = '';
  private readonly assignment = new Map<string, string>();
  /** The last renewal failure, else the last list failure, kept for diagnostics (each cleared by its next success). */
  lastError: unknown;

  constructor(options: ShardCoordinatorOptions) {
    this.client = options.client;
    this.identity = options.identity ?? defaultIdentity();
    this.namespace = options.namespace ?? defaultShardNamespace;
    this.group = options.group ?? defaultShardGroup;
    this.leaseDurationMs = options.leaseDurationMs ?? defaultLeaseDurationMs;
    this.leaseName = `${this.group}-${this.identity}`;
    const subject = `ShardCoordinator ${this.identity}`;
    if (!(Number.isFinite(this.leaseDurationMs) && this.leaseDurationMs > 0)) {
      throw new ValidationError(`leaseDurationMs must be a positive number of milliseconds, got ${this.leaseDurationMs}`, { subject });
    }
    if (!(this.group.length <= 63 && labelValue.test(this.group) && this.group !== '')) {
      throw new ValidationError(`group "${this.group}" must be a valid label value (at most 63 characters: letters, digits, '-', '_', '.', starting and ending with a letter or digit)`, { subject });
    }
    if (!(this.leaseName.length <= 253 && dns1123Subdomain.test(this.leaseName))) {
      throw new ValidationError(
        `Lease name "${this.leaseName}" (<group>-<identity>) must be a lowercase RFC 1123 subdomain of at most 253 characters: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit`,
        { subject },
      );
    }
    if (!(this.namespace.length <= 63 && dns1123Label.test(this.namespace))) {
      throw new ValidationError(`namespace "${this.namespace}" must be a lowercase RFC 1123 label of at most 63 characters`, { subject });
    }
    // Lease validation: leaseDurationSeconds must be greater than 0 (an int32)
    this.leaseDurationSeconds = Math.max(1, Math.ceil(this.leaseDurationMs / 1000));
  }

  private get key(): ResourceKey {
    return { group: 'coordination.k8s.io', kind: 'Lease', namespace: this.namespace, name: this.leaseName };
  }

  private get renewIntervalMs(): number {
    return Math.max(1, Math.floor(this.leaseDurationMs / 3));
  }

  owns(ref: AppRef): boolean {
    return this.isLive() && this.ownerOf(ref) === this.identity;
  }

  ownerOf(ref: AppRef): string {
    const members = this.members();
    const key = members.join('\n');
    if (key !== this.assignmentKey) {
      this.assignment.clear();
      this.assignmentKey = key;
    }
    const id = appId(ref);
    let owner = this.assignment.get(id);
    if (owner === undefined) {
      owner = rendezvousOwner(members, id);
      this.assignment.set(id, owner);
    }
    return owner;
  }

  members(): string[] {
    if (this.state !== 'running') return [];
    const now = performance.now();
    const live = new Set<string>();
    for (const [holder, lease] of this.observed) {
      if (holder !== this.identity && now < lease.renewedAt + lease.durationMs) live.add(holder);
    }
    if (this.isLive(now)) live.add(this.identity);
    return [...live].sort();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Creates (or takes back) this replica's Lease and reads the group's, then renews every third of
   * the lease duration. Rejects, leaving nothing running, when the first renewal or list fails.
   */
  async start(): Promise<void> {
    if (this.state === 'running' || this.state === 'starting') return;
    if (this.state === 'stopped') throw new CapstanError('cannot start again after stop(): create a new ShardCoordinator', { subject: `Lease/${this.namespace}/${this.leaseName}` });
    this.state = 'starting';
    try {
      await this.ensureNamespace();
      this.acquireTime = formatMicroTime(Date.now());
      await this.renew();
      try {
        await this.refresh();
      } catch (error) {
        await this.client.delete(leaseApiVersion, this.key).catch(() => false);
        throw error;
      }
    } catch (error) {
      this.state = 'new';
      this.renewedAt = undefined;
      throw error;
    }
    this.state = 'running';
    this.lastMembers = this.members().join('\n');
    this.timer = setInterval(() => this.tick(), this.renewIntervalMs);
    this.timer.unref();
  }

  /**
   * Stops renewing and deletes this replica's Lease, so the others take the apps over on their next
   * tick. A delete that fails (after the client's retries) is not reported: the Lease then expires.
   */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    const wasRunning = this.state === 'running';
    this.state = 'stopped';
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    // a renewal still in flight would recreate the Lease after the delete
    await Promise.allSettled([this.renewing, this.listing]);
    this.renewedAt = undefined;
    this.observed.clear();
    if (wasRunning) {
      try {
        await this.client.delete(leaseApiVersion, this.key);
      } catch (error) {
        this.lastError = error;
      }
    }
  }

  private isLive(now = performance.now()): boolean {
    return this.state === 'running' && this.renewedAt !== undefined && now - this.renewedAt < this.leaseDurationMs;
  }

  /**
   * Starts a renewal and a list, each unless its previous one is still in flight. They run apart
   * so that a list held up by a slow or failing API call (one timed-out attempt plus retries) does
   * not delay the renewal behind it, which is what keeps this replica a member.
   */
  private tick(): void {
    if (this.state !== 'running') return;
    this.renewing ??= this.track('renew', () => this.renew()).finally(() => (this.renewing = undefined));
    this.listing ??= this.track('list', () => this.refresh()).finally(() => (this.listing = undefined));
    this.checkMembers();
  }

  /** Runs a renewal or a list; its failure is kept (and retried on the next tick), its success clears it. */
  private async track(work: 'renew' | 'list', run: () => Promise<void>): Promise<void> {
    try {
      await run();
      this.failures.delete(work);
    } catch (error) {
      this.failures.set(work, error);
    }
    this.lastError = this.failures.get('renew') ?? this.failures.get('list');
    this.checkMembers();
  }

  private checkMembers(): void {
    if (this.state !== 'running') return;
    const current = this.members().join('\n');
    if (current === this.lastMembers) return;
    this.lastMembers = current;
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch {
        // a listener's failure is its own; the others are still told
      }
    }
  }

  private lease(): Manifest {
    return {
      apiVersion: leaseApiVersion,
      kind: 'Lease',
      metadata: { name: this.leaseName, namespace: this.namespace, labels: { [agentGroupLabel]: this.group } },
      spec: {
        holderIdentity: this.identity,
        leaseDurationSeconds: this.leaseDurationSeconds,
        acquireTime: this.acquireTime,
        renewTime: formatMicroTime(Date.now()),
      },
    };
  }

  private async renew(): Promise<void> {
    const sentAt = performance.now();
    // force: the Lease is this replica's alone; take it back from any other manager
    await this.client.apply(this.lease(), { fieldManager: shardFieldManager, force: true });
    if (this.state === 'stopped') return;
    if (this.renewedAt === undefined || sentAt > this.renewedAt) this.renewedAt = sentAt;
  }

  private async refresh(): Promise<void> {
    const { items } = await this.client.list(leaseApiVersion, 'Lease', { namespace: this.namespace, labelSelector: `${agentGroupLabel}=${this.group}` });
    if (this.state === 'stopped') return;
    const now = performance.now();
    const wallNow = Date.now();
    const current = new Map<string, { renewTime: string; renewWall: number; durationMs: number }>();
    for (const item of items) {
      const spec = (item.spec ?? {}) as { holderIdentity?: unknown; leaseDurationSeconds?: unknown; renewTime?: unknown };
      const { holderIdentity: holder, leaseDurationSeconds: seconds, renewTime } = spec;
      if (typeof holder !== 'string' || holder === '' || typeof seconds !== 'number' || !(seconds > 0) || typeof renewTime !== 'string') continue;
      const renewWall = Date.parse(renewTime);
      if (!Number.isFinite(renewWall)) continue;
      // two Leases naming the same holder (a misconfiguration): the later renewal counts
      const other = current.get(holder);
      if (other && other.renewWall >= renewWall) continue;
      current.set(holder, { renewTime, renewWall, durationMs: seconds * 1000 });
    }
    for (const [holder, lease] of current) {
      const before = this.observed.get(holder);
      if (before && before.renewTime === lease.renewTime) {
        before.durationMs = lease.durationMs;
        continue;
      }
      // a renewal seen change is dated now (our clock); a first sighting by its renewTime, never later than now
      const renewedAt = before ? now : now - Math.max(0, wallNow - lease.renewWall);
      this.observed.set(holder, { renewTime: lease.renewTime, durationMs: lease.durationMs, renewedAt });
    }
    const seen = current;
    for (const holder of [...this.observed.keys()]) if (!seen.has(holder)) this.observed.delete(holder);
  }

  /** The Leases' namespace, created when missing (like the inventory's); a refusal is left to the Lease apply to report. */
  private async ensureNamespace(): Promise<void> {
    try {
      if (await this.client.get('v1', { group: '', kind: 'Namespace', namespace: '', name: this.namespace })) return;
      await this.client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: this.namespace } }, { fieldManager: shardFieldManager });
    } catch {
      // no right to read or create namespaces: the namespace may exist all the same
    }
  }
}

/** hostname (made a valid name) plus a random suffix, e.g. `agent-7d9f-2b4c1e`. */
function defaultIdentity(): string {
  const host =
    hostname()
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 50)
      .replace(/-+$/, '') || 'agent';
  return `${host}-${randomBytes(3).toString('hex')}`;
}
