import type { AddressInfo } from 'node:net';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { NotFoundError, TransientError } from '../core/index.ts';
import type { AgentApi, AgentMetrics, AppRef, AppState } from '../agent/index.ts';
import { Authenticator } from './auth.ts';
import { EventStreams } from './event-stream.ts';
import { handleGitRequest, type GitReceiveOptions } from './git-receive.ts';
import { inspectRoutes } from './inspect-route.ts';
import { gitRoutes } from './git-route.ts';
import { toHttpError } from './http-errors.ts';
import { createMetrics, type ServerMetrics } from './metrics.ts';
import type { ReleaseDesk } from './release-desk.ts';
import { releaseRoutes } from './release-route.ts';
import openapi from './openapi.json' with { type: 'json' };
import type { Role, TokenStore } from './tokens.ts';
import { webhookRoutes } from './webhook-route.ts';
import { WebUi, type WebUiOptions } from './web-ui.ts';
import { verifyWebhook, type WebhookSecrets } from './webhooks.ts';

export interface ServerOptions {
  /** The agent served; or given later with `attach` (the agent needs `server.metrics` first). */
  agent?: AgentApi;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port (see `url`). */
  port?: number;
  tokens: TokenStore;
  webhookSecrets: WebhookSecrets;
  /** Webhooks and git pushes refresh only for `refs/heads/<branch>`; any branch when unset. */
  branch?: string;
  /**
   * Serve `git push`/fetch at `/git/*` (role `deploy`; the token as bearer or basic-auth password),
   * with its limits (`timeoutMs`, `maxBodyBytes`); `close` ends the git requests in flight.
   */
  git?: GitReceiveOptions;
  /** A pino logger; default silent. Authorization and webhook token headers are redacted. */
  logger?: Logger;
  version: string;
  /** Require a `read` token for `/metrics`; default false. */
  metricsAuth?: boolean;
  /** Interval of the keep-alive comment on `/api/v1/events`; default 15 s. */
  eventKeepAliveMs?: number;
  /** The webhook verifier; default `verifyWebhook` of webhooks.ts. */
  verifyWebhook?: typeof verifyWebhook;
  /** The git smart-HTTP handler; default `handleGitRequest` of git-receive.ts. */
  handleGitRequest?: typeof handleGitRequest;
  /** Release management (`/api/v1/services`, `/policies`, `/releases/log`); without it those routes answer 404. */
  releases?: ReleaseDesk;
  /** Serve the web UI built in `ui.dir` at `/`, `/assets/*` and every other non-API path; without it those answer 404. */
  ui?: WebUiOptions;
}

export interface CapstanServer {
  /** `http://host:port`, with the port actually bound. */
  url: string;
  /** prom-client backed: hand it to the agent. */
  metrics: AgentMetrics;
  /** Serves this agent (once; until then the API answers 503 and /readyz is not ready). */
  attach(agent: AgentApi): void;
  /** Ends the event streams and git requests in flight, stops listening and waits for the other requests in flight. */
  close(): Promise<void>;
}

/** Paths that redact must hide from every log line: tokens, webhook secrets, cookies. */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-gitlab-token"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-gitlab-token"]',
  '*.headers.authorization',
  '*.headers["x-gitlab-token"]',
];

/** The server's logger: a child of the given one that redacts credentials. */
export function serverLogger(logger: Logger | undefined): Logger {
  return (logger ?? pino({ level: 'silent' })).child({ component: 'server' }, { redact: { paths: redactPaths, censor: '[Redacted]' } });
}

export interface RouteEntry {
  method: string;
  url: string;
}

export interface CapstanApp {
  app: FastifyInstance;
  /** Every route registered (HEAD routes fastify adds excluded). */
  routes: RouteEntry[];
  metrics: ServerMetrics;
  streams: EventStreams;
  attach(agent: AgentApi): void;
}

interface AppParams {
  env: string;
  app: string;
}

const refParams = {
  type: 'object',
  required: ['env', 'app'],
  properties: { env: { type: 'string', minLength: 1 }, app: { type: 'string', minLength: 1 } },
} as const;

/** Builds the fastify app without listening (createServer listens; tests inspect routes). */
export function createApp(options: ServerOptions): CapstanApp {
  const log = serverLogger(options.logger);
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    // One debug line per request (onResponse below) instead of fastify's two at info.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } },
  });
  // An empty JSON body is no body (`curl -X POST -H 'content-type: application/json'`), not a 400.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString();
    if (text.trim() === '') done(null, undefined);
    else parseJson(request, text, done);
  });
  const routes: RouteEntry[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url });
  });

  let agent = options.agent;
  const current = (): AgentApi => {
    if (!agent) throw new TransientError('the agent is starting: try again in a moment');
    return agent;
  };
  const metrics = createMetrics({ apps: () => agent?.apps() ?? [], version: options.version });
  const streams = new EventStreams({ keepAliveMs: options.eventKeepAliveMs });
  const auth = new Authenticator(options.tokens);
  const role = (required: Role) => ({ onRequest: auth.require(required) });

  app.setErrorHandler((error, request, reply) => {
    const mapped = toHttpError(error);
    if (mapped.serverFault) request.log.error({ err: error, method: request.method, url: request.url }, 'request failed');
    else request.log.debug({ method: request.method, url: request.url, status: mapped.status, message: mapped.body.error.message }, 'request refused');
    return reply.code(mapped.status).send(mapped.body);
  });
  const ui = options.ui && new WebUi(options.ui);
  app.setNotFoundHandler((request, reply) => {
    if (ui?.handles(request)) return ui.sendPage(request, reply);
    const mapped = toHttpError(new NotFoundError(`no route ${request.method} ${request.url.split('?')[0]}`));
    return reply.code(mapped.status).send(mapped.body);
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug({ method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });

  const stateOf = (params: AppParams): { ref: AppRef; state: AppState } => {
    const ref = { app: params.app, env: params.env };
    const state = current().app(ref);
    if (!state) throw new NotFoundError(`app "${ref.app}" is not in environment "${ref.env}"`);
    return { ref, state };
  };

  app.get('/healthz', async () => ({ status: 'ok', version: options.version }));
  app.get('/readyz', async (_request, reply) => {
    const notReady = !agent ? 'not ready: the agent is starting' : !agent.ready() ? 'not ready: the first reconcile pass has not finished' : undefined;
    if (notReady === undefined) return { status: 'ready' };
    // An answer, not a failure: probes ask every few seconds, so it is logged like any request (debug).
    return reply.code(503).send(toHttpError(new TransientError(notReady)).body);
  });
  app.get('/metrics', options.metricsAuth ? role('read') : {}, async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
  app.get('/api/v1/openapi.json', async (_request, reply) => reply.type('application/json').send({ ...openapi, info: { ...openapi.info, version: options.version } }));

  app.get('/api/v1/whoami', role('read'), async (request) => auth.identity(request));
  app.get('/api/v1/apps', role('read'), async () => current().apps());
  app.get<{ Params: AppParams }>('/api/v1/apps/:env/:app', { ...role('read'), schema: { params: refParams } }, async (request) => stateOf(request.params).state);
  app.get<{ Params: AppParams }>('/api/v1/apps/:env/:app/resources', { ...role('read'), schema: { params: refParams } }, async (request) =>
    current().resources(stateOf(request.params).ref),
  );
  app.get<{ Params: AppParams }>('/api/v1/apps/:env/:app/diff', { ...role('read'), schema: { params: refParams } }, async (request) => {
    const report = await current().diff(stateOf(request.params).ref);
    // Diffs render their text lazily (a getter): copy to plain data so it is serialised.
    return { ...report, diffs: report.diffs.map((d) => ({ key: d.key, action: d.action, unified: d.unified, changedPaths: d.changedPaths })) };
  });
  app.get<{ Params: AppParams }>('/api/v1/apps/:env/:app/history', { ...role('read'), schema: { params: refParams } }, async (request) =>
    current().history(stateOf(request.params).ref),
  );

  app.post<{ Params: AppParams; Body: { revision?: string; prune?: boolean; force?: boolean } | undefined }>(
    '/api/v1/apps/:env/:app/sync',
    {
      ...role('deploy'),
      schema: {
        params: refParams,
        body: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: { revision: { type: 'string', minLength: 1 }, prune: { type: 'boolean' }, force: { type: 'boolean' } },
        },
      },
    },
    async (request) => {
      const { ref } = stateOf(request.params);
      const body = request.body ?? {};
      return current().sync(ref, { who: auth.identity(request).name, revision: body.revision, prune: body.prune, force: body.force });
    },
  );
  app.post<{ Params: AppParams; Body: { to?: number } | undefined }>(
    '/api/v1/apps/:env/:app/rollback',
    {
      ...role('deploy'),
      schema: { params: refParams, body: { type: ['object', 'null'], additionalProperties: false, properties: { to: { type: 'integer', minimum: 1 } } } },
    },
    async (request) => {
      const { ref } = stateOf(request.params);
      return current().rollback(ref, { who: auth.identity(request).name, to: request.body?.to });
    },
  );
  // Refreshing only hastens what polling does anyway (fetch git, re-check): a read token may ask.
  app.post<{ Params: AppParams }>('/api/v1/apps/:env/:app/refresh', { ...role('read'), schema: { params: refParams } }, async (request) => {
    const { ref } = stateOf(request.params);
    await current().refresh('manual', ref, { who: auth.identity(request).name });
    return stateOf(request.params).state;
  });
  app.post('/api/v1/refresh', role('read'), async (request) => {
    await current().refresh('manual', undefined, { who: auth.identity(request).name });
    return current().apps();
  });

  app.get('/api/v1/events', role('read'), async (request, reply) => {
    streams.serve(current(), reply, request.log);
  });

  app.register(inspectRoutes, { agent: current, auth, streams, keepAliveMs: options.eventKeepAliveMs ?? 15_000, log });

  app.register(webhookRoutes, { secrets: options.webhookSecrets, branch: options.branch, verify: options.verifyWebhook ?? verifyWebhook, agent: current, log });

  ui?.register(app);

  app.register(releaseRoutes, { desk: options.releases, agent: current, auth, log });

  if (options.git) {
    app.register(gitRoutes, { git: options.git, branch: options.branch, agent: () => agent, auth, serve: options.handleGitRequest ?? handleGitRequest, log });
  }

  return {
    app,
    routes,
    metrics,
    streams,
    attach(next) {
      if (agent && agent !== next) throw new Error('an agent is already attached to this server');
      agent = next;
    },
  };
}

/**
 * Starts the HTTP API of an agent: `/api/v1` (apps, resources, diff, history, sync, rollback,
 * refresh, events; an app's live objects, their Events, pod logs, delete; crashes, commits; services, release, promote, policies, release log), webhooks, `git push` at `/git/*`, `/metrics`, `/healthz` and `/readyz`;
 * and the web UI (`options.ui`) at `/` and every other path.
 */
export async function createServer(options: ServerOptions): Promise<CapstanServer> {
  const built = createApp(options);
  const host = options.host ?? '127.0.0.1';
  await built.app.listen({ host, port: options.port ?? 0 });
  const address = built.app.server.address() as AddressInfo;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    metrics: built.metrics.agent,
    attach: built.attach,
    close: () =>
      (closing ??= (async () => {
        built.streams.closeAll();
        await built.app.close();
      })()),
  };
}
