import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AgentApi } from '../agent/index.ts';
import type { Authenticator } from './auth.ts';
import type { GitReceiveOptions, GitRefUpdate, handleGitRequest } from './git-receive.ts';

export interface GitRouteOptions {
  git: GitReceiveOptions;
  /** Refresh the agent only for pushes to `refs/heads/<branch>`; for every push when unset. */
  branch?: string;
  /** The agent to refresh, once attached. */
  agent(): AgentApi | undefined;
  auth: Authenticator;
  serve: typeof handleGitRequest;
  log: FastifyBaseLogger;
}

/**
 * `GET|POST /git/*`: git's smart HTTP protocol (role `deploy`; the token as bearer or as the
 * basic-auth password), served by `serve`. A push that moved the watched branch refreshes the
 * agent, its syncs recorded as the pushing token's. When the server closes, every git request in flight is ended at once (git killed, the
 * client answered 503 or cut off) instead of holding the shutdown until its time limit.
 */
export async function gitRoutes(scope: FastifyInstance, options: GitRouteOptions): Promise<void> {
  const { git, auth, log } = options;
  const watched = options.branch === undefined ? undefined : `refs/heads/${options.branch}`;
  const shutdown = new AbortController();
  scope.addHook('preClose', (done) => {
    shutdown.abort();
    done();
  });
  const gitOptions: Omit<GitReceiveOptions, 'onPush'> = {
    ...git,
    signal: git.signal ? AbortSignal.any([git.signal, shutdown.signal]) : shutdown.signal,
  };
  /** After a push: the given onPush, and a refresh of the agent recorded as the pushing token's. */
  const pushed = (user: string, repo: string, updates: GitRefUpdate[]): void => {
    git.onPush(repo, updates);
    const hit = watched === undefined ? updates[0] : updates.find((u) => u.ref === watched);
    if (!hit) return;
    const target = options.agent();
    if (!target) return;
    log.info({ repo, refs: updates.map((u) => u.ref), user }, 'git push received, refreshing');
    target.refresh('push', undefined, { who: user, revision: hit.after }).catch((error: unknown) => log.error({ err: error }, 'refresh after a git push failed'));
  };
  // The git protocol's bodies are read by the git handler: fastify leaves them alone.
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
  scope.route<{ Params: { '*': string } }>({
    method: ['GET', 'POST'],
    url: '/git/*',
    onRequest: auth.require('deploy', { basic: true }),
    handler: async (request: FastifyRequest<{ Params: { '*': string } }>, reply: FastifyReply) => {
      reply.hijack();
      try {
        const user = auth.identity(request).name;
        const onPush = (repo: string, updates: GitRefUpdate[]): void => pushed(user, repo, updates);
        await options.serve(request.raw, reply.raw, request.params['*'], { ...gitOptions, onPush, user, log: request.log });
      } catch (error) {
        request.log.error({ err: error, url: request.url }, 'git request failed');
        if (!reply.raw.headersSent) reply.raw.writeHead(500, { 'content-type': 'text/plain' });
        reply.raw.end();
      }
    },
  });
}
