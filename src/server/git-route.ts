import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AgentApi } from '../agent/index.ts';
import type { Authenticator } from './auth.ts';
import type { GitReceiveOptions, handleGitRequest } from './git-receive.ts';

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
 * agent. When the server closes, every git request in flight is ended at once (git killed, the
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
  const gitOptions: GitReceiveOptions = {
    ...git,
    signal: git.signal ? AbortSignal.any([git.signal, shutdown.signal]) : shutdown.signal,
    onPush(repo, updates) {
      git.onPush(repo, updates);
      if (watched !== undefined && !updates.some((u) => u.ref === watched)) return;
      const target = options.agent();
      if (!target) return;
      log.info({ repo, refs: updates.map((u) => u.ref) }, 'git push received, refreshing');
      target.refresh('push').catch((error: unknown) => log.error({ err: error }, 'refresh after a git push failed'));
    },
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
        await options.serve(request.raw, reply.raw, request.params['*'], { ...gitOptions, user: auth.identity(request).name, log: request.log });
      } catch (error) {
        request.log.error({ err: error, url: request.url }, 'git request failed');
        if (!reply.raw.headersSent) reply.raw.writeHead(500, { 'content-type': 'text/plain' });
        reply.raw.end();
      }
    },
  });
}
