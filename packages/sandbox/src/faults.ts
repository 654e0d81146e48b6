/** What an injected fault does to a request. */
export type FaultKind = 'error500' | 'error429' | 'timeout' | 'reset';

export interface FaultOptions {
  /** Share of requests (0..1) that fail. */
  rate: number;
  /** Which failures to draw from, uniformly; all of them when omitted. */
  kinds?: FaultKind[];
  /** How long a `timeout` fault holds the request before dropping it. */
  timeoutMs?: number;
  /** Only requests whose path starts with one of these fail (e.g. `/api`, `/apis`); default: resource paths only. */
  pathPrefixes?: string[];
  /** Deterministic draws for tests (a seed for a small PRNG); Math.random when omitted. */
  seed?: number;
}

export const allFaultKinds: FaultKind[] = ['error500', 'error429', 'timeout', 'reset'];

/**
 * Decides, per request, whether to inject a failure. Discovery, health and version endpoints are
 * left alone by default so a client can always connect; the faults hit the resource paths.
 */
export class FaultInjector {
  private options: FaultOptions = { rate: 0 };
  private state = 1;

  configure(options: FaultOptions): void {
    if (!(options.rate >= 0 && options.rate <= 1)) throw new Error(`fault rate must be between 0 and 1, got ${options.rate}`);
    for (const kind of options.kinds ?? []) {
      if (!allFaultKinds.includes(kind)) throw new Error(`unknown fault kind "${kind}": use one of ${allFaultKinds.join(', ')}`);
    }
    this.options = { ...options };
    this.state = options.seed ?? 1;
  }

  get current(): FaultOptions {
    return { ...this.options };
  }

  get timeoutMs(): number {
    return this.options.timeoutMs ?? 30_000;
  }

  /** The fault to inject for this request path, if any. */
  draw(path: string): FaultKind | undefined {
    const { rate, kinds, pathPrefixes, seed } = this.options;
    if (rate <= 0) return undefined;
    const prefixes = pathPrefixes ?? ['/api/', '/apis/'];
    if (!prefixes.some((p) => path.startsWith(p))) return undefined;
    if (pathPrefixes === undefined && isDiscovery(path)) return undefined;
    const roll = seed === undefined ? Math.random() : this.next();
    if (roll >= rate) return undefined;
    const pool = kinds && kinds.length > 0 ? kinds : allFaultKinds;
    const pick = seed === undefined ? Math.random() : this.next();
    return pool[Math.floor(pick * pool.length)];
  }

  /** mulberry32: small, fast, good enough to spread faults. */
  private next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/** Parses `--faults 500,429@0.1` style CLI input: kinds then `@rate`. */
export function parseFaultSpec(spec: string): FaultOptions {
  const [kindsPart, ratePart] = spec.includes('@') ? spec.split('@') : ['', spec];
  const rate = Number(ratePart);
  if (!Number.isFinite(rate)) throw new Error(`invalid fault spec "${spec}": expected e.g. "0.1" or "500,429,timeout,reset@0.1"`);
  const names: Record<string, FaultKind> = { '500': 'error500', '429': 'error429', timeout: 'timeout', reset: 'reset' };
  const kinds = kindsPart
    ? kindsPart.split(',').map((k) => {
        const kind = names[k.trim()];
        if (!kind) throw new Error(`invalid fault kind "${k}" in "${spec}": use 500, 429, timeout or reset`);
        return kind;
      })
    : undefined;
  return { rate, kinds };
}

/** `/api`, `/api/v1`, `/apis`, `/apis/<group>`, `/apis/<group>/<version>`: what a client needs to connect at all. */
function isDiscovery(path: string): boolean {
  return /^\/api(\/[^/]+)?\/?$/.test(path) || /^\/apis(\/[^/]+){0,2}\/?$/.test(path);
}
