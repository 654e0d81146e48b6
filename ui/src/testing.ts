// Test helpers: a fake API behind an injected fetch (tokens, app states, an events stream the test
// writes to and drops), and AppState builders.
import type { AppState, Identity } from './api/client.ts';

export function appState(app: string, env: string, extra: Partial<AppState> = {}): AppState {
  return {
    app,
    env,
    revision: 'a'.repeat(40),
    targetRevision: 'a'.repeat(40),
    sync: 'Synced',
    health: 'Healthy',
    automated: true,
    selfHeal: false,
    prune: true,
    failures: 0,
    syncWindowOpen: true,
    ...extra,
  };
}

interface FakeResponse {
  ok: boolean;
  status: number;
  statusText: string;
  headers: Headers;
  body: ReadableStream<Uint8Array> | null;
  json(): Promise<unknown>;
}

const json = (status: number, body: unknown): FakeResponse => ({
  ok: status >= 200 && status < 300,
  status,
  statusText: '',
  headers: new Headers({ 'content-type': 'application/json' }),
  body: null,
  json: async () => body,
});

/** One open events stream: the test writes server-sent text to it, or drops it. */
export interface FakeStream {
  send(event: { type: string } & Record<string, unknown>): void;
  write(text: string): void;
  drop(): void;
}

export interface FakeApiOptions {
  /** token → identity; default read/deploy/admin tokens named after their role. */
  tokens?: Record<string, Identity>;
  apps?: AppState[];
  /** Answer 404 to /api/v1/whoami (an older agent). */
  noWhoami?: boolean;
}

export class FakeApi {
  readonly tokens: Record<string, Identity>;
  apps: AppState[];
  readonly streams: FakeStream[] = [];
  /** Every request: method, path and the Authorization header. */
  readonly requests: Array<{ method: string; path: string; authorization: string | null; body?: unknown }> = [];
  /** Extra answers by `METHOD /path`: the status and JSON body for a request's JSON body. */
  readonly routes = new Map<string, (body: unknown) => { status: number; body: unknown }>();
  /** Answer the next events requests with this status (e.g. 503) instead of a stream. */
  eventsStatus: number | undefined;
  private readonly noWhoami: boolean;

  constructor(options: FakeApiOptions = {}) {
    this.tokens = options.tokens ?? { 'read-token': { name: 'reader', role: 'read' }, 'deploy-token': { name: 'ci', role: 'deploy' }, 'admin-token': { name: 'root', role: 'admin' } };
    this.apps = options.apps ?? [];
    this.noWhoami = options.noWhoami ?? false;
  }

  get openStreams(): number {
    return this.streams.length;
  }

  readonly fetch = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), 'http://agent.test');
    const headers = new Headers(init.headers);
    const authorization = headers.get('authorization');
    const method = init.method ?? 'GET';
    const body = typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    this.requests.push(body === undefined ? { method, path: url.pathname + url.search, authorization } : { method, path: url.pathname + url.search, authorization, body });
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
    const identity = token ? this.tokens[token] : undefined;
    if (!identity) return json(401, { error: { message: 'invalid or missing token', category: 'unauthorized' } });
    if (url.pathname === '/api/v1/whoami') return this.noWhoami ? json(404, { error: { message: 'no route GET /api/v1/whoami', category: 'not-found' } }) : json(200, identity);
    if (url.pathname === '/api/v1/apps') return json(200, this.apps);
    const route = this.routes.get(`${method} ${url.pathname}`);
    if (route) {
      const answer = route(body);
      return json(answer.status, answer.body);
    }
    if (url.pathname === '/api/v1/events') {
      if (this.eventsStatus) return json(this.eventsStatus, { error: { message: 'the agent is starting', category: 'transient' } });
      return this.openStream(init.signal ?? undefined);
    }
    return json(404, { error: { message: `no route ${method} ${url.pathname}`, category: 'not-found' } });
  }) as unknown as typeof fetch;

  private openStream(signal: AbortSignal | undefined): FakeResponse {
    const encoder = new TextEncoder();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let open = true;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
      },
    });
    const stream: FakeStream = {
      write: (text) => {
        if (open) controller.enqueue(encoder.encode(text));
      },
      send: (event) => stream.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`),
      drop: () => {
        if (!open) return;
        open = false;
        this.streams.splice(this.streams.indexOf(stream), 1);
        controller.error(new TypeError('network error'));
      },
    };
    signal?.addEventListener('abort', () => stream.drop());
    this.streams.push(stream);
    stream.write('retry: 3000\n\n');
    for (const state of this.apps) stream.send({ type: 'app', state });
    return { ok: true, status: 200, statusText: 'OK', headers: new Headers({ 'content-type': 'text/event-stream' }), body, json: async () => undefined };
  }
}

/** A clock the test moves by hand. */
export class ManualClock {
  now = 0;
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private nextId = 1;

  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = this.nextId++;
    this.timers.push({ at: this.now + ms, fn, id });
    return id;
  };

  clearTimeout = (handle: unknown): void => {
    this.timers = this.timers.filter((t) => t.id !== handle);
  };

  /** Delays of the timers now pending, from now. */
  get pending(): number[] {
    return this.timers.map((t) => t.at - this.now);
  }

  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.now = due.at;
      due.fn();
    }
    this.now = until;
  }
}
