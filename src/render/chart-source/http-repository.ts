/**
 * A classic Helm chart repository: `<repository>/index.yaml` lists each chart's versions with the
 * URLs of their archives and sha256 digests. The index is kept in memory for a while (`indexTtlMs`);
 * archives are kept on disk by digest.
 */
import jsYaml from 'js-yaml';
import { canonicalVersion, newestVersions, NotFoundError, pickVersion, TransientError, ValidationError } from '../../core/index.ts';
import { checkChartArchive } from './chart-archive.ts';
import { sha256 } from './chart-cache.ts';
import { basicAuthorization } from './credentials.ts';
import { httpGet, showUrl } from './http-get.ts';
import type { FetchedChart } from './index.ts';
import { accessAdvice, type SourceContext } from './source-context.ts';

interface IndexEntry {
  version: string;
  urls: string[];
  digest?: string;
}

interface CachedIndex {
  at: number;
  charts: Map<string, IndexEntry[]>;
}

/** Indexes read, by cache directory, repository and credentials source. */
const indexes = new Map<string, CachedIndex>();

/** The repository URL with one trailing slash, so relative URLs resolve beneath it. */
function repositoryBase(repository: string): URL {
  const url = new URL(repository);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

export async function fetchFromHttpRepository(context: SourceContext): Promise<FetchedChart> {
  const { request, constraint, cache } = context;
  const base = repositoryBase(request.repository);
  const refKey = (version: string): string => `http ${base.href} ${request.name} ${version}`;
  if (constraint.exact !== undefined) {
    const cached = await cache.lookup(refKey(constraint.exact));
    if (cached) return { archive: cached.archive, name: request.name, version: constraint.exact, digest: `sha256:${cached.hex}` };
  }
  const charts = await loadIndex(context, base);
  const entries = charts.get(request.name);
  if (!entries || entries.length === 0) {
    const names = [...charts.keys()].sort();
    throw new NotFoundError(
      `${context.what}: the repository has no chart named ${request.name}${names.length > 0 ? ` (it has ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', …' : ''})` : ' (its index lists no chart)'}: check helm.chart.name`,
    );
  }
  const chosen = pickVersion(constraint, entries.map((e) => e.version));
  if (chosen === undefined) {
    const newest = newestVersions(entries.map((e) => e.version), 5);
    throw new NotFoundError(`${context.what}: no version of ${request.name} satisfies ${JSON.stringify(constraint.text)} (newest available: ${newest.join(', ') || 'none'}): change helm.chart.version`);
  }
  const entry = entries.find((e) => e.version === chosen)!;
  const version = canonicalVersion(chosen) ?? chosen;
  const cached = await cache.lookup(refKey(version));
  if (cached && (entry.digest === undefined || entry.digest.toLowerCase() === cached.hex)) return { archive: cached.archive, name: request.name, version, digest: `sha256:${cached.hex}` };

  const what = `${context.what}: ${request.name} ${chosen}`;
  if (entry.urls.length === 0 || typeof entry.urls[0] !== 'string') throw new ValidationError(`${what}: the index lists no URL for it`);
  let url: URL;
  try {
    url = new URL(entry.urls[0], base);
  } catch {
    throw new ValidationError(`${what}: the index lists ${JSON.stringify(entry.urls[0])}, which is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ValidationError(`${what}: the index points to a ${url.protocol.replace(':', '')} URL, which is refused: only http and https`);
  const credentials = await context.credentials();
  const response = await httpGet(url, {
    fetch: context.fetch,
    what: `${what}: the chart archive`,
    maxBytes: context.maxChartBytes,
    timeoutMs: context.timeoutMs,
    ...(credentials ? { authorization: { value: basicAuthorization(credentials), origin: base.origin } } : {}),
  });
  checkStatus(context, response.status, `the chart archive ${showUrl(response.url)}`, what);
  const hex = sha256(response.body);
  if (entry.digest !== undefined && entry.digest.toLowerCase() !== hex) {
    throw new ValidationError(`${what}: the archive's sha256 is ${hex} but the index says ${entry.digest}: refused (the archive or the index was changed; ask the repository's owner)`);
  }
  const checked = checkChartArchive(response.body, what);
  if (checked.name !== request.name || canonicalVersion(checked.version) !== version) {
    throw new ValidationError(`${what}: the archive holds chart ${checked.name} ${checked.version}, not ${request.name} ${version}: refused`);
  }
  const archive = await cache.store(refKey(version), hex, response.body);
  return { archive, name: request.name, version, digest: `sha256:${hex}` };
}

function checkStatus(context: SourceContext, status: number, fetched: string, what: string): void {
  if (status >= 200 && status < 300) return;
  if (status === 401 || status === 403) throw new ValidationError(`${what}: ${fetched} answered ${accessAdvice(context, status)}`);
  if (status === 404) throw new NotFoundError(`${what}: ${fetched} does not exist (404)`);
  throw new TransientError(`${what}: ${fetched} answered ${status}`);
}

async function loadIndex(context: SourceContext, base: URL): Promise<Map<string, IndexEntry[]>> {
  const key = `${context.cache.dir} ${base.href} ${context.credentialsFrom ?? ''}`;
  const known = indexes.get(key);
  if (known && context.now() - known.at < context.indexTtlMs) return known.charts;
  const url = new URL('index.yaml', base);
  const credentials = await context.credentials();
  const response = await httpGet(url, {
    fetch: context.fetch,
    what: `${context.what}: the repository index`,
    maxBytes: context.maxIndexBytes,
    timeoutMs: context.timeoutMs,
    ...(credentials ? { authorization: { value: basicAuthorization(credentials), origin: base.origin } } : {}),
  });
  if (response.status === 404) {
    throw new NotFoundError(`${context.what}: ${showUrl(url)} does not exist (404): check helm.chart.repository (an OCI registry is written oci://host/path)`);
  }
  checkStatus(context, response.status, showUrl(url), context.what);
  const charts = parseIndex(response.body, `${context.what}: ${showUrl(url)}`);
  indexes.set(key, { at: context.now(), charts });
  return charts;
}

function parseIndex(body: Buffer, what: string): Map<string, IndexEntry[]> {
  let document: unknown;
  try {
    document = jsYaml.load(body.toString('utf8'), { schema: jsYaml.JSON_SCHEMA });
  } catch (error) {
    throw new ValidationError(`${what} is not valid YAML (${(error as Error).message.split('\n', 1)[0]}): is this a Helm chart repository?`);
  }
  const entries = (document as { entries?: unknown } | null)?.entries;
  if (document === null || typeof document !== 'object' || entries === null || typeof entries !== 'object' || Array.isArray(entries)) {
    throw new ValidationError(`${what} is not a Helm repository index (no entries): is this a Helm chart repository?`);
  }
  const charts = new Map<string, IndexEntry[]>();
  for (const [name, list] of Object.entries(entries as Record<string, unknown>)) {
    if (!Array.isArray(list)) continue;
    const parsed: IndexEntry[] = [];
    for (const item of list as unknown[]) {
      if (item === null || typeof item !== 'object') continue;
      const fields = item as Record<string, unknown>;
      const version = typeof fields.version === 'string' ? fields.version : typeof fields.version === 'number' ? String(fields.version) : undefined;
      if (version === undefined) continue;
      const urls = Array.isArray(fields.urls) ? fields.urls.filter((u): u is string => typeof u === 'string') : [];
      const digest = typeof fields.digest === 'string' && /^[0-9a-fA-F]{64}$/.test(fields.digest.replace(/^sha256:/, '')) ? fields.digest.replace(/^sha256:/, '') : undefined;
      parsed.push({ version, urls, ...(digest ? { digest } : {}) });
    }
    charts.set(name, parsed);
  }
  return charts;
}
