/**
 * Where the requests go: a tally of the requests an in-process sandbox receives, by what they
 * touch (the inventories, the lock Leases, Namespaces, Events, the apps' own objects by resource)
 * and by verb. The sandbox counts requests by verb only; this reads every request the process's
 * HTTP(S) servers start through Node's `http.server.request.start` diagnostics channel, so the
 * sandbox is left as it is. Verbs are named as the sandbox names them (request-stats.ts), so the
 * totals of the two can be compared.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { appendFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Target → verb → requests. */
export type RequestTally = Record<string, Record<string, number>>;

const inventoryNamespace = 'capstan-system';

function isDiscovery(method: string, path: string): boolean {
  return path === '/version' || path === '/api' || path === '/apis' || path.startsWith('/openapi/') || (method === 'GET' && /^\/(api\/[^/]+|apis\/[^/]+(\/[^/]+)?)$/.test(path));
}

/** What a request touches and its verb, or undefined for what the sandbox does not count (its own endpoints, health). */
export function classify(method: string, url: string, contentType = ''): { target: string; verb: string } | undefined {
  const parsed = new URL(url, 'http://sandbox');
  const path = parsed.pathname.replace(/\/+$/, '') || '/';
  if (path.startsWith('/sandbox/') || path === '/healthz' || path === '/livez' || path === '/readyz') return undefined;
  if (isDiscovery(method, path)) return { target: 'discovery', verb: 'discovery' };
  let segments = path.split('/').filter(Boolean);
  segments = segments[0] === 'api' ? segments.slice(2) : segments.slice(3);
  const watchPath = segments[0] === 'watch';
  if (watchPath) segments = segments.slice(1);
  let namespace: string | undefined;
  // /namespaces/<ns>/<resource>/… is namespaced; /namespaces[/<name>[/status|finalize]] is the Namespace itself
  if (segments[0] === 'namespaces' && segments.length >= 3 && segments[2] !== 'status' && segments[2] !== 'finalize') {
    namespace = segments[1];
    segments = segments.slice(2);
  }
  const [resource = '?', name] = segments;
  const query = parsed.searchParams;
  let verb: string;
  if (method === 'GET') verb = watchPath || query.get('watch') === 'true' || query.get('watch') === '1' ? 'watch' : name ? 'get' : 'list';
  else if (method === 'POST') verb = 'create';
  else if (method === 'PUT') verb = 'update';
  else if (method === 'PATCH') verb = contentType.startsWith('application/apply-patch') ? 'apply' : 'patch';
  else if (method === 'DELETE') verb = name ? 'delete' : 'deletecollection';
  else verb = method.toLowerCase();
  if (query.get('dryRun') === 'All') verb = `dry-run ${verb}`;
  let target: string;
  if (resource === 'leases') target = 'lock Leases';
  else if (namespace === inventoryNamespace && resource === 'configmaps') target = 'inventories (ConfigMaps)';
  else if (namespace === inventoryNamespace) target = `${inventoryNamespace} ${resource}`;
  else if (resource === 'namespaces') target = 'Namespaces';
  else if (resource === 'events') target = 'Events';
  else target = `app ${resource}`;
  return { target, verb };
}

/** Tallies the requests of one client (by the first word of its User-Agent) between resets. */
export class RequestTrace {
  private tally: RequestTally = {};
  private readonly listener = (message: unknown): void => {
    const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
    const agent = request.headers['user-agent'] ?? '';
    if (agent.split(/[\s/]/, 1)[0] !== this.client) return;
    const seen = classify(request.method ?? 'GET', request.url ?? '/', request.headers['content-type']);
    if (!seen) return;
    const verbs = (this.tally[seen.target] ??= {});
    verbs[seen.verb] = (verbs[seen.verb] ?? 0) + 1;
    if (this.log) {
      const log = this.log;
      const started = performance.now();
      response.once('finish', () => appendFileSync(log, `${started.toFixed(1)} ${(performance.now() - started).toFixed(1)} ${response.statusCode} ${seen.verb} ${request.url ?? ''}\n`));
    }
  };

  /**
   * Tallies the requests of `client`; with `log`, every request is also appended to that file as
   * it is answered: its start (ms, the process's clock), how long its answer took, status, verb and URL.
   */
  constructor(
    private readonly client = 'capstan',
    private readonly log?: string,
  ) {
    subscribe('http.server.request.start', this.listener);
  }

  reset(): void {
    this.tally = {};
  }

  snapshot(): RequestTally {
    return structuredClone(this.tally);
  }

  stop(): void {
    unsubscribe('http.server.request.start', this.listener);
  }
}
