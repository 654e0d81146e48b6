import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError, badRequest, methodNotAllowed } from './api-error.ts';
import type { ApiCore, DeleteOptions, PatchType, Subresource, WatchEvent } from './api.ts';
import { podLogs } from './controllers/index.ts';
import { coreVersions, groupInfo, groupList, resourceList, versionInfo } from './discovery.ts';
import type { CostClass, CostModel } from './cost-model.ts';
import type { FaultInjector } from './faults.ts';
import { openApiDocument, openApiIndex } from './openapi.ts';
import { maxNestingDepth, summarizeBody, tooDeep, yamlTooDeep } from './nesting.ts';
import { decodeProtobufObject, UnsupportedProtobufKindError } from './protobuf.ts';
import { RequestStats, type SandboxStats } from './request-stats.ts';
import { toTable } from './table.ts';
import type { KubeObject, ResourceType } from './types.ts';

export interface HandlerOptions {
  token?: string;
  faults: FaultInjector;
  /** How often an idle watch with bookmarks gets a BOOKMARK event. */
  bookmarkIntervalMs?: number;
  /** Answer no sooner than a real API server would (see cost-model.ts); answers at once without. */
  cost?: CostModel;
  /** The gitVersion `/version` reports (see `versionInfo`). */
  version?: string;
}

export type { SandboxStats } from './request-stats.ts';

/** A request being served: when it arrived, and what the cost model charges for it once answered. */
interface Charge {
  model: CostModel;
  arrivedAt: number;
  cost?: CostClass;
  /** Objects listed (or deleted by a delete-collection), for the per-object part of the cost. */
  items: number;
}

/** The charges of the requests being served, by their response: `send` holds an answer until its time. */
const charges = new WeakMap<ServerResponse, Charge>();

/** Writes an answer now, or when the cost model says a real server would have answered. */
function send(res: ServerResponse, write: () => void): void {
  const charge = charges.get(res);
  charges.delete(res);
  if (!charge?.cost) return write();
  let delay = 0;
  // a delete-collection is charged one delete per object it deleted
  const times = charge.cost === 'delete' ? Math.max(1, charge.items) : 1;
  for (let i = 0; i < times; i++) delay = Math.max(delay, charge.model.charge(charge.cost, charge.arrivedAt, charge.cost === 'list' ? charge.items : 0));
  if (delay <= 0) return write();
  setTimeout(() => {
    if (!res.destroyed) write();
  }, delay);
}

/** The apiserver's default --max-request-body-bytes (MaxRequestBodyBytes): 3 MiB. */
const maxBody = 3 * 1024 * 1024;
/**
 * How much more of a body over the limit is read (and dropped) before the answer: a client that is
 * still sending when the server answers and closes sees its connection reset, not the 413.
 */
const maxDrain = 64 * 1024 * 1024;

const patchTypes: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

interface Route {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
  legacyWatch: boolean;
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  send(res, () => {
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
    res.end(text);
  });
}

function sendError(res: ServerResponse, error: unknown): void {
  const apiError = error instanceof ApiError ? error : new ApiError(500, 'InternalError', `Internal error occurred: ${(error as Error).message}`);
  const headers: Record<string, string> = {};
  // as the apiserver does for every Status with a retry delay (429, 504 Too large resource version)
  const retryAfter = apiError.details?.retryAfterSeconds ?? (apiError.code === 429 ? 1 : undefined);
  if (retryAfter !== undefined) headers['Retry-After'] = String(retryAfter);
  if (error instanceof EntityTooLargeError && error.unread) headers.Connection = 'close';
  const text = JSON.stringify(apiError.toStatus());
  send(res, () => {
    res.writeHead(apiError.code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
    res.end(text);
  });
}

/** 413 for a body over `maxBody`; `unread` when the rest of it was left unread (the connection is then closed). */
class EntityTooLargeError extends ApiError {
  constructor(readonly unread: boolean) {
    super(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${maxBody}`);
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  return (await readRawBody(req)).toString('utf8');
}

/**
 * The request body, up to `maxBody` bytes. A longer one is read to its end (up to `maxDrain` more,
 * dropped) before it is refused, so the client reads the 413 instead of a reset connection.
 */
function readRawBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= maxBody) {
        chunks.push(chunk);
        return;
      }
      chunks.length = 0;
      if (size > maxBody + maxDrain) {
        req.off('data', onData);
        req.pause();
        reject(new EntityTooLargeError(true));
      }
    };
    req.on('data', onData);
    req.on('end', () => (size > maxBody ? reject(new EntityTooLargeError(false)) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequest(`the request body is not valid JSON: ${(error as Error).message}`);
  }
}

/** The apiserver's answer to a body its decoder could not read as a `kind` (transformDecodeError without a kind in the data). */
function unrecognized(kind: string, problem: string, body: Buffer): ApiError {
  return badRequest(`the object provided is unrecognized (must be of type ${kind}): ${problem} (${summarizeBody(body)})`);
}

/**
 * The object in a POST/PUT/DELETE body: JSON, YAML (`application/yaml`), or Kubernetes protobuf
 * decoded to its JSON form. `kind` is what the body must be, for messages. Bodies that nest deeper
 * than `maxNestingDepth` are refused with the words of the apiserver's decoders.
 */
async function readObjectBody(req: IncomingMessage, kind: string): Promise<unknown> {
  const body = await readRawBody(req);
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (mediaType === 'application/yaml') return decodeYamlObject(body, kind);
  if (!mediaType.startsWith('application/vnd.kubernetes.protobuf')) {
    const object = parseJsonBody(body.toString('utf8'));
    const bracket = tooDeep(object);
    if (bracket) throw unrecognized(kind, `couldn't get version/kind; json parse error: invalid character '${bracket}' exceeded max depth`, body);
    return object;
  }
  if (body.length === 0) return undefined;
  let object: unknown;
  try {
    object = decodeProtobufObject(body);
  } catch (error) {
    if (error instanceof UnsupportedProtobufKindError) {
      throw new ApiError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - the sandbox cannot decode protobuf bodies of kind ${error.kind} (${error.apiVersion}); accepted media types include: application/json, application/yaml`,
      );
    }
    throw badRequest(`the request body is not valid protobuf: ${(error as Error).message}`);
  }
  if (tooDeep(object)) throw unrecognized(kind, `the request body nests arrays and objects more than ${maxNestingDepth} levels deep`, body);
  return object;
}

/** A YAML body, read as the apiserver's YAML serializer does (one document, converted to JSON). */
function decodeYamlObject(body: Buffer, kind: string): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  const tooDeepError = (): ApiError => unrecognized(kind, `error converting YAML to JSON: yaml: exceeded max depth of ${maxNestingDepth}`, body);
  if (yamlTooDeep(text)) throw tooDeepError();
  let object: unknown;
  try {
    object = parseYaml(text);
  } catch (error) {
    throw unrecognized(kind, `error converting YAML to JSON: yaml: ${(error as Error).message.split('\n')[0]}`, body);
  }
  if (tooDeep(object)) throw tooDeepError();
  return object;
}

function wantsTable(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return accept.includes('as=Table');
}

/** Builds the request handler of the sandbox API server. */
export function createHandler(
  api: ApiCore,
  options: HandlerOptions,
): { handle: (req: IncomingMessage, res: ServerResponse) => void; stats: () => SandboxStats; resetStats: () => void; closeWatches: () => void } {
  const stats = new RequestStats();
  const watches = new Set<() => void>();
  const token = options.token ? Buffer.from(options.token) : undefined;
  api.store.subscribe(() => stats.writes++);

  function authorized(req: IncomingMessage): boolean {
    if (!token) return true;
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Bearer ')) return false;
    const given = Buffer.from(header.slice(7).trim());
    return given.length === token.length && timingSafeEqual(given, token);
  }

  /**
   * Counts a request by verb (and client) until its answer is gone, and tells the cost model what
   * to charge for it. `cost` may be changed until the answer is sent (a write that changed nothing).
   */
  function count(req: IncomingMessage, res: ServerResponse, verb: string, cost?: CostClass): void {
    const end = stats.begin(verb, req.headers['user-agent']);
    res.once('close', end);
    const charge = charges.get(res);
    if (charge) charge.cost = cost;
  }

  /** What a request is charged as, once its answer is known: the class it was counted as, or another. */
  function recharge(res: ServerResponse, cost: CostClass, items = 0): void {
    const charge = charges.get(res);
    if (!charge) return;
    charge.cost = cost;
    charge.items = items;
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (!authorized(req)) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
    const fault = options.faults.draw(path);
    if (fault) return injectFault(req, res, fault);
    if (path === '/sandbox/v1/faults') return handleFaults(req, res);
    if (path === '/sandbox/v1/stats') return handleStats(req, res);
    const discovery = (): void => count(req, res, 'discovery', 'discovery');
    if (path === '/version' || path === '/api' || path === '/apis' || path.startsWith('/openapi/') || (method === 'GET' && /^\/(api\/[^/]+|apis\/[^/]+(\/[^/]+)?)$/.test(path))) discovery();
    if (path === '/version') return sendJson(res, 200, versionInfo(options.version));
    if (path === '/api') return sendJson(res, 200, coreVersions());
    if (path === '/apis') return sendJson(res, 200, groupList(api.registry));
    if (path === '/openapi/v3') return sendJson(res, 200, openApiIndex(api.registry));
    if (path.startsWith('/openapi/v3/')) {
      const doc = openApiDocument(api.registry, path.slice('/openapi/v3/'.length));
      if (!doc) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      return sendJson(res, 200, doc);
    }
    const parts = path.split('/').slice(1).map(decodeURIComponent);
    let group: string;
    let version: string;
    let rest: string[];
    if (parts[0] === 'api' && parts.length >= 2) {
      group = '';
      version = parts[1];
      rest = parts.slice(2);
    } else if (parts[0] === 'apis' && parts.length >= 2) {
      group = parts[1];
      if (parts.length === 2) {
        const info = groupInfo(api.registry, group);
        if (!info) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
        return sendJson(res, 200, info);
      }
      version = parts[2];
      rest = parts.slice(3);
    } else {
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    }
    if (rest.length === 0) {
      const list = resourceList(api.registry, group, version);
      if (!list) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      return sendJson(res, 200, list);
    }
    const target = resolveRoute(group, version, rest);
    if (!target) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    return serveResource(req, res, url, method, target);
  }

  function resolveRoute(group: string, version: string, rest: string[]): Route | undefined {
    let legacyWatch = false;
    if (rest[0] === 'watch') {
      legacyWatch = true;
      rest = rest.slice(1);
    }
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      const type = api.registry.lookup(group, version, rest[2]);
      if (type?.namespaced) return { type, namespace: rest[1], name: rest[3], subresource: rest[4], legacyWatch };
    }
    const type = api.registry.lookup(group, version, rest[0]);
    if (!type) return undefined;
    if (rest.length > 3) return undefined;
    return { type, name: rest[1], subresource: rest[2], legacyWatch };
  }

  async function serveResource(req: IncomingMessage, res: ServerResponse, url: URL, method: string, route: Route): Promise<void> {
    const { type, namespace, name } = route;
    const q = url.searchParams;
    const sub = route.subresource;
    if (sub !== undefined && sub !== 'status' && sub !== 'scale' && !(sub === 'log' && type.kind === 'Pod') && !(sub === 'finalize' && type.kind === 'Namespace')) {
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    }
    if (sub === 'status' && !type.subresources.status) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    if (sub === 'scale' && !type.subresources.scale) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    const subresource = sub === 'status' || sub === 'scale' ? (sub as Subresource) : undefined;
    const dryRun = q.getAll('dryRun').includes('All');
    if (q.getAll('dryRun').some((v) => v !== 'All')) throw badRequest(`dryRun: Unsupported value: "${q.get('dryRun')}": supported values: "All"`);
    const fieldManager = q.get('fieldManager') || undefined;
    const writeOptions = { dryRun, fieldManager, userAgent: req.headers['user-agent'], subresource, force: q.get('force') === 'true' };
    const table = wantsTable(req);

    if (method === 'GET' && sub === 'log') {
      count(req, res, 'get', 'get');
      const pod = api.get(type, namespace, name as string);
      const text = podLog(pod, q.get('container') ?? undefined, q.get('tailLines'), q.get('previous') === 'true');
      return send(res, () => {
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
      });
    }
    if (method === 'GET' && (route.legacyWatch || q.get('watch') === 'true' || q.get('watch') === '1')) {
      count(req, res, 'watch');
      return serveWatch(req, res, route, q, table);
    }
    if (method === 'GET' && name === undefined) {
      count(req, res, 'list', 'list');
      const limit = q.get('limit');
      const result = api.list(type, namespace, {
        labelSelector: q.get('labelSelector') ?? undefined,
        fieldSelector: q.get('fieldSelector') ?? undefined,
        limit: limit ? Number(limit) : undefined,
        continue: q.get('continue') ?? undefined,
      });
      recharge(res, 'list', result.items.length);
      const listMeta = { resourceVersion: result.resourceVersion, continue: result.continue, remainingItemCount: result.remainingItemCount };
      if (table) return sendJson(res, 200, toTable(type, result.items, { includeObject: includeObject(q), now: new Date(), listMeta }));
      return sendJson(res, 200, { kind: type.listKind, apiVersion: apiVersion(type), metadata: compact(listMeta), items: result.items });
    }
    if (method === 'GET') {
      count(req, res, 'get', 'get');
      const object = api.get(type, namespace, name as string, subresource === 'scale' ? 'scale' : undefined);
      if (table && subresource === undefined) return sendJson(res, 200, toTable(type, [object], { includeObject: includeObject(q), now: new Date() }));
      return sendJson(res, 200, object);
    }
    if (method === 'POST' && name === undefined) {
      count(req, res, dryRun ? 'dry-run create' : 'create', dryRun ? 'dry-run' : 'write');
      const body = await readObjectBody(req, type.kind);
      const created = await api.create(type, namespace, body, writeOptions);
      return sendJson(res, 201, created);
    }
    if (method === 'PUT' && name !== undefined) {
      count(req, res, dryRun ? 'dry-run update' : 'update', dryRun ? 'dry-run' : 'write');
      const body = await readObjectBody(req, sub === 'scale' ? 'Scale' : type.kind);
      const before = api.store.resourceVersion;
      const updated = await api.update(type, namespace, name, body, sub === 'finalize' ? { ...writeOptions, subresource: undefined } : writeOptions);
      if (!dryRun && !wroteSince(updated, before)) recharge(res, 'unchanged-write');
      return sendJson(res, 200, updated);
    }
    if (method === 'PATCH' && name !== undefined) {
      const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim();
      const patchType = patchTypes[contentType];
      const verb = patchType === 'apply' ? 'apply' : 'patch';
      count(req, res, dryRun ? `dry-run ${verb}` : verb, dryRun ? 'dry-run' : 'write');
      if (!patchType) {
        throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${Object.keys(patchTypes).join(', ')}`);
      }
      const body = await readBody(req);
      const before = api.store.resourceVersion;
      const { object, created } = await api.patch(type, namespace, name, patchType, body, writeOptions);
      if (!dryRun && !wroteSince(object, before)) recharge(res, 'unchanged-write');
      return sendJson(res, created ? 201 : 200, object);
    }
    if (method === 'DELETE') {
      const body = (await readObjectBody(req, 'DeleteOptions')) as { propagationPolicy?: string; orphanDependents?: boolean; preconditions?: DeleteOptions['preconditions']; dryRun?: string[] } | undefined;
      const policy = q.get('propagationPolicy') ?? body?.propagationPolicy ?? (body?.orphanDependents === true ? 'Orphan' : undefined);
      if (policy !== undefined && policy !== 'Foreground' && policy !== 'Background' && policy !== 'Orphan') {
        throw badRequest(`propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`);
      }
      const deleteOptions: DeleteOptions = { dryRun: dryRun || (body?.dryRun ?? []).includes('All'), propagationPolicy: policy, preconditions: body?.preconditions };
      const verb = name === undefined ? 'deletecollection' : 'delete';
      count(req, res, deleteOptions.dryRun ? `dry-run ${verb}` : verb, deleteOptions.dryRun ? 'dry-run' : 'delete');
      if (name === undefined) {
        const items = await api.deleteCollection(type, namespace, { labelSelector: q.get('labelSelector') ?? undefined, fieldSelector: q.get('fieldSelector') ?? undefined }, deleteOptions);
        if (!deleteOptions.dryRun) recharge(res, 'delete', items.length);
        return sendJson(res, 200, { kind: type.listKind, apiVersion: apiVersion(type), metadata: {}, items });
      }
      const object = await api.delete(type, namespace, name, deleteOptions);
      const pending = object.metadata.deletionTimestamp !== undefined && (object.metadata.finalizers ?? []).length > 0;
      return sendJson(res, pending && !deleteOptions.dryRun ? 202 : 200, object);
    }
    throw methodNotAllowed(`the server does not allow this method on the requested resource`);
  }

  function serveWatch(req: IncomingMessage, res: ServerResponse, route: Route, q: URLSearchParams, table: boolean): void {
    const { type } = route;
    let namespace = route.namespace;
    let fieldSelector = q.get('fieldSelector') ?? undefined;
    if (route.name) fieldSelector = `metadata.name=${route.name}` + (fieldSelector ? `,${fieldSelector}` : '');
    if (namespace === '') namespace = undefined;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    const mode = includeObject(q);
    let first = true;
    // an ERROR event is the last of a watch: the apiserver ends the response after it
    let over = false;
    let started = false;
    const sink = (event: WatchEvent): void => {
      if (over || res.writableEnded) return;
      let object = event.object;
      if (table && (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED')) {
        object = toTable(type, [event.object as KubeObject], { includeObject: mode, now: new Date(), noHeaders: !first });
        first = false;
      }
      res.write(JSON.stringify({ type: event.type, object }) + '\n');
      if (event.type === 'ERROR') {
        over = true;
        if (started) finish();
      }
    };
    let stop: () => void = () => undefined;
    let timer: NodeJS.Timeout | undefined = undefined; // set once the watch has started
    const finish = (): void => {
      stop();
      watches.delete(finish);
      if (timer) clearTimeout(timer);
      if (!res.writableEnded) res.end();
    };
    try {
      stop = api.watch(
        type,
        namespace,
        {
          labelSelector: q.get('labelSelector') ?? undefined,
          fieldSelector,
          resourceVersion: q.get('resourceVersion') ?? undefined,
          allowWatchBookmarks: q.get('allowWatchBookmarks') === 'true',
          sendInitialEvents: q.get('sendInitialEvents') === 'true',
          bookmarkIntervalMs: options.bookmarkIntervalMs,
        },
        sink,
      );
    } catch (error) {
      const status = error instanceof ApiError ? error.toStatus() : new ApiError(500, 'InternalError', (error as Error).message).toStatus();
      res.end(JSON.stringify({ type: 'ERROR', object: status }) + '\n');
      return;
    }
    if (over) return finish();
    started = true;
    const timeoutSeconds = Number(q.get('timeoutSeconds') ?? 0);
    // Kubernetes ends a watch after timeoutSeconds, or a random 30-60 minutes when none is given
    timer = setTimeout(finish, timeoutSeconds > 0 ? timeoutSeconds * 1000 : 1800_000 + Math.random() * 1800_000);
    watches.add(finish);
    req.on('close', finish);
    res.on('close', finish);
  }

  function podLog(pod: KubeObject, container: string | undefined, tailLines: string | null, previous = false): string {
    const containers = ((pod.spec as { containers?: { name: string }[] } | undefined)?.containers ?? []).map((c) => c.name);
    if (container === undefined) {
      if (containers.length !== 1) {
        throw badRequest(`a container name must be specified for pod ${pod.metadata.name}, choose one of: [${containers.join(' ')}]`);
      }
      container = containers[0];
    } else if (!containers.includes(container)) {
      throw badRequest(`container ${container} is not valid for pod ${pod.metadata.name}`);
    }
    if (previous) {
      // the kubelet reads the previous run by the container id its last termination recorded
      const status = pod.status as { containerStatuses?: { name: string; lastState?: { terminated?: { containerID?: string } } }[] } | undefined;
      const last = status?.containerStatuses?.find((s) => s.name === container)?.lastState?.terminated;
      if (!last?.containerID) throw badRequest(`previous terminated container "${container}" in pod "${pod.metadata.name}" not found`);
    }
    let text = podLogs(pod, container);
    if (tailLines !== null) {
      const n = Number(tailLines);
      const lines = text.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1);
      text = lines.slice(Math.max(0, lines.length - n)).join('\n') + (lines.length ? '\n' : '');
    }
    return text;
  }

  /** `GET /sandbox/v1/stats`: the counts; `DELETE`: start counting afresh (requests and maxima; writes keep counting). */
  function handleStats(req: IncomingMessage, res: ServerResponse): void {
    if (req.method === 'GET') return sendJson(res, 200, stats.snapshot());
    if (req.method === 'DELETE') {
      stats.reset();
      return sendJson(res, 200, stats.snapshot());
    }
    throw methodNotAllowed('use GET, or DELETE to reset the counts');
  }

  async function handleFaults(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET') return sendJson(res, 200, options.faults.current);
    if (req.method === 'PUT' || req.method === 'POST') {
      const body = parseJsonBody(await readBody(req)) as Parameters<FaultInjector['configure']>[0];
      try {
        options.faults.configure(body ?? { rate: 0 });
      } catch (error) {
        throw badRequest((error as Error).message);
      }
      return sendJson(res, 200, options.faults.current);
    }
    throw methodNotAllowed('use GET or PUT');
  }

  function injectFault(req: IncomingMessage, res: ServerResponse, fault: string): void {
    req.resume();
    if (fault === 'error500') return sendError(res, new ApiError(500, 'InternalError', 'Internal error occurred: injected fault'));
    if (fault === 'error429') return sendError(res, new ApiError(429, 'TooManyRequests', 'injected fault: too many requests, please try again later', { retryAfterSeconds: 1 }));
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    // timeout: hold the request, then drop the connection without an answer
    const timer = setTimeout(() => req.socket.destroy(), options.faults.timeoutMs);
    timer.unref();
    req.socket.on('close', () => clearTimeout(timer));
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://sandbox');
    } catch {
      return sendError(res, badRequest('malformed request URL'));
    }
    if (options.cost) charges.set(res, { model: options.cost, arrivedAt: options.cost.time(), items: 0 });
    route(req, res, url).catch((error: unknown) => {
      if (res.headersSent) {
        res.end();
        return;
      }
      sendError(res, error);
    });
  }

  return {
    handle,
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    closeWatches: () => {
      for (const finish of [...watches]) finish();
    },
  };
}

/** Whether a write stored `object` after the store's version was `before` (a write that changes nothing answers with the object as it was). */
function wroteSince(object: KubeObject, before: number): boolean {
  return Number(object.metadata.resourceVersion) > before;
}

function apiVersion(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

function includeObject(q: URLSearchParams): 'None' | 'Metadata' | 'Object' {
  const value = q.get('includeObject');
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

function compact<T extends Record<string, unknown>>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

