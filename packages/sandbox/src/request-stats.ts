/**
 * What the sandbox was asked, for tests and benchmarks: requests by verb and the most that were
 * in flight at once, in total and per client (the first word of its User-Agent: `capstan`,
 * `kubectl`), since the sandbox started or the counts were last reset.
 *
 * Verbs: `discovery` (version, API groups and resources, OpenAPI), `get` (pod logs included),
 * `list`, `watch`, `create` (POST), `update` (PUT), `apply` (PATCH with a server-side apply
 * body), `patch` (any other PATCH), `delete`, `deletecollection`, and `dry-run <verb>` for the
 * writes sent with `dryRun=All` (`dry-run apply`, `dry-run create`, …).
 */
export interface RequestCounts {
  requests: Record<string, number>;
  /** The most requests in flight at once (watches left out: they stay open). */
  maxInFlight: number;
  /** The most requests of each verb in flight at once. */
  maxInFlightByVerb: Record<string, number>;
}

/** Counters for tests and benchmarks (`GET /sandbox/v1/stats`, `sandbox.stats()`). */
export interface SandboxStats extends RequestCounts {
  /** Objects stored (created, changed, deleted), the sandbox's own controllers' writes included; never reset. */
  writes: number;
  /** Requests in flight now. */
  inFlight: number;
  /** The same counts per client, by the first word of its User-Agent (`unknown` without one). */
  clients: Record<string, RequestCounts>;
}

interface Tally extends RequestCounts {
  inFlight: number;
  inFlightByVerb: Record<string, number>;
}

function tally(): Tally {
  return { requests: {}, maxInFlight: 0, maxInFlightByVerb: {}, inFlight: 0, inFlightByVerb: {} };
}

/** The client a User-Agent names: `kubectl/v1.32.4 (linux/amd64) kubernetes/…` is `kubectl`. */
export function clientOf(userAgent: string | undefined): string {
  const word = (userAgent ?? '').trim().split(/[\s/]/, 1)[0];
  return word || 'unknown';
}

export class RequestStats {
  writes = 0;
  private total = tally();
  private clients = new Map<string, Tally>();

  /** Counts a request of `verb` from `userAgent`; the returned function ends it (call it once, when the answer is gone). */
  begin(verb: string, userAgent: string | undefined): () => void {
    const name = clientOf(userAgent);
    let client = this.clients.get(name);
    if (!client) this.clients.set(name, (client = tally()));
    const tallies = [this.total, client];
    const counted = verb !== 'watch';
    for (const t of tallies) {
      t.requests[verb] = (t.requests[verb] ?? 0) + 1;
      if (!counted) continue;
      t.inFlight++;
      t.maxInFlight = Math.max(t.maxInFlight, t.inFlight);
      const now = (t.inFlightByVerb[verb] ?? 0) + 1;
      t.inFlightByVerb[verb] = now;
      t.maxInFlightByVerb[verb] = Math.max(t.maxInFlightByVerb[verb] ?? 0, now);
    }
    let ended = !counted;
    return () => {
      if (ended) return;
      ended = true;
      for (const t of tallies) {
        t.inFlight--;
        t.inFlightByVerb[verb]!--;
      }
    };
  }

  /**
   * Starts counting afresh: requests and maxima from zero (the maxima from what is in flight now);
   * `writes` keeps counting.
   */
  reset(): void {
    const restart = (t: Tally): void => {
      t.requests = {};
      t.maxInFlight = t.inFlight;
      t.maxInFlightByVerb = Object.fromEntries(Object.entries(t.inFlightByVerb).filter(([, n]) => n > 0));
    };
    restart(this.total);
    for (const [name, client] of this.clients) {
      if (client.inFlight === 0) this.clients.delete(name);
      else restart(client);
    }
  }

  snapshot(): SandboxStats {
    const counts = (t: Tally): RequestCounts => ({ requests: { ...t.requests }, maxInFlight: t.maxInFlight, maxInFlightByVerb: { ...t.maxInFlightByVerb } });
    return {
      ...counts(this.total),
      writes: this.writes,
      inFlight: this.total.inFlight,
      clients: Object.fromEntries([...this.clients].filter(([, t]) => Object.keys(t.requests).length > 0).map(([name, t]) => [name, counts(t)])),
    };
  }
}
