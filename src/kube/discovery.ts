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

  /**
   * Group version resource lists read on their own, by apiVersion, while no full pass has run: a
   * lookup then costs one request (`/api/v1`), not one per group version the server has (14 on
   * the sandbox, dozens on a real cluster), each opening a connection of its own at a sync's start.
   */
  private readonly lists = new Map<string, Promise<Map<string, ResourceInfo> | undefined>>();

  invalidate(): void {
    this.snapshot = undefined;
    this.lists.clear();
    this.invalidatedAt = ++this.clock;
  }

  async resources(): Promise<ResourceInfo[]> {
    return (await this.current()).all;
  }

  async resourceFor(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    const asked = ++this.clock;
    const key = `${apiVersion}|${kind}`;
    if (!this.snapshot && GROUP_VERSION.test(apiVersion)) {
      // the group version's own list answers a hit; a kind it does not list (or a list that could
      // not be read) is left to a full pass below, which may be newer (a CRD just established)
      const hit = (await this.groupVersion(apiVersion).catch(() => undefined))?.get(kind);
      if (hit) return hit;
    }
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

  private groupVersion(apiVersion: string): Promise<Map<string, ResourceInfo> | undefined> {
    let list = this.lists.get(apiVersion);
    if (!list) {
      const slash = apiVersion.indexOf('/');
      const gv = slash < 0 ? { group: '', version: apiVersion, path: `/api/${apiVersion}` } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1), path: `/apis/${apiVersion}` };
      const loading = this.fetch<ApiResourceList>(gv.path).then((resources) => {
        const kinds = new Map<string, ResourceInfo>();
        for (const info of resourceInfos(gv, resources)) if (!kinds.has(info.kind)) kinds.set(info.kind, info);
        return kinds;
      });
      // a failed read is not kept: the next lookup tries again
      loading.catch(() => {
        if (this.lists.get(apiVersion) === loading) this.lists.delete(apiVersion);
      });
      this.lists.set(apiVersion, loading);
      list = loading;
    }
    return list;
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
      const apiVersion = gv.group ? `${gv.group}/${gv.version}` : gv.version;
      for (const info of resourceInfos(gv, lists[i])) {
        // the first resource of a kind wins: a kind is served by one resource per group version
        if (!byKey.has(`${apiVersion}|${info.kind}`)) {
          byKey.set(`${apiVersion}|${info.kind}`, info);
          all.push(info);
        }
      }
    });
    return { byKey, all, failed, startedAt };
  }
}

/** A group version as an apiVersion names it (`v1`, `apps/v1`, `example.com/v1beta2`); anything else is left to a full pass. */
const GROUP_VERSION = /^(?:[a-z0-9]([a-z0-9.-]*[a-z0-9])?\/)?v[0-9]+(?:(?:alpha|beta)[0-9]+)?$/;

/** The resources of one group version's list, in order, with their subresources; not the subresources themselves. */
function resourceInfos(gv: { group: string; version: string }, list: ApiResourceList | undefined): ResourceInfo[] {
  const resources = list?.resources ?? [];
  const byResource = new Map<string, ResourceInfo>();
  const infos: ResourceInfo[] = [];
  for (const r of resources) {
    if (r.name.includes('/')) continue;
    const info: ResourceInfo = { group: gv.group, version: gv.version, kind: r.kind, resource: r.name, namespaced: r.namespaced, verbs: r.verbs ?? [], subresources: [] };
    byResource.set(r.name, info);
    infos.push(info);
  }
  for (const r of resources) {
    const slash = r.name.indexOf('/');
    if (slash < 0) continue;
    const parent = byResource.get(r.name.slice(0, slash));
    const sub = r.name.slice(slash + 1);
    if (parent && !parent.subresources.includes(sub)) parent.subresources.push(sub);
  }
  return infos;
}
