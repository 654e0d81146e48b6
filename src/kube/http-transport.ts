import http from 'node:http';
import https from 'node:https';
import { createSecureContext } from 'node:tls';
import type { Dispatcher, Pool } from 'undici';
import type { PooledKubeConfig } from './kube-config.ts';

/** How long the authentication of one request is reused for the next ones. */
const authTtlMs = 1000;

/** One answer of the API server, body not yet parsed. */
export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HttpRequest {
  method: 'GET' | 'PATCH' | 'DELETE' | 'POST' | 'PUT';
  /** Path under the server URL, starting with `/`, query string included. */
  path: string;
  body?: string;
  contentType?: string;
  /** Overrides the transport's per-request timeout. */
  timeoutMs?: number;
}

/** A request that ran out of time: retried like a reset connection. */
export class RequestTimeout extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(method: string, path: string, timeoutMs: number) {
    super(`${method} ${path} timed out after ${timeoutMs} ms`);
    this.name = 'RequestTimeout';
  }
}

/** The kubeconfig's credentials could not be produced (an exec plugin failed, a token file is missing). */
export class CredentialsUnavailable extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'CredentialsUnavailable';
  }
}

/** TLS settings of a kubeconfig's agent: those of its secure context (CA, client certificate), and those of each connection. */
const contextKeys = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'ciphers', 'minVersion', 'maxVersion', 'crl', 'ecdhCurve', 'secureProtocol'] as const;
const connectionKeys = ['rejectUnauthorized', 'servername', 'checkServerIdentity'] as const;

/**
 * Sends requests to one API server. client-node's KubeConfig (through PooledKubeConfig) supplies
 * authentication and TLS — bearer tokens, exec and auth-provider plugins, client certificates,
 * CA — and a keep-alive agent; the request itself, JSON in and out, is ours, because the generated
 * client's per-request overhead (a new agent, object (de)serialisation into classes) is what
 * limits throughput. Ordinary requests go through an undici connection pool with the agent's TLS
 * settings (about half the client CPU of node:https per request, which is what bounds a sync of
 * a thousand objects); watches, and every request through a proxy agent, use node:http(s).
 */
export class HttpTransport {
  private readonly base: URL;
  private readonly basePath: string;
  private readonly client: typeof http | typeof https;

  constructor(
    private readonly config: PooledKubeConfig,
    server: string,
    private readonly timeoutMs: number,
    private readonly userAgent: string,
    private readonly PoolClass?: typeof Pool,
  ) {
    this.base = new URL(server);
    this.basePath = this.base.pathname.replace(/\/+$/, '');
    this.client = this.base.protocol === 'http:' ? http : https;
  }

  get server(): string {
    return this.base.origin + this.basePath;
  }

    /**
   * Headers and agent for requests. Working them out builds a TLS agent and may run an exec
   * plugin, which at hundreds of requests per second is a real share of the work, so the answer
   * is kept for `authTtlMs` (1 s): rotated and exec-issued tokens are still picked up within a
   * second, and client-node caches exec credentials until they expire anyway.
   */
  private authenticate(): Promise<{ headers: Record<string, string>; agent: http.Agent | undefined }> {
    const now = Date.now();
    if (this.auth && now - this.authAt < authTtlMs) return this.auth;
    this.authAt = now;
    const pending = (async () => {
      try {
        return await this.config.authentication(this.base.href);
      } catch (error) {
        throw new CredentialsUnavailable(error);
      }
    })();
    this.auth = pending;
    pending.catch(() => {
      if (this.auth === pending) this.auth = undefined;
    });
    return pending;
  }

  private auth: Promise<{ headers: Record<string, string>; agent: http.Agent | undefined }> | undefined;
  private authAt = 0;

  /**
   * Watches hold their connection for minutes: on the pooled agent, enough of them would take
   * every socket and starve ordinary requests. They get an agent of their own, with the same TLS
   * settings and no limit on sockets.
   */
  private streamAgent(pooled: http.Agent | undefined): http.Agent | undefined {
    if (!pooled) return undefined;
    if (this.watchAgent && this.watchAgentFor === pooled) return this.watchAgent;
    const options = { ...(pooled as https.Agent).options, keepAlive: false, maxSockets: Infinity };
    this.watchAgent?.destroy();
    this.watchAgent = pooled instanceof https.Agent ? new https.Agent(options) : new http.Agent(options);
    this.watchAgentFor = pooled;
    return this.watchAgent;
  }

  private watchAgent: http.Agent | undefined;
  private watchAgentFor: http.Agent | undefined;

  private async open(request: HttpRequest, accept: string, long = false): Promise<{ req: http.ClientRequest; res: Promise<http.IncomingMessage> }> {
    const { headers: auth, agent: pooled } = await this.authenticate();
    const agent = long ? this.streamAgent(pooled) : pooled;
    const headers: Record<string, string | number> = { ...auth, Accept: accept, 'User-Agent': this.userAgent };
    if (request.body !== undefined) {
      headers['Content-Type'] = request.contentType ?? 'application/json';
      headers['Content-Length'] = Buffer.byteLength(request.body);
    }
    const req = this.client.request({
      protocol: this.base.protocol,
      hostname: this.base.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: this.base.port || undefined,
      path: this.basePath + request.path,
      method: request.method,
      headers,
      agent,
    });
    const res = new Promise<http.IncomingMessage>((resolve, reject) => {
      req.once('response', resolve);
      // a persistent listener: a destroyed request may emit more than one error, and an unheard one would crash
      req.on('error', reject);
    });
    if (request.body !== undefined) req.end(request.body);
    else req.end();
    return { req, res };
  }

  /** One request with a whole-response deadline; socket errors and timeouts reject. */
  async request(request: HttpRequest): Promise<HttpResponse> {
    const { headers: auth, agent } = await this.authenticate();
    const pool = this.poolFor(agent);
    if (pool) return dispatch(pool, this.basePath + request.path, request, { ...auth, accept: 'application/json', 'user-agent': this.userAgent }, request.timeoutMs ?? this.timeoutMs);
    const { req, res } = await this.open(request, 'application/json');
    return withDeadline(req, request, request.timeoutMs ?? this.timeoutMs, res.then(readBody));
  }

  /** The undici pool for requests over `agent`'s TLS settings; undefined for a proxy agent (node:http(s) handles those). */
  private poolFor(agent: http.Agent | undefined): Pool | undefined {
    if (!this.PoolClass) return undefined;
    if (agent !== undefined && !(agent instanceof https.Agent) && agent.constructor !== http.Agent) return undefined;
    if (this.pool && this.poolAgent === agent) return this.pool;
    const options = (agent as https.Agent | undefined)?.options ?? {};
    const context: Record<string, unknown> = {};
    for (const key of contextKeys) if (options[key] !== undefined) context[key] = options[key];
    // one secure context for every connection: building it (parsing the CA and the client
    // certificate) for each of 64 new connections was a fifth of a cold sync's start
    const tls: Record<string, unknown> = this.base.protocol === 'https:' ? { secureContext: createSecureContext(context) } : {};
    for (const key of connectionKeys) if (options[key] !== undefined) tls[key] = options[key];
    void this.pool?.destroy();
    // no timeouts of undici's own: withDeadline's whole-response deadline (a RequestTimeout) applies
    this.pool = new this.PoolClass(this.base.origin, { connections: 64, headersTimeout: 0, bodyTimeout: 0, connect: tls });
    this.poolAgent = agent;
    return this.pool;
  }

  private pool: Pool | undefined;
  private poolAgent: http.Agent | undefined;

  /**
   * A long-lived request (a watch): resolves with the response once its headers arrive (within the
   * timeout); the caller reads the stream and ends it with `req.destroy()`.
   */
  async stream(request: HttpRequest): Promise<{ req: http.ClientRequest; res: http.IncomingMessage }> {
    const { req, res } = await this.open(request, 'application/json', true);
    return { req, res: await withDeadline(req, request, request.timeoutMs ?? this.timeoutMs, res) };
  }

  close(): void {
    void this.pool?.destroy();
    this.pool = undefined;
    this.watchAgent?.destroy();
    this.config.closeConnections();
  }
}

/** `answer`, unless `timeoutMs` passes first: then the request is destroyed and a RequestTimeout rejects. */
async function withDeadline<T>(req: http.ClientRequest, request: HttpRequest, timeoutMs: number, answer: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new RequestTimeout(request.method, request.path, timeoutMs);
      req.destroy(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([deadline, answer]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One request through an undici pool, with the same whole-response deadline as withDeadline (the
 * request is aborted and a RequestTimeout rejects) and the same answer: status, lower-case
 * headers, the body as UTF-8.
 */
function dispatch(pool: Pool, path: string, request: HttpRequest, headers: Record<string, string>, timeoutMs: number): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    let abort: ((error: Error) => void) | undefined;
    let timedOut: RequestTimeout | undefined;
    let status = 0;
    const answer: http.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      timedOut = new RequestTimeout(request.method, request.path, timeoutMs);
      abort?.(timedOut);
      reject(timedOut);
    }, timeoutMs);
    const handler: Dispatcher.DispatchHandlers = {
      onConnect(abortRequest) {
        abort = abortRequest;
        if (timedOut) abortRequest(timedOut);
      },
      onHeaders(statusCode, raw) {
        status = statusCode;
        for (let i = 0; i + 1 < raw.length; i += 2) {
          const name = raw[i].toString('latin1').toLowerCase();
          const value = raw[i + 1].toString('latin1');
          const previous = answer[name];
          if (previous === undefined) answer[name] = value;
          else if (name === 'set-cookie') answer[name] = [...(Array.isArray(previous) ? previous : [String(previous)]), value];
          else answer[name] = `${String(previous)}, ${value}`;
        }
        return true;
      },
      onData(chunk) {
        chunks.push(chunk);
        return true;
      },
      onComplete() {
        clearTimeout(timer);
        resolve({ status, headers: answer, body: chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8') });
      },
      onError(error) {
        clearTimeout(timer);
        reject(timedOut ?? error);
      },
    };
    const body = request.body;
    if (body !== undefined) headers['content-type'] = request.contentType ?? 'application/json';
    try {
      pool.dispatch({ path, method: request.method, headers, body }, handler);
    } catch (error) {
      clearTimeout(timer);
      reject(error as Error);
    }
  });
}

/** Reads a whole response body as UTF-8. */
export function readBody(res: http.IncomingMessage): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8') }));
    res.on('error', reject);
    res.once('aborted', () => reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })));
  });
}
