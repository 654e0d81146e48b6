import type { FastifyBaseLogger, FastifyInstance, FastifyReply } from 'fastify';
import { NotFoundError } from '../core/index.ts';
import type { AgentApi, AppRef, ObjectRef, PodLogRequest } from '../agent/index.ts';
import type { LogStream } from '../kube/index.ts';
import type { Authenticator } from './auth.ts';
import { startEventStream, type EventStreams } from './event-stream.ts';
import { RequestError, toHttpError } from './http-errors.ts';
import type { Role } from './tokens.ts';

export interface InspectRouteOptions {
  agent(): AgentApi;
  auth: Authenticator;
  /** Where followed logs are registered, so that closing the server ends them. */
  streams: EventStreams;
  /** Interval of the keep-alive comment of a followed log. */
  keepAliveMs: number;
  log: FastifyBaseLogger;
}

interface AppParams {
  env: string;
  app: string;
}

interface ObjectQuery {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

interface LogQuery {
  namespace: string;
  pod: string;
  container?: string;
  tailLines?: string;
  follow?: 'true' | 'false';
}

const refParams = {
  type: 'object',
  required: ['env', 'app'],
  properties: { env: { type: 'string', minLength: 1 }, app: { type: 'string', minLength: 1 } },
} as const;

const dnsName = { type: 'string', minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9]([-A-Za-z0-9_.:@]*[A-Za-z0-9])?$' } as const;
const namespace = { type: 'string', maxLength: 63, pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$' } as const;

const objectQuery = {
  type: 'object',
  required: ['apiVersion', 'kind', 'name'],
  properties: {
    apiVersion: { type: 'string', maxLength: 253, pattern: '^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?v[0-9]+[a-z0-9]*$' },
    kind: { type: 'string', maxLength: 63, pattern: '^[A-Za-z][A-Za-z0-9]*$' },
    namespace,
    name: dnsName,
  },
} as const;

const logQuery = {
  type: 'object',
  required: ['namespace', 'pod'],
  properties: {
    namespace: { ...namespace, minLength: 1 },
    pod: dnsName,
    container: dnsName,
    tailLines: { type: 'string', pattern: '^[0-9]{1,9}$' },
    follow: { type: 'string', enum: ['true', 'false'] },
  },
} as const;

/** Log lines answered by default, and at most. */
const defaultTailLines = 200;
const maxTailLines = 5000;
/** Crash reports answered at most. */
const maxCrashes = 50;
const commitSha = /^[0-9a-f]{7,40}$/i;

/**
 * What the web UI inspects and the one destructive verb on an app: a live object of an app and its
 * Events, a pod's log (as JSON, or followed as server-sent events), deleting an app, the agent's
 * crash reports, and a commit of the config repo. Reads need role `read`; deleting role `admin`
 * and the app's name typed again.
 */
export async function inspectRoutes(scope: FastifyInstance, options: InspectRouteOptions): Promise<void> {
  const { auth } = options;
  const role = (required: Role) => ({ onRequest: auth.require(required) });
  const refOf = (params: AppParams): AppRef => {
    const ref = { app: params.app, env: params.env };
    if (!options.agent().app(ref)) throw new NotFoundError(`app "${ref.app}" is not in environment "${ref.env}"`);
    return ref;
  };
  const objectOf = (query: ObjectQuery): ObjectRef => ({ apiVersion: query.apiVersion, kind: query.kind, namespace: query.namespace ?? '', name: query.name });

  scope.get<{ Params: AppParams; Querystring: ObjectQuery }>('/api/v1/apps/:env/:app/object', { ...role('read'), schema: { params: refParams, querystring: objectQuery } }, async (request) =>
    options.agent().object(refOf(request.params), objectOf(request.query)),
  );

  scope.get<{ Params: AppParams; Querystring: ObjectQuery }>('/api/v1/apps/:env/:app/object/events', { ...role('read'), schema: { params: refParams, querystring: objectQuery } }, async (request) => ({
    events: await options.agent().objectEvents(refOf(request.params), objectOf(request.query)),
  }));

  scope.get<{ Params: AppParams; Querystring: LogQuery }>('/api/v1/apps/:env/:app/logs', { ...role('read'), schema: { params: refParams, querystring: logQuery } }, async (request, reply) => {
    const ref = refOf(request.params);
    const tailLines = request.query.tailLines === undefined ? defaultTailLines : Number(request.query.tailLines);
    if (tailLines < 1 || tailLines > maxTailLines) throw new RequestError(400, `tailLines must be 1 to ${maxTailLines}`);
    const logRequest: PodLogRequest = { namespace: request.query.namespace, pod: request.query.pod, tailLines };
    if (request.query.container) logRequest.container = request.query.container;
    if (request.query.follow === 'true') return followLog(options, ref, { ...logRequest, follow: true }, reply, request.log);
    const lines: string[] = [];
    const stream = await options.agent().logs(ref, logRequest, (line) => lines.push(line));
    // a client that goes away stops the read
    const stop = (): void => stream.stop();
    reply.raw.on('close', stop);
    try {
      await stream.done;
    } finally {
      reply.raw.off('close', stop);
    }
    while (lines.length > 0 && lines.at(-1) === '') lines.pop();
    return { lines: lines.slice(-tailLines) };
  });

  scope.delete<{ Params: AppParams; Body: { confirm?: string } | undefined }>(
    '/api/v1/apps/:env/:app',
    {
      ...role('admin'),
      schema: { params: refParams, body: { type: ['object', 'null'], additionalProperties: false, properties: { confirm: { type: 'string' } } } },
    },
    async (request) => {
      const ref = refOf(request.params);
      if (request.body?.confirm !== ref.app) {
        throw new RequestError(400, `deleting app "${ref.app}" from environment "${ref.env}" removes every object it applied there: confirm with the body {"confirm": "${ref.app}"}`);
      }
      return options.agent().delete(ref, { who: auth.identity(request).name });
    },
  );

  scope.get('/api/v1/crashes', role('read'), async () => ({ reports: options.agent().crashes().slice(0, maxCrashes) }));

  scope.get<{ Params: { sha: string } }>('/api/v1/commits/:sha', { ...role('read'), schema: { params: { type: 'object', required: ['sha'], properties: { sha: { type: 'string' } } } } }, async (request) => {
    if (!commitSha.test(request.params.sha)) throw new RequestError(400, 'a commit SHA is 7 to 40 hexadecimal characters');
    return options.agent().commit(request.params.sha);
  });
}

/**
 * A pod's log as server-sent events: `event: line` with the line as a JSON string, for each line,
 * then `event: end` (with `{"error": …}` when reading failed) once the log ends. A client that goes
 * away stops the read at once; so does closing the server.
 */
async function followLog(options: InspectRouteOptions, ref: AppRef, request: PodLogRequest, reply: FastifyReply, log: FastifyBaseLogger): Promise<void> {
  // lines read before the response is under way wait here (none should: they come on later ticks)
  let pending: string[] | undefined = [];
  let write: (chunk: string) => void = () => undefined;
  const send = (line: string): void => {
    if (pending) pending.push(line);
    else write(`event: line\ndata: ${JSON.stringify(line)}\n\n`);
  };
  // refused (not the app's pod, no such pod) as JSON, before the stream starts
  const stream: LogStream = await options.agent().logs(ref, request, send);
  const res = startEventStream(reply);
  let closed = false;
  write = (chunk) => {
    if (!closed) res.write(chunk);
  };
  const close = (): void => {
    if (closed) return;
    closed = true;
    clearInterval(keepAlive);
    release();
    stream.stop();
    if (!res.writableEnded) res.end();
  };
  const keepAlive = setInterval(() => write(': keep-alive\n\n'), options.keepAliveMs);
  keepAlive.unref();
  const release = options.streams.hold(close);
  res.on('close', close);
  res.on('error', close);
  for (const line of pending) write(`event: line\ndata: ${JSON.stringify(line)}\n\n`);
  pending = undefined;
  stream.done.then(
    () => {
      write('event: end\ndata: {}\n\n');
      close();
    },
    (error: unknown) => {
      const mapped = toHttpError(error);
      log.debug({ status: mapped.status, message: mapped.body.error.message }, 'followed log failed');
      write(`event: end\ndata: ${JSON.stringify({ error: mapped.body.error.message })}\n\n`);
      close();
    },
  );
}
