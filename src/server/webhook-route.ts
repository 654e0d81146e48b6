import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import type { AgentApi } from '../agent/index.ts';
import { RequestError } from './http-errors.ts';
import { verifyWebhook, type WebhookProvider, type WebhookSecrets } from './webhooks.ts';

export const webhookProviders: readonly WebhookProvider[] = ['github', 'gitlab', 'gitea', 'bitbucket'];

export interface WebhookRouteOptions {
  secrets: WebhookSecrets;
  /** Refresh only for pushes to `refs/heads/<branch>`; every push refreshes when unset. */
  branch?: string;
  verify: typeof verifyWebhook;
  agent(): AgentApi;
  log: FastifyBaseLogger;
}

/** What a webhook request is answered (besides refusals, which are errors). */
export type WebhookAnswer =
  | { status: 'accepted'; provider: WebhookProvider; ref: string; after?: string; sender?: string }
  | { status: 'ignored'; provider: WebhookProvider; reason: string };

/**
 * `POST /api/v1/webhooks` and `POST /api/v1/webhooks/:provider`: no bearer token; the request is
 * verified by `verifyWebhook` over the raw body (read as a Buffer, whatever its content type). With
 * a provider in the path only that provider's secret can verify it. A verified push to the
 * watched branch starts `agent.refresh('webhook')` and is answered 202 without waiting; the agent
 * finds out what changed from git itself, never from the payload's file lists. The syncs that commit
 * leads to are recorded as the payload's sender's (`<provider> webhook` when it names nobody).
 */
export async function webhookRoutes(scope: FastifyInstance, options: WebhookRouteOptions): Promise<void> {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 25 * 1024 * 1024 }, (_request, body, done) => done(null, body));

  const handle = async (request: FastifyRequest<{ Params: { provider?: WebhookProvider } }>) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const only = request.params.provider;
    const secrets: WebhookSecrets = only === undefined ? options.secrets : { [only]: options.secrets[only] };
    const verdict = options.verify(request.headers, raw, secrets);
    if (!verdict.ok) throw new RequestError(verdict.status, verdict.message);
    if (only !== undefined && verdict.provider !== only) throw new RequestError(400, `a ${verdict.provider} webhook was sent to the ${only} endpoint`);
    if (verdict.event === 'ignored') return { status: 'ignored', provider: verdict.provider, reason: verdict.reason } satisfies WebhookAnswer;
    const watched = options.branch === undefined ? undefined : `refs/heads/${options.branch}`;
    // A delivery can move several refs (Bitbucket): it counts when one of them is the watched branch.
    const updates = verdict.updates?.length ? verdict.updates : [{ ref: verdict.ref, after: verdict.after }];
    const hit = watched === undefined ? updates[0] : updates.find((u) => u.ref === watched);
    if (!hit) {
      const refs = updates.map((u) => u.ref).join(', ');
      return { status: 'ignored', provider: verdict.provider, reason: `a push to ${refs}, not to the watched branch ${watched}` } satisfies WebhookAnswer;
    }
    const agent = options.agent();
    const sender = verdict.sender;
    request.log.info({ provider: verdict.provider, ref: hit.ref, after: hit.after, sender }, 'webhook: push, refreshing');
    agent.refresh('webhook', undefined, { who: sender ?? `${verdict.provider} webhook`, ...(hit.after ? { revision: hit.after } : {}) }).catch((error: unknown) => options.log.error({ err: error }, 'refresh after a webhook failed'));
    return { status: 'accepted', provider: verdict.provider, ref: hit.ref, after: hit.after, ...(sender !== undefined ? { sender } : {}) } satisfies WebhookAnswer;
  };

  const schema = { params: { type: 'object', properties: { provider: { type: 'string', enum: webhookProviders } } } };
  scope.post('/api/v1/webhooks', async (request, reply) => {
    const answer = await handle(request as FastifyRequest<{ Params: { provider?: WebhookProvider } }>);
    return reply.code(answer.status === 'accepted' ? 202 : 200).send(answer);
  });
  scope.post<{ Params: { provider: WebhookProvider } }>('/api/v1/webhooks/:provider', { schema }, async (request, reply) => {
    const answer = await handle(request);
    return reply.code(answer.status === 'accepted' ? 202 : 200).send(answer);
  });
}
