/**
 * Helm charts in an OCI registry (`oci://host[:port]/path`), through the registry v2 API as helm
 * stores them: tags are versions (`+` written `_`), the manifest's layer of media type
 * `application/vnd.cncf.helm.chart.content.v1.tar+gzip` is the chart archive, checked against its
 * digest. Anonymous first; a 401 answers with a challenge: `Bearer` gets a token from the realm it
 * names (with the credentials, when set, as Basic auth), `Basic` is answered with the credentials.
 * https, except for a loopback registry (or one set as plain http).
 */
import { canonicalVersion, newestVersions, NotFoundError, pickVersion, TransientError, ValidationError } from '../../core/index.ts';
import { checkChartArchive } from './chart-archive.ts';
import { sha256 } from './chart-cache.ts';
import { basicAuthorization } from './credentials.ts';
import { httpGet, isLoopback, showUrl, type HttpGetResult } from './http-get.ts';
import type { FetchedChart } from './index.ts';
import { accessAdvice, type SourceContext } from './source-context.ts';

export const helmChartLayer = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';
const manifestTypes = 'application/vnd.oci.image.manifest.v1+json';
const maxManifestBytes = 4 * 1024 * 1024;
const maxTagPages = 50;

interface Registry {
  /** `https://host:port` */
  origin: string;
  /** `charts/nginx` */
  repository: string;
}

function registryOf(context: SourceContext): Registry {
  const { repository, name, plainHttp } = context.request;
  const rest = repository.slice('oci://'.length).replace(/\/+$/, '');
  const slash = rest.indexOf('/');
  const host = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash + 1);
  const hostname = new URL(`http://${host}`).hostname;
  const scheme = plainHttp === true || isLoopback(hostname) ? 'http' : 'https';
  return { origin: `${scheme}://${host}`, repository: path ? `${path}/${name}` : name };
}

/** The authorization a registry asked for, kept for the rest of one fetch. */
class RegistrySession {
  private authorization: string | undefined;

  constructor(
    private readonly context: SourceContext,
    private readonly registry: Registry,
  ) {}

  async get(url: URL, what: string, maxBytes: number, accept?: string): Promise<HttpGetResult> {
    const request = () =>
      httpGet(url, {
        fetch: this.context.fetch,
        what,
        maxBytes,
        timeoutMs: this.context.timeoutMs,
        ...(accept ? { accept } : {}),
        ...(this.authorization ? { authorization: { value: this.authorization, origin: this.registry.origin } } : {}),
      });
    let response = await request();
    if (response.status === 401 && (await this.answerChallenge(response, what))) response = await request();
    if (response.status === 401 || response.status === 403) throw new ValidationError(`${what}: ${showUrl(response.url)} answered ${accessAdvice(this.context, response.status)}`);
    return response;
  }

  /** Sets the authorization the challenge asks for; false when there is nothing more to try. */
  private async answerChallenge(response: HttpGetResult, what: string): Promise<boolean> {
    if (this.authorization !== undefined && !this.authorization.startsWith('Bearer ')) return false;
    const challenge = parseChallenge(response.headers.get('www-authenticate') ?? '');
    const credentials = await this.context.credentials();
    if (challenge?.scheme === 'basic') {
      if (!credentials) return false;
      this.authorization = basicAuthorization(credentials);
      return true;
    }
    if (challenge?.scheme !== 'bearer' || !challenge.params.realm) return false;
    let realm: URL;
    try {
      realm = new URL(challenge.params.realm);
    } catch {
      throw new ValidationError(`${what}: the registry's token realm ${JSON.stringify(challenge.params.realm)} is not a URL`);
    }
    if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && (isLoopback(realm.hostname) || this.context.request.plainHttp === true))) {
      throw new ValidationError(`${what}: the registry's token realm ${showUrl(realm)} is not https: refused`);
    }
    if (challenge.params.service) realm.searchParams.set('service', challenge.params.service);
    realm.searchParams.set('scope', challenge.params.scope ?? `repository:${this.registry.repository}:pull`);
    // the registry names its token service: the credentials go there (as docker and helm send them)
    const token = await httpGet(realm, {
      fetch: this.context.fetch,
      what: `${what}: the registry token`,
      maxBytes: 1024 * 1024,
      timeoutMs: this.context.timeoutMs,
      ...(credentials ? { authorization: { value: basicAuthorization(credentials), origin: realm.origin } } : {}),
      maxRedirects: 0,
    });
    if (token.status === 401 || token.status === 403) throw new ValidationError(`${what}: the registry's token service answered ${accessAdvice(this.context, token.status)}`);
    if (token.status < 200 || token.status >= 300) throw new TransientError(`${what}: the registry's token service ${showUrl(realm)} answered ${token.status}`);
    let body: { token?: unknown; access_token?: unknown };
    try {
      body = JSON.parse(token.body.toString('utf8')) as typeof body;
    } catch {
      throw new TransientError(`${what}: the registry's token service ${showUrl(realm)} did not answer JSON`);
    }
    const value = typeof body.token === 'string' ? body.token : typeof body.access_token === 'string' ? body.access_token : undefined;
    if (!value) throw new TransientError(`${what}: the registry's token service ${showUrl(realm)} gave no token`);
    const previous = this.authorization;
    this.authorization = `Bearer ${value}`;
    return previous !== this.authorization;
  }
}

/** `Bearer realm="…",service="…",scope="…"` → scheme and parameters. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } | undefined {
  const match = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const param of match[2]!.matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g)) {
    params[param[1]!.toLowerCase()] = (param[2] ?? param[3] ?? '').replace(/\\(.)/g, '$1');
  }
  return { scheme: match[1]!.toLowerCase(), params };
}

export async function fetchFromOciRegistry(context: SourceContext): Promise<FetchedChart> {
  const { request, constraint, cache } = context;
  const registry = registryOf(context);
  const refKey = (version: string): string => `oci ${registry.origin}/${registry.repository} ${version}`;
  if (constraint.exact !== undefined) {
    const cached = await cache.lookup(refKey(constraint.exact));
    if (cached) return { archive: cached.archive, name: request.name, version: constraint.exact, digest: `sha256:${cached.hex}` };
  }
  const session = new RegistrySession(context, registry);
  const v2 = `${registry.origin}/v2/${registry.repository}`;

  let tag: string;
  if (constraint.exact !== undefined) {
    tag = constraint.exact.replace(/\+/g, '_');
  } else {
    const tags = await listTags(context, session, v2);
    const versions = tags.map((t) => t.replace(/_/g, '+'));
    const chosen = pickVersion(constraint, versions);
    if (chosen === undefined) {
      throw new NotFoundError(`${context.what}: no version of ${request.name} satisfies ${JSON.stringify(constraint.text)} (newest available: ${newestVersions(versions, 5).join(', ') || 'none'}): change helm.chart.version`);
    }
    tag = chosen.replace(/\+/g, '_');
  }
  const version = canonicalVersion(tag.replace(/_/g, '+')) ?? tag.replace(/_/g, '+');
  const what = `${context.what}: ${request.name} ${version}`;
  const cached = await cache.lookup(refKey(version));
  if (cached) return { archive: cached.archive, name: request.name, version, digest: `sha256:${cached.hex}` };

  const manifestResponse = await session.get(new URL(`${v2}/manifests/${encodeURIComponent(tag)}`), `${what}: the manifest`, maxManifestBytes, manifestTypes);
  if (manifestResponse.status === 404) throw new NotFoundError(`${what}: the registry has no ${registry.repository}:${tag} (404): check helm.chart.name and helm.chart.version`);
  if (manifestResponse.status < 200 || manifestResponse.status >= 300) throw new TransientError(`${what}: the manifest request answered ${manifestResponse.status}`);
  let manifest: { layers?: Array<{ mediaType?: unknown; digest?: unknown; size?: unknown }> };
  try {
    manifest = JSON.parse(manifestResponse.body.toString('utf8')) as typeof manifest;
  } catch {
    throw new ValidationError(`${what}: the manifest is not JSON`);
  }
  const layer = (Array.isArray(manifest.layers) ? manifest.layers : []).find((l) => l?.mediaType === helmChartLayer);
  if (!layer || typeof layer.digest !== 'string') throw new ValidationError(`${what}: the manifest has no layer of type ${helmChartLayer}: is ${registry.repository}:${tag} a Helm chart (pushed with helm push)?`);
  const digest = /^sha256:([0-9a-f]{64})$/.exec(layer.digest);
  if (!digest) throw new ValidationError(`${what}: the chart layer's digest ${JSON.stringify(layer.digest)} is not a sha256 digest`);
  if (typeof layer.size === 'number' && layer.size > context.maxChartBytes) {
    throw new ValidationError(`${what}: the chart layer is ${layer.size} bytes, more than the ${context.maxChartBytes} capstan downloads for a chart`);
  }
  const blob = await session.get(new URL(`${v2}/blobs/${layer.digest}`), `${what}: the chart archive`, context.maxChartBytes);
  if (blob.status === 404) throw new NotFoundError(`${what}: the registry has no blob ${layer.digest} (404)`);
  if (blob.status < 200 || blob.status >= 300) throw new TransientError(`${what}: the chart archive request answered ${blob.status}`);
  const hex = sha256(blob.body);
  if (hex !== digest[1]) throw new ValidationError(`${what}: the chart archive's sha256 is ${hex} but the manifest says ${digest[1]}: refused`);
  const checked = checkChartArchive(blob.body, what);
  if (checked.name !== request.name || canonicalVersion(checked.version) !== version) {
    throw new ValidationError(`${what}: the archive holds chart ${checked.name} ${checked.version}, not ${request.name} ${version}: refused`);
  }
  const archive = await cache.store(refKey(version), hex, blob.body);
  return { archive, name: request.name, version, digest: `sha256:${hex}` };
}

async function listTags(context: SourceContext, session: RegistrySession, v2: string): Promise<string[]> {
  const tags: string[] = [];
  let next: URL | undefined = new URL(`${v2}/tags/list`);
  for (let page = 0; next && page < maxTagPages; page++) {
    const response = await session.get(next, `${context.what}: the tag list`, 8 * 1024 * 1024);
    if (response.status === 404) throw new NotFoundError(`${context.what}: the registry has no repository ${new URL(v2).pathname.slice(4)} (404): check helm.chart.repository and helm.chart.name`);
    if (response.status < 200 || response.status >= 300) throw new TransientError(`${context.what}: the tag list answered ${response.status}`);
    let body: { tags?: unknown };
    try {
      body = JSON.parse(response.body.toString('utf8')) as typeof body;
    } catch {
      throw new ValidationError(`${context.what}: the registry's tag list is not JSON`);
    }
    if (Array.isArray(body.tags)) tags.push(...body.tags.filter((t): t is string => typeof t === 'string'));
    const link = /<([^>]+)>\s*;\s*rel="?next"?/.exec(response.headers.get('link') ?? '');
    next = link ? new URL(link[1]!, response.url) : undefined;
    if (next && next.origin !== new URL(v2).origin) throw new ValidationError(`${context.what}: the registry's tag list continues on another host (${showUrl(next)}): refused`);
  }
  return tags;
}
