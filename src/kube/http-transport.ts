import http from 'node:http';
import https from 'node:https';
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

/**
 * Sends requests to one API server with node:http(s). client-node's KubeConfig (through
 * PooledKubeConfig) supplies authentication and TLS — bearer tokens, exec and auth-provider
 * plugins, client certificates, CA — and a keep-alive agent shared by every request; the request
 * itself, JSON in and out, is ours, because the generated client's per-request overhead (a new
 * agent, object (de)serialisation into classes) is what limits throughput.
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
    const { req, res } = await this.open(request, 'application/json');
    return withDeadline(req, request, request.timeoutMs ?? this.timeoutMs, res.then(readBody));
  }

  /**
   * A long-lived request (a watch): resolves with the response once its headers arrive (within the
   * timeout); the caller reads the stream and ends it with `req.destroy()`.
   */
  async stream(request: HttpRequest): Promise<{ req: http.ClientRequest; res: http.IncomingMessage }> {
    const { req, res } = await this.open(request, 'application/json', true);
    return { req, res: await withDeadline(req, request, request.timeoutMs ?? this.timeoutMs, res) };
  }

  close(): void {
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
