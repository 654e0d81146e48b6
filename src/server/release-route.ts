import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import { NotFoundError } from '../core/index.ts';
import type { AgentApi } from '../agent/index.ts';
import { GateRefusal, PolicyRefusal, releaseSummary, type PolicyInput, type ReleaseRequest, type ReleaseTarget } from '../release/index.ts';
import type { Authenticator } from './auth.ts';
import { RequestError } from './http-errors.ts';
import { tokenActor, type ReleaseDesk } from './release-desk.ts';
import type { Role } from './tokens.ts';

/** What the release routes tell the agent's notifier: the shape of notify's `PolicyRefusedEvent`. */
export interface PolicyRefusedNotice {
  type: 'policy-refused';
  service: string;
  env: string;
  artifact: string;
  policy: string;
  message: string;
  who?: string;
}

/** The part of a notifier the release routes use (`agent.notifier`, when the agent has one). */
export interface PolicyRefusedNotifier {
  notify(event: PolicyRefusedNotice): void;
}

export interface ReleaseRouteOptions {
  /** Undefined when the server was started without release management: its routes then answer 404. */
  desk?: ReleaseDesk;
  agent(): AgentApi;
  auth: Authenticator;
  log: FastifyBaseLogger;
}

/** The answer to a release, promote or rollback: the same fields as `capstan release -o json`. */
export const releaseAnswer = releaseSummary;

/**
 * The agent's notifier, when it has one. The agent is read structurally (`agent.notifier`), so
 * the routes notify as soon as the agent carries a notifier, with no wiring here.
 */
export function notifierOf(agent: AgentApi): PolicyRefusedNotifier | undefined {
  const notifier = (agent as { notifier?: Partial<PolicyRefusedNotifier> }).notifier;
  return typeof notifier?.notify === 'function' ? (notifier as PolicyRefusedNotifier) : undefined;
}

const name = { type: 'string', minLength: 1, maxLength: 253 } as const;
const serviceParams = { type: 'object', required: ['service'], properties: { service: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$' } } } as const;
const reason = { type: 'string', maxLength: 4096 } as const;

/**
 * Release management over HTTP (`/api/v1/services`, `/policies`, `/releases/log`): reads need role
 * `read`, changes role `deploy`. Each change is one commit by the desk, authored by the token's
 * name; after it is pushed, the agent is asked to refresh so it applies within seconds. A policy
 * refusal is a 422 with the policy's message, and is told to the agent's notifier.
 */
export async function releaseRoutes(scope: FastifyInstance, options: ReleaseRouteOptions): Promise<void> {
  const { auth, log } = options;
  const role = (required: Role) => ({ onRequest: auth.require(required) });
  const desk = (): ReleaseDesk => {
    if (!options.desk) throw new NotFoundError('release management is not served here: this server was started without a config repo to commit to');
    return options.desk;
  };
  /** Asks the agent to fetch now, its syncs recorded as the token's: the change applies within seconds, not at the next poll. */
  const refresh = (who: string, commit: string): void => {
    options
      .agent()
      .refresh('manual', undefined, { who, revision: commit })
      .catch((error: unknown) => log.error({ err: error, commit }, 'refresh after a release commit failed'));
  };
  const release = async (request: FastifyRequest, service: string, asked: Omit<ReleaseRequest, 'service' | 'actor'>) => {
    const identity = auth.identity(request);
    try {
      const outcome = await desk().release({ ...asked, service, actor: tokenActor(identity) });
      if (outcome.committed) refresh(identity.name, outcome.commit);
      return releaseAnswer(outcome);
    } catch (error) {
      if (error instanceof PolicyRefusal) {
        const notifier = notifierOf(options.agent());
        notifier?.notify({ type: 'policy-refused', service: error.service, env: error.env, artifact: error.artifact, policy: error.policy.id, message: error.message, who: identity.name });
      } else if (error instanceof GateRefusal) {
        notifierOf(options.agent())?.notify({ type: 'policy-refused', service, env: asked.env, artifact: '', policy: `promotion gate of ${error.env}`, message: error.message, who: identity.name });
      }
      throw error;
    }
  };

  scope.get('/api/v1/services', role('read'), async () => desk().services());

  scope.get<{ Params: { service: string } }>('/api/v1/services/:service', { ...role('read'), schema: { params: serviceParams } }, async (request) => {
    const { revision, status } = await desk().service(request.params.service);
    const agent = options.agent();
    return {
      service: status.service,
      revision,
      environments: status.environments.map((e) => ({
        ...e,
        // the apps this agent reconciles, as it sees them now
        live: e.apps.flatMap((app) => {
          const state = agent.app({ app, env: e.env });
          if (!state) return [];
          return [{ app, sync: state.notReleased ? 'NotReleased' : state.sync, health: state.health, ...(state.healthMessage ? { healthMessage: state.healthMessage } : {}), revision: state.revision, ...(state.error ? { error: state.error } : {}) }];
        }),
      })),
      artifacts: status.artifacts,
      policies: status.policies,
    };
  });

  scope.post<{ Params: { service: string }; Body: { env: string; artifact?: string; branch?: string; previous?: true; reason?: string } }>(
    '/api/v1/services/:service/release',
    {
      ...role('deploy'),
      schema: {
        params: serviceParams,
        body: {
          type: 'object',
          required: ['env'],
          additionalProperties: false,
          properties: { env: name, artifact: name, branch: name, previous: { type: 'boolean', enum: [true] }, reason },
        },
      },
    },
    async (request) => {
      const body = request.body;
      const targets: ReleaseTarget[] = [
        ...(body.artifact !== undefined ? [{ artifact: body.artifact }] : []),
        ...(body.branch !== undefined ? [{ branch: body.branch }] : []),
        ...(body.previous ? [{ previous: true as const }] : []),
      ];
      if (targets.length !== 1) throw new RequestError(400, 'say what to release, and only that: "artifact": "<id>", "branch": "<branch>" or "previous": true');
      return release(request, request.params.service, { env: body.env, target: targets[0]!, ...(body.reason ? { reason: body.reason } : {}) });
    },
  );

  scope.post<{ Params: { service: string }; Body: { env: string; force?: boolean; reason?: string } }>(
    '/api/v1/services/:service/promote',
    {
      ...role('deploy'),
      schema: {
        params: serviceParams,
        body: { type: 'object', required: ['env'], additionalProperties: false, properties: { env: name, force: { type: 'boolean' }, reason } },
      },
    },
    async (request) => {
      const body = request.body;
      return release(request, request.params.service, { env: body.env, target: { promoteFrom: 'promotesFrom' }, ...(body.force ? { force: true } : {}), ...(body.reason ? { reason: body.reason } : {}) });
    },
  );

  scope.get('/api/v1/policies', role('read'), async () => desk().policies());

  scope.post<{ Body: { type: 'auto-release' | 'branch-restriction'; service?: string; env: string; branch?: string; branchRegex?: string } }>(
    '/api/v1/policies',
    {
      ...role('deploy'),
      schema: {
        body: {
          type: 'object',
          required: ['type', 'env'],
          additionalProperties: false,
          properties: { type: { type: 'string', enum: ['auto-release', 'branch-restriction'] }, service: serviceParams.properties.service, env: name, branch: name, branchRegex: { type: 'string', minLength: 1, maxLength: 1024 } },
        },
      },
    },
    async (request) => {
      const { type, service, env, branch, branchRegex } = request.body;
      let input: PolicyInput;
      if (type === 'auto-release') {
        if (branch === undefined || branchRegex !== undefined) throw new RequestError(400, 'an auto-release policy takes "branch": the branch whose new artifacts are released (and no "branchRegex")');
        input = { type, env, branch, ...(service !== undefined ? { service } : {}) };
      } else {
        if (branchRegex === undefined || branch !== undefined) throw new RequestError(400, 'a branch-restriction policy takes "branchRegex": the branches that may run in the environment, such as "^master$" (and no "branch")');
        input = { type, env, branchRegex, ...(service !== undefined ? { service } : {}) };
      }
      const identity = auth.identity(request);
      const outcome = await desk().applyPolicy(input, tokenActor(identity));
      if (outcome.committed) refresh(identity.name, outcome.commit);
      return { committed: outcome.committed, ...(outcome.committed ? { commit: outcome.commit } : { reason: outcome.reason }), policy: outcome.result };
    },
  );

  scope.delete<{ Params: { id: string } }>(
    '/api/v1/policies/:id',
    { ...role('deploy'), schema: { params: { type: 'object', required: ['id'], properties: { id: name } } } },
    async (request) => {
      const identity = auth.identity(request);
      const outcome = await desk().deletePolicy(request.params.id, tokenActor(identity));
      if (outcome.committed) refresh(identity.name, outcome.commit);
      return { committed: outcome.committed, ...(outcome.committed ? { commit: outcome.commit } : { reason: outcome.reason }), policy: outcome.result };
    },
  );

  scope.get<{ Querystring: { service?: string; env?: string; limit?: string } }>(
    '/api/v1/releases/log',
    {
      ...role('read'),
      schema: {
        querystring: { type: 'object', additionalProperties: false, properties: { service: name, env: name, limit: { type: 'string', pattern: '^[1-9][0-9]{0,3}$' } } },
      },
    },
    async (request) => {
      const { service, env, limit } = request.query;
      return desk().log({ ...(service !== undefined ? { service } : {}), ...(env !== undefined ? { env } : {}) }, limit === undefined ? 50 : Number(limit));
    },
  );
}
