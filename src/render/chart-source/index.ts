/**
 * Charts from where teams keep them: an HTTP chart repository (`index.yaml`) or an OCI registry.
 * capstan fetches the chart archive itself, checks it, and keeps it in a content-addressed cache;
 * helm only ever reads a local chart and never touches the network.
 */
import { checkChartRepository, parseVersionConstraint, ValidationError, type VersionConstraint } from '../../core/index.ts';
import { ChartCache, defaultChartCacheDir } from './chart-cache.ts';
import { describeCredentials, readCredentials, type BasicCredentials } from './credentials.ts';
import { fetchFromHttpRepository } from './http-repository.ts';
import { fetchFromOciRegistry } from './oci-registry.ts';
import type { SourceContext } from './source-context.ts';

export { defaultChartCacheDir } from './chart-cache.ts';
export { checkChartArchive, extractChart, type CheckedChart } from './chart-archive.ts';
export { describeCredentials } from './credentials.ts';

/** Where a chart repository's username and password are read from: never the config repo. */
export type ChartCredentials =
  /** A JSON file `{"username": "…", "password": "…"}` on the host capstan runs on (absolute path). */
  | { file: string }
  /** A Secret in capstan's own namespace with the keys `username` and `password`. */
  | { secret: string };

export interface ChartRequest {
  /** `https://charts.example.com` (HTTP chart repository) or `oci://registry.example.com/charts`. */
  repository: string;
  name: string;
  /** An exact version (`1.2.3`) or a Helm version range (`^1.2`, `>=1.0, <2.0`). */
  version: string;
  credentials?: ChartCredentials;
  /** Whose chart this is, for messages: `app web (environment prod)`. */
  requestedBy?: string;
  /** An OCI registry on plain http (a loopback registry always is). */
  plainHttp?: boolean;
}

export interface ChartFetchOptions {
  /** Where chart archives are kept (created 0700); default `$XDG_CACHE_HOME/capstan/charts` or `~/.cache/capstan/charts`. */
  cacheDir?: string;
  /**
   * The repositories charts may come from, set by whoever runs capstan (never the config repo):
   * URL prefixes such as `https://charts.example.com/` or `oci://registry.example.com/team/`. A
   * chart or dependency from any other repository is refused before a request is made, so a
   * committer cannot make capstan fetch from a host of their choosing. Undefined or empty: any.
   */
  allowedRepositories?: readonly string[];
  /** Reads a Secret of capstan's namespace as decoded key → value; undefined when it does not exist. */
  readSecret?: (name: string) => Promise<Record<string, string> | undefined>;
  /** The fetch used for every request (tests); default the global fetch. */
  fetch?: typeof globalThis.fetch;
  /** The clock for the index TTL (tests); default `Date.now`. */
  now?: () => number;
  /** How long a repository's index.yaml is used before it is read again; default 5 minutes. */
  indexTtlMs?: number;
  /** How long each request may take; default 60 s. */
  timeoutMs?: number;
  /** The largest index.yaml read; default 50 MB. */
  maxIndexBytes?: number;
  /** The largest chart archive downloaded; default 20 MB. */
  maxChartBytes?: number;
}

export interface FetchedChart {
  /** Absolute path of the verified chart archive (.tgz) in the cache. */
  archive: string;
  name: string;
  /** The exact version chosen. */
  version: string;
  /** `sha256:<hex>` of the archive. */
  digest: string;
}

export const defaultIndexTtlMs = 5 * 60_000;

/** Whether a chart version is a range (its render may change without a commit, until the index TTL has passed). */
export function isVersionRange(version: string): boolean {
  try {
    return parseVersionConstraint(version).exact === undefined;
  } catch {
    return false;
  }
}

/** A repository URL as shown in messages: a username or password in it is replaced by `***`. */
export function showRepository(repository: string): string {
  try {
    const url = new URL(repository);
    if (!url.username && !url.password) return repository;
    url.username = '***';
    url.password = '';
    return url.href;
  } catch {
    return repository.replace(/\/\/[^/@]*@/, '//***@');
  }
}

/**
 * Fetches a chart archive into the cache (or finds it there) and returns its path: the highest
 * version the range allows (an exact version already cached needs no network), checked against the
 * repository's digest and refused when any entry is a link or leaves its folder.
 */
export async function fetchChart(request: ChartRequest, options: ChartFetchOptions = {}): Promise<FetchedChart> {
  const shown = `chart ${request.name} ${request.version} from ${showRepository(request.repository)}`;
  const what = request.requestedBy ? `${request.requestedBy}: ${shown}` : shown;
  const problem = checkChartRepository(request.repository);
  if (problem !== undefined) throw new ValidationError(`${what}: the repository ${problem}`);
  const allowed = options.allowedRepositories ?? [];
  if (allowed.length > 0 && !allowed.some((prefix) => isUnder(request.repository, prefix))) {
    throw new ValidationError(
      `${what}: the repository is not one capstan may fetch charts from (allowed: ${allowed.join(', ')}): whoever runs capstan adds it to --chart-repositories or CAPSTAN_CHART_REPOSITORIES, or vendor the chart into the config repo`,
    );
  }
  let constraint: VersionConstraint;
  try {
    constraint = parseVersionConstraint(request.version);
  } catch (error) {
    throw new ValidationError(`${what}: the version ${(error as Error).message}`);
  }
  let credentials: Promise<BasicCredentials> | undefined;
  const context: SourceContext = {
    request,
    constraint,
    what,
    fetch: options.fetch ?? globalThis.fetch,
    cache: new ChartCache(options.cacheDir ?? defaultChartCacheDir()),
    credentials: () => {
      if (request.credentials === undefined) return Promise.resolve(undefined);
      credentials ??= readCredentials(request.credentials, options);
      return credentials;
    },
    ...(request.credentials ? { credentialsFrom: describeCredentials(request.credentials) } : {}),
    timeoutMs: options.timeoutMs ?? 60_000,
    now: options.now ?? Date.now,
    indexTtlMs: options.indexTtlMs ?? defaultIndexTtlMs,
    maxIndexBytes: options.maxIndexBytes ?? 50 * 1024 * 1024,
    maxChartBytes: options.maxChartBytes ?? 20 * 1024 * 1024,
  };
  return request.repository.startsWith('oci://') ? fetchFromOciRegistry(context) : fetchFromHttpRepository(context);
}

/** Whether a repository URL is the prefix or below it, at a path boundary (`https://a.example/x` is not under `https://a.example/xy`). */
function isUnder(repository: string, prefix: string): boolean {
  const base = prefix.replace(/\/+$/, '');
  const url = repository.replace(/\/+$/, '');
  return url === base || url.startsWith(`${base}/`);
}
