/**
 * An optional cost model: the sandbox answers a request no sooner than a real kube-apiserver
 * would, so benchmarks against it show times shaped like a real server's. It delays responses
 * only (a timer per response); the event loop keeps serving other requests and watches.
 *
 * A request of a class (`get`, `dry-run`, …) costs
 * - a latency floor: it is answered no sooner than `latencyMs` (+ `perItemMs` per object listed)
 *   after it arrived, however idle the server is (admission, etcd round trips, serialisation);
 * - work: `workMs` (+ `perItemMs` per object listed) of a server that does the work of `cores`
 *   requests at a time, in the order their answers are ready. That is the server's capacity:
 *   parallel clients gain until it is used up, and no more.
 * The answer goes out at the latest of: the sandbox's own answer, arrival + floor, end of the work.
 *
 * The `real` profile is fitted to a kube-apiserver v1.19 with etcd 3.4 on loopback, 2 cores, one
 * client with keep-alive (issue 13's measurements):
 *
 * | request | measured | model (latency floor / work on 2 cores) |
 * | --- | --- | --- |
 * | server-side apply that creates | ~800–1,300/s at 16 in flight; `kubectl apply --server-side` of 1,000 one at a time 7.0 s cold | 5.5 ms / 2.0 ms: 1,000/s at capacity |
 * | apply or update that changes nothing | `kubectl apply --server-side` of 1,000 unchanged one at a time 4.1 s | 3.0 ms / 1.6 ms |
 * | server-side dry-run apply (any dry-run write) | ~1,100–1,350/s at 16 in flight: nearly what an apply costs | 2.5 ms / 1.6 ms: 1,250/s at capacity |
 * | DELETE | `kubectl delete -f` of 1,000 one at a time 4.4 s, ~4–6 ms each (its wait included: a GET per object) | 3.0 ms / 1.1 ms (see below) |
 * | GET | ~1.1 ms | 1.1 ms / 0.5 ms |
 * | LIST | 1,000 ConfigMaps 16–38 ms | 1.0 ms + 0.025 ms per object, for both: 26 ms for 1,000 |
 * | discovery, OpenAPI | (not measured) | 1.0 ms / 0.2 ms |
 *
 * No parallel figure was measured for DELETE. Its work is the create's scaled by their measured
 * one-at-a-time latencies (3.0 / 5.5 × 2.0 ms = 1.1 ms): a delete reads the object and removes it
 * in one etcd transaction, and does none of the apply's merge, defaulting, validation or
 * admission, which is where a create's CPU goes (its dry-run, all of that without the etcd write,
 * costs 1.6 ms). Until 2026-12-07 a delete was charged a create's 2.0 ms, which every reading of
 * the figures above says is too dear; benchmarks of that time say so next to their figures.
 *
 * Watches, pod logs' streams, health checks and the sandbox's own `/sandbox/v1/*` endpoints are
 * not charged. A write is visible to watches and reads as soon as the sandbox has made it; only
 * its answer waits (a real server's watchers see it at the end of its latency instead).
 */

/** What a request is charged as. */
export type CostClass = 'discovery' | 'get' | 'list' | 'write' | 'unchanged-write' | 'dry-run' | 'delete';

export interface RequestCost {
  /** The least time from arrival to answer. */
  latencyMs: number;
  /** Time of one of the server's `cores` the request occupies. */
  workMs: number;
  /** Added to both, per object a list returns (or a delete-collection deletes). */
  perItemMs?: number;
}

export interface CostProfile {
  /** Named in messages and in `--cost`. */
  name: string;
  /** How many requests' work the server does at a time. */
  cores: number;
  costs: Record<CostClass, RequestCost>;
}

/** A kube-apiserver v1.19 with etcd 3.4 on loopback, 2 cores (see the table above). */
export const realCostProfile: CostProfile = {
  name: 'real',
  cores: 2,
  costs: {
    write: { latencyMs: 5.5, workMs: 2.0 },
    'unchanged-write': { latencyMs: 3.0, workMs: 1.6 },
    'dry-run': { latencyMs: 2.5, workMs: 1.6 },
    delete: { latencyMs: 3.0, workMs: 1.1 },
    get: { latencyMs: 1.1, workMs: 0.5 },
    list: { latencyMs: 1.0, workMs: 1.0, perItemMs: 0.025 },
    discovery: { latencyMs: 1.0, workMs: 0.2 },
  },
};

/** The profiles `--cost` names: `real`, or `off` for none. */
export const costProfiles: Readonly<Record<string, CostProfile | undefined>> = { real: realCostProfile, off: undefined };

/** The profile a `--cost` value names; an unknown name is an error naming the choices. */
export function parseCostSpec(spec: string): CostProfile | undefined {
  if (!Object.hasOwn(costProfiles, spec)) throw new Error(`unknown cost model "${spec}": use ${Object.keys(costProfiles).join(' or ')}`);
  return costProfiles[spec];
}

/**
 * Charges requests under a profile. `charge` says how long to hold a ready answer; it never
 * blocks. The clock is injectable for tests.
 */
export class CostModel {
  /** When each of the server's cores is free again, on the `now` clock. */
  private readonly freeAt: number[];

  constructor(
    readonly profile: CostProfile,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(profile.cores >= 1)) throw new Error(`cost model "${profile.name}": cores must be at least 1, got ${profile.cores}`);
    this.freeAt = new Array<number>(Math.floor(profile.cores)).fill(Number.NEGATIVE_INFINITY);
  }

  /** The clock's time now: what `charge` takes as the arrival of a request that starts now. */
  time(): number {
    return this.now();
  }

  /**
   * Charges one request of `cost` that arrived at `arrivedAt` and is ready to be answered now;
   * returns how many ms its answer must still wait (0: send it now).
   */
  charge(cost: CostClass, arrivedAt: number, items = 0): number {
    const { latencyMs, workMs, perItemMs = 0 } = this.profile.costs[cost];
    const extra = perItemMs * items;
    let core = 0;
    for (let i = 1; i < this.freeAt.length; i++) if (this.freeAt[i]! < this.freeAt[core]!) core = i;
    const done = Math.max(arrivedAt, this.freeAt[core]!) + workMs + extra;
    this.freeAt[core] = done;
    return Math.max(0, Math.max(arrivedAt + latencyMs + extra, done) - this.now());
  }
}
