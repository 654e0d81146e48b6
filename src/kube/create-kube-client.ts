import { CapstanError, formatKey, type CapstanErrorOptions, keyOf, ValidationError, type Manifest, type ResourceKey } from '../core/index.ts';
import { withApplyDefaults } from './apply-defaults.ts';
import { Discovery } from './discovery.ts';
import { HttpTransport, readBody, type HttpRequest, type HttpResponse } from './http-transport.ts';
import { isUnservedResource, notServedError, parseStatus, toKubeError, type KubeOperation } from './kube-errors.ts';
import type { KubeConfigSource } from './load-kube-config.ts';
import { defaultRetryPolicy, sendWithRetries, type RetryPolicy } from './retry.ts';
import type {
  ApplyOptions,
  DeleteOptions,
  KubeClient,
  ListOptions,
  ListResult,
  LogOptions,
  LogStream,
  ResourceInfo,
  ServerVersion,
  WatchEvent,
  WatchHandle,
  WatchOptions,
} from './types.ts';

export interface KubeClientOptions extends KubeConfigSource {
  /** Deadline of one request (one attempt), in milliseconds; default 30 s. A watch uses it until its headers arrive. */
  timeoutMs?: number;
  /** Retries of transient failures; default 6 retries, 100 ms doubling to at most 5 s, with jitter. */
  retry?: Partial<RetryPolicy>;
  /** Default field manager of applies; default `capstan`. */
  fieldManager?: string;
  /** Page size of lists (`limit`); default 500. */
  pageSize?: number;
  userAgent?: string;
}

/** Counters for tests and benchmarks: HTTP requests sent per verb (every attempt), and how many were retries. */
export interface KubeClientStats {
  requests: Record<string, number>;
  retries: number;
}

/** The KubeClient over HTTP that `createKubeClient` returns: the contract plus what it is connected to. */
export interface HttpKubeClient extends KubeClient {
  readonly context: string;
  readonly server: string;
  stats(): KubeClientStats;
  /**
   * Reads a pod's log (`GET …/pods/<name>/log`), calling `onLine` for every line (without its
   * newline); with `follow` until the container stops or the stream is stopped. Never retried.
   */
  logs(namespace: string, pod: string, options: LogOptions, onLine: (line: string) => void): Promise<LogStream>;
}

const ok = (status: number): boolean => status >= 200 && status < 300;

let kubeConfigModule: Promise<typeof import('./connect.ts')> | undefined;

/**
 * Loads the kubeconfig reader, and with it @kubernetes/client-node and undici (half the code
 * `capstan apply` runs), on first use rather than at start-up. A command calls this early, so that Node
 * compiles it while git fetches the config repo.
 */
export function preloadKubeConfig(): Promise<typeof import('./connect.ts')> {
  kubeConfigModule ??= import('./connect.ts');
  return kubeConfigModule;
}

/**
 * A client for one cluster: the kubeconfig's context (or the given one), authenticated and TLS'd by
 * client-node's KubeConfig, requests sent directly over pooled keep-alive connections.
 */
export async function createKubeClient(options: KubeClientOptions = {}): Promise<HttpKubeClient> {
  const { loadKubeConfig, Pool } = await preloadKubeConfig();
  const loaded = loadKubeConfig(options);
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (!(timeoutMs > 0)) throw new ValidationError(`timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`);
  const pageSize = options.pageSize ?? 500;
  if (!(Number.isInteger(pageSize) && pageSize > 0)) throw new ValidationError(`pageSize must be a positive integer, got ${pageSize}`);
  let transport: HttpTransport;
  try {
    transport = new HttpTransport(loaded.config, loaded.server, timeoutMs, options.userAgent ?? 'capstan', Pool);
  } catch (error) {
    throw new ValidationError(`context "${loaded.context}" has an invalid server URL "${loaded.server}"`, { subject: `kubeconfig ${loaded.source}`, cause: error });
  }
  return new Client(transport, loaded.context, { ...defaultRetryPolicy, ...options.retry }, options.fieldManager ?? 'capstan', pageSize);
}

class Client implements HttpKubeClient {
  private readonly discovery: Discovery;
  private readonly counts: Record<string, number> = {};
  private retries = 0;
  private version: Promise<ServerVersion> | undefined;
  private readonly watches = new Set<() => void>();
  /** Aborted by close(): requests in their backoff give up instead of keeping the process alive. */
  private readonly closing = new AbortController();

  constructor(
    private readonly transport: HttpTransport,
    readonly context: string,
    private readonly retryPolicy: RetryPolicy,
    private readonly fieldManager: string,
    private readonly pageSize: number,
  ) {
    this.discovery = new Discovery((path) => this.discoveryGet(path));
  }

  get server(): string {
    return this.transport.server;
  }

  stats(): KubeClientStats {
    return { requests: { ...this.counts }, retries: this.retries };
  }

  serverVersion(): Promise<ServerVersion> {
    this.version ??= (async () => {
      const op = this.operation('version', 'get', 'server');
      const response = await this.call(op, { method: 'GET', path: '/version' });
      if (!ok(response.status)) throw toKubeError(op, { response });
      const info = JSON.parse(response.body) as { major?: string; minor?: string; gitVersion?: string };
      // managed clusters report minors like "21+"; parseInt keeps the number
      return { major: parseInt(info.major ?? '', 10) || 0, minor: parseInt(info.minor ?? '', 10) || 0, gitVersion: info.gitVersion ?? '' };
    })();
    this.version.catch(() => (this.version = undefined));
    return this.version;
  }

  resourceFor(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    return this.discovery.resourceFor(apiVersion, kind);
  }

  resources(): Promise<ResourceInfo[]> {
    return this.discovery.resources();
  }

  invalidateDiscovery(): void {
    this.discovery.invalidate();
    // what the server serves changed, or is old: so may its version be (an upgraded cluster)
    this.version = undefined;
  }

  /**
   * Where an object is written, checked first: it has an apiVersion, a kind and a name, and a
   * namespace when its kind is namespaced (what failed says `<verb> failed: …`).
   */
  private async writeTarget(manifest: Manifest, verb: 'apply' | 'replace', kubeVerb: string): Promise<{ op: KubeOperation; info: ResourceInfo; namespace: string; name: string }> {
    const subject = subjectOf(manifest);
    if (typeof manifest.apiVersion !== 'string' || !manifest.apiVersion || typeof manifest.kind !== 'string' || !manifest.kind) {
      throw new ValidationError(`${verb} failed: the object has no apiVersion or kind`, { subject });
    }
    const name = manifest.metadata?.name;
    if (typeof name !== 'string' || !name) throw new ValidationError(`${verb} failed: the object has no metadata.name`, { subject });
    const namespace = manifest.metadata.namespace ?? '';
    const op = this.operation(verb, kubeVerb, subject, manifest.apiVersion, manifest.kind, namespace);
    const info = await this.resolve(op);
    if (info.namespaced && !namespace) throw new ValidationError(`${verb} failed: ${manifest.kind} is a namespaced kind, but the object has no metadata.namespace`, { subject });
    op.resource = info;
    return { op, info, namespace, name };
  }

  async apply(manifest: Manifest, options: ApplyOptions = {}): Promise<Manifest> {
    const { op, info, namespace, name } = await this.writeTarget(manifest, 'apply', 'patch');
    let query = `?fieldManager=${encodeURIComponent(options.fieldManager ?? this.fieldManager)}`;
    if (options.force) query += '&force=true';
    if (options.dryRun) query += '&dryRun=All';
    // JSON is YAML: the apply patch is sent as JSON under the apply-patch+yaml media type
    const body = JSON.stringify(withApplyDefaults(manifest));
    const response = await this.call(op, { method: 'PATCH', path: resourcePath(info, namespace, name) + query, body, contentType: 'application/apply-patch+yaml' });
    if (!ok(response.status)) throw this.failure(op, response);
    const stored = JSON.parse(response.body) as Manifest;
    if (!options.dryRun) for (const listener of this.appliedListeners) listener(stored, { fieldManager: options.fieldManager ?? this.fieldManager });
    return stored;
  }

  async replace(manifest: Manifest, options: { fieldManager?: string; dryRun?: boolean } = {}): Promise<Manifest> {
    const { op, info, namespace, name } = await this.writeTarget(manifest, 'replace', 'update');
    const fieldManager = options.fieldManager ?? this.fieldManager;
    const query = `?fieldManager=${encodeURIComponent(fieldManager)}${options.dryRun ? '&dryRun=All' : ''}`;
    const body = JSON.stringify(manifest);
    let response = await this.call(op, { method: 'PUT', path: resourcePath(info, namespace, name) + query, body, contentType: 'application/json' });
    if (response.status === 404 && !isUnservedResource(parseStatus(response.body))) {
      // kubectl replace of an object that is not there: created, as Argo CD's Replace=true does
      const { resourceVersion: _unused, ...metadata } = manifest.metadata;
      response = await this.call(op, { method: 'POST', path: resourcePath(info, namespace) + query, body: JSON.stringify({ ...manifest, metadata }), contentType: 'application/json' });
    }
    if (!ok(response.status)) throw this.failure(op, response);
    const stored = JSON.parse(response.body) as Manifest;
    if (!options.dryRun) for (const listener of this.appliedListeners) listener(stored, { fieldManager });
    return stored;
  }

  onApplied(listener: (object: Manifest, how: { fieldManager: string }) => void): () => void {
    this.appliedListeners.add(listener);
    return () => this.appliedListeners.delete(listener);
  }

  private readonly appliedListeners = new Set<(object: Manifest, how: { fieldManager: string }) => void>();

  async create(manifest: Manifest, options: { fieldManager?: string } = {}): Promise<Manifest> {
    const subject = subjectOf(manifest);
    const namespace = manifest.metadata?.namespace ?? '';
    const op = this.operation('create', 'create', subject, manifest.apiVersion, manifest.kind, namespace);
    const info = await this.resolve(op);
    op.resource = info;
    const query = `?fieldManager=${encodeURIComponent(options.fieldManager ?? this.fieldManager)}`;
    const response = await this.call(op, { method: 'POST', path: resourcePath(info, namespace) + query, body: JSON.stringify(manifest), contentType: 'application/json' });
    if (ok(response.status)) return JSON.parse(response.body) as Manifest;
    throw this.failure(op, response);
  }

  async get(apiVersion: string, key: ResourceKey): Promise<Manifest | undefined> {
    const op = this.operation('get', 'get', formatKey(key), apiVersion, key.kind, key.namespace);
    const info = await this.resolve(op);
    op.resource = info;
    const response = await this.call(op, { method: 'GET', path: resourcePath(info, key.namespace, key.name) });
    if (ok(response.status)) return withTypeMeta(JSON.parse(response.body) as Manifest, apiVersion, key.kind);
    if (response.status === 404 && !isUnservedResource(parseStatus(response.body))) return undefined;
    throw this.failure(op, response);
  }

  async list(apiVersion: string, kind: string, options: ListOptions = {}): Promise<ListResult> {
    const op = this.operation('list', 'list', options.namespace ? `${kind} in namespace ${options.namespace}` : kind, apiVersion, kind, options.namespace);
    const info = await this.resolve(op);
    op.resource = info;
    const base = resourcePath(info, options.namespace);
    const limit = options.limit ?? this.pageSize;
    for (let restarts = 0; ; restarts++) {
      const items: Manifest[] = [];
      let resourceVersion = '';
      let token: string | undefined;
      let expired = false;
      do {
        const query = new URLSearchParams({ limit: String(limit) });
        if (options.labelSelector) query.set('labelSelector', options.labelSelector);
        if (options.fieldSelector) query.set('fieldSelector', options.fieldSelector);
        if (token) query.set('continue', token);
        const response = await this.call(op, { method: 'GET', path: `${base}?${query}` });
        if (!ok(response.status)) {
          // a continue token older than etcd's compaction: the snapshot is gone, start over once
          if (response.status === 410 && token && restarts === 0) {
            expired = true;
            break;
          }
          throw this.failure(op, response);
        }
        const page = JSON.parse(response.body) as { metadata?: { resourceVersion?: string; continue?: string }; items?: Manifest[] };
        if (!resourceVersion) resourceVersion = page.metadata?.resourceVersion ?? '';
        for (const item of page.items ?? []) items.push(withTypeMeta(item, apiVersion, kind));
        token = page.metadata?.continue || undefined;
      } while (token);
      if (!expired) return { items, resourceVersion };
    }
  }

  async delete(apiVersion: string, key: ResourceKey, options: DeleteOptions = {}): Promise<boolean> {
    const op = this.operation('delete', 'delete', formatKey(key), apiVersion, key.kind, key.namespace);
    const info = await this.resolve(op);
    op.resource = info;
    let query = `?propagationPolicy=${options.propagationPolicy ?? 'Background'}`;
    if (options.dryRun) query += '&dryRun=All';
    const body = options.resourceVersion === undefined ? undefined : JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { resourceVersion: options.resourceVersion } });
    const response = await this.call(op, { method: 'DELETE', path: resourcePath(info, key.namespace, key.name) + query, ...(body ? { body, contentType: 'application/json' } : {}) });
    if (ok(response.status)) return true;
    if (response.status === 404 && !isUnservedResource(parseStatus(response.body))) return false;
    throw this.failure(op, response);
  }

  /**
   * A watch is one long request, never retried: when it ends (`done`), the caller restarts it, and
   * relists first when `done` rejected with an ExpiredError (410 Gone: the resourceVersion is too old).
   */
  async watch(apiVersion: string, kind: string, options: WatchOptions, onEvent: (event: WatchEvent) => void): Promise<WatchHandle> {
    const op = this.operation('watch', 'watch', options.namespace ? `${kind} in namespace ${options.namespace}` : kind, apiVersion, kind, options.namespace);
    const info = await this.resolve(op);
    op.resource = info;
    const query = new URLSearchParams({ watch: '1', allowWatchBookmarks: 'true' });
    if (options.resourceVersion) query.set('resourceVersion', options.resourceVersion);
    if (options.labelSelector) query.set('labelSelector', options.labelSelector);
    if (options.fieldSelector) query.set('fieldSelector', options.fieldSelector);
    if (options.timeoutSeconds) query.set('timeoutSeconds', String(options.timeoutSeconds));
    this.count('watch');
    let lastResourceVersion: string | undefined = options.resourceVersion;
    const handleLine = (line: string, finish: (error?: unknown) => void): void => {
      if (line.trim() === '') return;
      let event: { type?: string; object?: Record<string, unknown> };
      try {
        event = JSON.parse(line) as typeof event;
      } catch {
        finish(new CapstanError(`watch failed: the server sent a line that is not JSON: ${line.slice(0, 200)}`, { subject: op.subject }));
        return;
      }
      if (event.type === 'ERROR') {
        const status = (event.object ?? {}) as { code?: number };
        finish(this.failure(op, { status: status.code ?? 500, headers: {}, body: JSON.stringify(event.object ?? {}) }));
        return;
      }
      const object = withTypeMeta((event.object ?? {}) as Manifest, apiVersion, kind);
      const rv = object.metadata?.resourceVersion;
      if (typeof rv === 'string' && rv) lastResourceVersion = rv;
      try {
        onEvent({ type: event.type as WatchEvent['type'], object });
      } catch (error) {
        finish(error);
      }
    };
    const { stop, done } = await this.streamLines(op, `${resourcePath(info, options.namespace)}?${query}`, handleLine);
    return {
      stop,
      done,
      get lastResourceVersion() {
        return lastResourceVersion;
      },
    };
  }

  async logs(namespace: string, pod: string, options: LogOptions, onLine: (line: string) => void): Promise<LogStream> {
    const subject = `Pod/${namespace}/${pod}${options.container ? ` container ${options.container}` : ''}`;
    const op = this.operation('logs', 'get', subject, 'v1', 'Pod', namespace);
    const info = await this.resolve(op);
    op.resource = info;
    const query = new URLSearchParams();
    if (options.container) query.set('container', options.container);
    if (options.follow) query.set('follow', 'true');
    if (options.sinceSeconds !== undefined) query.set('sinceSeconds', String(options.sinceSeconds));
    if (options.tailLines !== undefined) query.set('tailLines', String(options.tailLines));
    if (options.previous) query.set('previous', 'true');
    this.count('logs');
    return this.streamLines(op, `${resourcePath(info, namespace, pod)}/log${query.size > 0 ? `?${query}` : ''}`, (line) => onLine(line));
  }

  /**
   * A GET whose answer is read line by line as it comes (a watch, a followed log): `onLine` for
   * every line (the last one also without its newline) until the server ends the answer, it
   * fails, `stop()` is called or the client closes; `finish(error)` ends it from a line. `done`
   * resolves when it ended, or rejects with the failure.
   */
  private async streamLines(op: KubeOperation, path: string, onLine: (line: string, finish: (error?: unknown) => void) => void): Promise<{ stop(): void; done: Promise<void> }> {
    let opened: Awaited<ReturnType<HttpTransport['stream']>>;
    try {
      opened = await this.transport.stream({ method: 'GET', path });
    } catch (error) {
      throw toKubeError(op, { error });
    }
    const { req, res } = opened;
    if (res.statusCode !== 200) {
      const response = await readBody(res);
      req.destroy();
      throw this.failure(op, response);
    }
    let finished = false;
    let finish: (error?: unknown) => void = () => undefined;
    const done = new Promise<void>((resolve, reject) => {
      finish = (error?: unknown) => {
        if (finished) return;
        finished = true;
        this.watches.delete(stop);
        req.destroy();
        if (error === undefined) resolve();
        else reject(error);
      };
    });
    // marked handled: a caller that only stops the stream must not crash the process with an unheard rejection
    done.catch(() => undefined);
    const stop = (): void => finish();
    this.watches.add(stop);
    let buffer = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while (!finished && (newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        onLine(line, finish);
      }
    });
    res.on('end', () => {
      if (!finished && buffer !== '') onLine(buffer, finish);
      finish();
    });
    res.on('error', (error: Error) => finish(finished ? undefined : toKubeError(op, { error })));
    res.on('close', () => finish());
    req.on('error', (error: Error) => finish(finished ? undefined : toKubeError(op, { error })));
    return { stop, done };
  }

  close(): void {
    this.closing.abort();
    for (const stop of [...this.watches]) stop();
    this.transport.close();
  }

  private operation(verb: string, kubeVerb: string, subject: string, apiVersion?: string, kind?: string, namespace?: string): KubeOperation {
    return { verb, kubeVerb, subject, apiVersion, kind, namespace: namespace || undefined, context: this.context, server: this.transport.server };
  }

  private count(verb: string): void {
    this.counts[verb] = (this.counts[verb] ?? 0) + 1;
  }

  /** The discovery entry, or NotFoundError naming the object when the cluster does not serve the kind. */
  private async resolve(op: KubeOperation): Promise<ResourceInfo> {
    let info: ResourceInfo | undefined;
    try {
      info = await this.discovery.resourceFor(op.apiVersion as string, op.kind as string);
    } catch (error) {
      // discovery failed (e.g. 403 on /apis, or retries ran out): same class, message led by the object
      if (!(error instanceof CapstanError)) throw error;
      const Same = error.constructor as new (message: string, options: CapstanErrorOptions) => CapstanError;
      throw new Same(`${op.verb} failed: ${error.message}`, { subject: op.subject, cause: error });
    }
    if (!info) throw notServedError(op);
    return info;
  }

  /** Sends with retries; the answer is returned for the caller to interpret, or the failure thrown as a capstan error. */
  private async call(op: KubeOperation, request: HttpRequest): Promise<HttpResponse> {
    if (this.closing.signal.aborted) throw new CapstanError(`${op.verb} failed: the client is closed`, { subject: op.subject });
    try {
      return await sendWithRetries(
        () => {
          this.count(op.verb);
          return this.transport.request(request);
        },
        this.retryPolicy,
        { onRetry: () => this.retries++, signal: this.closing.signal },
      );
    } catch (error) {
      throw toKubeError(op, { error });
    }
  }

  private failure(op: KubeOperation, response: HttpResponse): CapstanError {
    const error = toKubeError(op, { response });
    // a resource path that 404s although discovery listed it: discovery is stale (a CRD went away)
    if (response.status === 404 && isUnservedResource(parseStatus(response.body))) this.discovery.invalidate();
    return error;
  }

  private async discoveryGet<T>(path: string): Promise<T | undefined> {
    const op = this.operation('discovery', 'get', path);
    const response = await this.call(op, { method: 'GET', path });
    if (ok(response.status)) return JSON.parse(response.body) as T;
    if (response.status === 404) return undefined;
    throw toKubeError(op, { response });
  }
}

function resourcePath(info: ResourceInfo, namespace?: string, name?: string): string {
  let path = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
  if (info.namespaced && namespace) path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${info.resource}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  return path;
}

/** Items of built-in lists come without apiVersion and kind; a Manifest always has them. */
function withTypeMeta(object: Manifest, apiVersion: string, kind: string): Manifest {
  if (!object.apiVersion) object.apiVersion = apiVersion;
  if (!object.kind) object.kind = kind;
  return object;
}

function subjectOf(manifest: Manifest): string {
  try {
    return formatKey(keyOf(manifest));
  } catch {
    return String(manifest?.kind ?? 'object');
  }
}
