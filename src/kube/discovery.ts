import { TransientError } from '../core/index.ts';
import type { ResourceInfo } from './types.ts';

interface ApiResource {
  name: string;
  namespaced: boolean;
  kind: string;
  verbs?: string[];
}

interface ApiResourceList {
  groupVersion?: string;
  resources?: ApiResource[];
}

interface ApiGroupList {
  groups?: { name: string; versions?: { groupVersion: string; version: string }[] }[];
}

/** GETs a discovery document; undefined on 404 (a group version that went away between /apis and its list). */
export type DiscoveryFetch = <T>(path: string) => Promise<T | undefined>;

interface Snapshot {
  byKey: Map<string, ResourceInfo>;
  all: ResourceInfo[];
  /** Group versions whose resource list could not be read (an unavailable aggregated API such as metrics.k8s.io). */
  failed: Map<string, unknown>;
  startedAt: number;
}

/**
 * The kinds a server serves, from `/api`, `/apis` and every group version's resource list (read
 * in parallel). Cached until invalidated; a lookup that misses refreshes once, because a CRD may
 * just have been established.
 */
export class Discovery {
  private snapshot: Snapshot | undefined;
  private loading: Promise<Snapshot> | undefined;
  private loadingStartedAt = 0;
  /** A logical clock ordering lookups and discovery passes (milliseconds are too coarse). */
  private clock = 0;
  private invalidatedAt = 0;

  constructor(private readonly fetch: DiscoveryFetch) {}

  invalidate(): void {
    this.snapshot = undefined;
    this.invalidatedAt = ++this.clock;
  }

  async resources(): Promise<ResourceInfo[]> {
    return (await this.current()).all;
  }

  async resourceFor(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    const asked = ++this.clock;
    const key = `${apiVersion}|${kind}`;
    let snapshot = await this.current();
    const hit = snapshot.byKey.get(key);
    if (hit) return hit;
    // refresh once, with a pass that started after this miss (a pass already running may predate the CRD)
    if (snapshot.startedAt < asked) snapshot = await this.refresh(asked);
    const found = snapshot.byKey.get(key);
    if (found) return found;
    const failure = snapshot.failed.get(apiVersion);
    if (failure !== undefined) {
      throw new TransientError(`discovery of ${apiVersion} failed, so whether it serves ${kind} is unknown: ${(failure as Error).message ?? String(failure)}`, { cause: failure });
    }
    return undefined;
  }

  private current(): Promise<Snapshot> {
    if (this.snapshot) return Promise.resolve(this.snapshot);
    return this.refresh(this.invalidatedAt);
  }

  /** A discovery pass that started after `notBefore`: joins the running one if it qualifies. */
  private refresh(notBefore: number): Promise<Snapshot> {
    if (this.loading && this.loadingStartedAt > notBefore) return this.loading;
    const startedAt = ++this.clock;
    const loading = this.load(startedAt).then(
      (snapshot) => {
        if (this.loading === loading) this.loading = undefined;
        if (snapshot.startedAt > this.invalidatedAt && (!this.snapshot || this.snapshot.startedAt < snapshot.startedAt)) this.snapshot = snapshot;
        return snapshot;
      },
      (error: unknown) => {
        if (this.loading === loading) this.loading = undefined;
        throw error;
      },
    );
    this.loading = loading;
    this.loadingStartedAt = startedAt;
    return loading;
  }

  private async load(startedAt: number): Promise<Snapshot> {
    const [core, groups] = await Promise.all([this.fetch<{ versions?: string[] }>('/api'), this.fetch<ApiGroupList>('/apis')]);
    const groupVersions: { group: string; version: string; path: string }[] = [];
    for (const version of core?.versions ?? []) groupVersions.push({ group: '', version, path: `/api/${version}` });
    for (const group of groups?.groups ?? []) {
      for (const v of group.versions ?? []) groupVersions.push({ group: group.name, version: v.version, path: `/apis/${v.groupVersion}` });
    }
    const failed = new Map<string, unknown>();
    const lists = await Promise.all(
      groupVersions.map((gv) =>
        this.fetch<ApiResourceList>(gv.path).catch((error: unknown) => {
          // one broken aggregated API must not hide every other kind (kubectl warns and goes on too)
          failed.set(gv.group ? `${gv.group}/${gv.version}` : gv.version, error);
          return undefined;
        }),
      ),
    );
    const byKey = new Map<string, ResourceInfo>();
    const all: ResourceInfo[] = [];
    groupVersions.forEach((gv, i) => {
      const resources = lists[i]?.resources ?? [];
      const byResource = new Map<string, ResourceInfo>();
      for (const r of resources) {
        if (r.name.includes('/')) continue;
        const info: ResourceInfo = { group: gv.group, version: gv.version, kind: r.kind, resource: r.name, namespaced: r.namespaced, verbs: r.verbs ?? [], subresources: [] };
        byResource.set(r.name, info);
        const apiVersion = gv.group ? `${gv.group}/${gv.version}` : gv.version;
        // the first resource of a kind wins: a kind is served by one resource per group version
        if (!byKey.has(`${apiVersion}|${r.kind}`)) {
          byKey.set(`${apiVersion}|${r.kind}`, info);
          all.push(info);
        }
      }
      for (const r of resources) {
        const slash = r.name.indexOf('/');
        if (slash < 0) continue;
        const parent = byResource.get(r.name.slice(0, slash));
        const sub = r.name.slice(slash + 1);
        if (parent && !parent.subresources.includes(sub)) parent.subresources.push(sub);
      }
    });
    return { byKey, all, failed, startedAt };
  }
}
