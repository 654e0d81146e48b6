// Release management over HTTP, end to end: a real agent on a sandbox following a bare git
// remote, the server in front of it with its ReleaseDesk, and CI pushing artifacts to the remote
// through its own clone. Every change is checked on the remote (commits, authors) and in the
// cluster (the agent applied it).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createAgent, type Agent } from '../agent/index.ts';
import { startEngineFixture, type EngineFixture } from '../engine/testing.ts';
import { disabledNotifier, type Notifier, type PolicyRefusedEvent } from '../notify/index.ts';
import { Releases, type Actor } from '../release/index.ts';
import { CloneWriter, GitCache } from '../source/index.ts';
import { git, makeRepo } from '../source/testing.ts';
import { createServer, type CapstanServer } from './create-server.ts';
import { waitFor } from './git-testing.ts';
import { ReleaseDesk } from './release-desk.ts';
import { jsonBody, testTokens, testTokenStore } from './testing.ts';

const project = `apiVersion: capstan.dev/v1alpha1
kind: Project
environments:
  - name: dev
  - name: staging
    promotesFrom: dev
  - name: prod
    promotesFrom: staging
apps:
  - name: web
    type: artifact
    namespace: web-dev
    createNamespace: true
    environments:
      dev:
      staging: { namespace: web-staging }
      prod: { namespace: web-prod }
`;

const ci: Actor = { name: 'CI', identity: { name: 'CI', email: 'ci@example.com' } };
const configMap = (version: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  version: "${version}"\n`;

interface ReleaseAnswer {
  committed: boolean;
  commit?: string;
  reason?: string;
  service: string;
  env: string;
  action: string;
  artifact: string;
  branch: string;
  from?: string;
  previous?: string;
}

describe('release management over HTTP', () => {
  let work: string;
  let origin: string;
  let fx: EngineFixture;
  let agent: Agent;
  let server: CapstanServer;
  let ciReleases: Releases;
  const refused: PolicyRefusedEvent[] = [];
  let builds = 0;

  /** A folder of manifests as CI builds it. */
  const build = (version: string): string => {
    const dir = path.join(work, `build-${++builds}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'web.yaml'), configMap(version));
    return dir;
  };
  const push = async (id: string, branch: string): Promise<void> => {
    const pushed = await ciReleases.pushArtifact({ dir: build(id), service: 'web', branch, id }, ci);
    assert.ok(pushed.commit, `artifact ${id} pushed`);
  };
  const call = (url: string, init: RequestInit & { token?: keyof typeof testTokens } = {}): Promise<Response> => {
    const { token, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token) headers.set('authorization', `Bearer ${testTokens[token]}`);
    return fetch(server.url + url, { ...rest, headers });
  };
  const post = (url: string, body: unknown, token: keyof typeof testTokens = 'deploy'): Promise<Response> => call(url, { ...jsonBody(body), token });
  const head = (): Promise<string> => git(origin, 'rev-parse', 'main');
  /** The remote's commits after `since`, oldest first: `author <email>|committer|subject`. */
  const commitsSince = async (since: string): Promise<string[]> => {
    const out = await git(origin, 'log', '--reverse', '--format=%an <%ae>|%cn|%s', `${since}..main`);
    return out === '' ? [] : out.split('\n');
  };
  const version = async (namespace: string): Promise<string | undefined> =>
    ((await fx.client.get('v1', { group: '', kind: 'ConfigMap', namespace, name: 'web' }))?.data as Record<string, string> | undefined)?.version;
  /** Waits until the agent has applied `commit` (or a later one) to web in `env`, and the cluster runs `artifact`. */
  const applied = async (env: string, artifact: string): Promise<void> => {
    await waitFor(`web/${env} to run ${artifact}`, async () => {
      const state = agent.app({ app: 'web', env });
      return state?.sync === 'Synced' && state.operation === undefined && (await version(env === 'dev' ? 'web-dev' : `web-${env}`)) === artifact;
    });
  };

  before(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'capstan-release-api-'));
    const cache = path.join(work, 'cache');
    const gitCache = new GitCache({ dir: cache });
    fx = await startEngineFixture({ git: gitCache });
    const { dir } = await makeRepo({ 'capstan.yaml': project });
    origin = path.join(work, 'origin.git');
    await git(work, 'clone', '--quiet', '--bare', dir, origin);
    ciReleases = new Releases({ writer: new CloneWriter({ dir: path.join(work, 'ci'), remote: { url: origin }, branch: 'main', committer: { name: 'CI', email: 'ci@example.com' } }) });
    await push('m1', 'master');
    await push('m2', 'master');
    await push('h1', 'hotfix');
    // the agent's notifier (agent.notifier): the routes tell it of policy refusals
    const notifier: Notifier = { ...disabledNotifier, notify: (event) => void (event.type === 'policy-refused' && refused.push(event)) };
    agent = createAgent({ engine: fx.engine, repo: { url: origin }, git: gitCache, clientFor: async () => fx.client, pollIntervalMs: 0, notifier });
    // no branch: the desk commits to the remote's default branch, as the agent follows it
    const desk = new ReleaseDesk({ repo: { url: origin }, git: gitCache, engine: fx.engine, dir: path.join(work, 'desk') });
    server = await createServer({ agent, tokens: testTokenStore(), webhookSecrets: {}, version: '0.0.0-test', releases: desk });
    await agent.start();
    await agent.idle();
  });

  after(async () => {
    await server?.close();
    await agent?.stop();
    await fx?.stop();
    rmSync(work, { recursive: true, force: true, maxRetries: 10 });
  });

  it('release and promote are one commit each, authored by the token\'s name and committed by capstan; the agent applies each', async () => {
    const start = await head();
    const res = await post('/api/v1/services/web/release', { env: 'dev', artifact: 'm1', reason: 'first light' });
    assert.equal(res.status, 200);
    const released = (await res.json()) as ReleaseAnswer;
    assert.deepEqual({ ...released, commit: undefined }, { committed: true, commit: undefined, service: 'web', env: 'dev', action: 'release', artifact: 'm1', branch: 'master' });
    assert.equal(released.commit, await head());
    assert.deepEqual(await commitsSince(start), ['ci-bot <ci-bot@capstan.invalid>|capstan|release web m1 (branch master) to dev']);
    assert.match(await git(origin, 'log', '-1', '--format=%B', 'main'), /reason: first light/);
    await applied('dev', 'm1');

    const promoted = (await (await post('/api/v1/services/web/promote', { env: 'staging' })).json()) as ReleaseAnswer;
    assert.deepEqual({ ...promoted, commit: undefined }, { committed: true, commit: undefined, service: 'web', env: 'staging', action: 'promote', artifact: 'm1', branch: 'master', from: 'dev' });
    assert.equal(promoted.commit, await head());
    assert.deepEqual(await commitsSince(released.commit!), ['ci-bot <ci-bot@capstan.invalid>|capstan|promote web m1 from dev to staging']);
    await applied('staging', 'm1');

    const status = (await (await call('/api/v1/services/web', { token: 'read' })).json()) as {
      revision: string;
      environments: { env: string; release?: { artifact: string; releasedBy: string }; live: { app: string; sync: string; health: string }[] }[];
      artifacts: { id: string }[];
    };
    assert.equal(status.revision, promoted.commit);
    assert.deepEqual(
      status.environments.map((e) => [e.env, e.release?.artifact, e.release?.releasedBy, e.live.map((l) => `${l.app}:${l.sync}:${l.health}`).join()]),
      [
        ['dev', 'm1', 'ci-bot', 'web:Synced:Healthy'],
        ['staging', 'm1', 'ci-bot', 'web:Synced:Healthy'],
        ['prod', undefined, undefined, 'web:NotReleased:Missing'],
      ],
    );
    assert.deepEqual(status.artifacts.map((a) => a.id), ['h1', 'm2', 'm1']);

    const services = (await (await call('/api/v1/services', { token: 'read' })).json()) as { service: string; artifacts: number; environments: { env: string; artifact?: string }[] }[];
    assert.deepEqual(services.map((s) => [s.service, s.artifacts, s.environments.map((e) => `${e.env}=${e.artifact ?? '-'}`).join(' ')]), [['web', 3, 'dev=m1 staging=m1 prod=-']]);

    const log = (await (await call('/api/v1/releases/log?service=web&env=staging', { token: 'read' })).json()) as { commit: string; author: string; action: string; from?: string }[];
    assert.deepEqual(log, [{ ...log[0]!, commit: promoted.commit, author: 'ci-bot', action: 'promote', from: 'dev' }]);
  });

  it('a read token gets 403 on every change, and nothing is committed', async () => {
    const start = await head();
    const answers = await Promise.all([
      post('/api/v1/services/web/release', { env: 'dev', artifact: 'm2' }, 'read'),
      post('/api/v1/services/web/promote', { env: 'prod' }, 'read'),
      post('/api/v1/policies', { type: 'auto-release', env: 'dev', branch: 'master' }, 'read'),
      call('/api/v1/policies/auto-release-all-dev', { method: 'DELETE', token: 'read' }),
    ]);
    for (const res of answers) {
      assert.equal(res.status, 403);
      assert.deepEqual(await res.json(), { error: { message: 'token "viewer" has role read; this needs role deploy', category: 'forbidden' } });
    }
    assert.equal(await head(), start);
  });

  it('a branch restriction refuses a release with its message (422), commits nothing, and tells the notifier', async () => {
    const applied = (await (await post('/api/v1/policies', { type: 'branch-restriction', env: 'prod', branchRegex: '^master$' })).json()) as { committed: boolean; commit: string; policy: { id: string } };
    assert.equal(applied.committed, true);
    assert.equal(applied.policy.id, 'branch-restriction-all-prod');
    assert.deepEqual(await git(origin, 'log', '-1', '--format=%an', 'main'), 'ci-bot');
    const policies = (await (await call('/api/v1/policies', { token: 'read' })).json()) as unknown[];
    assert.deepEqual(policies, [{ id: 'branch-restriction-all-prod', type: 'branch-restriction', env: 'prod', branchRegex: '^master$' }]);

    const start = await head();
    const res = await post('/api/v1/services/web/release', { env: 'prod', branch: 'hotfix' });
    assert.equal(res.status, 422);
    const message =
      'policy branch-restriction-all-prod refuses to release artifact "h1" of service "web" to environment "prod": it is of branch "hotfix", and only branches matching /^master$/ may run in prod. Release an artifact of such a branch, or change the policy (capstan policy list)';
    assert.deepEqual(await res.json(), { error: { message, category: 'validation' } });
    assert.equal(await head(), start);
    assert.deepEqual(refused, [{ type: 'policy-refused', service: 'web', env: 'prod', artifact: 'h1', policy: 'branch-restriction-all-prod', message, who: 'ci-bot' }]);

    const deleted = (await (await call('/api/v1/policies/branch-restriction-all-prod', { method: 'DELETE', token: 'deploy' })).json()) as { committed: boolean; commit: string };
    assert.equal(deleted.committed, true);
    assert.deepEqual(await commitsSince(start), ['ci-bot <ci-bot@capstan.invalid>|capstan|policy branch-restriction-all-prod deleted']);
    assert.deepEqual(await (await call('/api/v1/policies', { token: 'read' })).json(), []);
  });

  it('releasing what already runs is no commit, and says why', async () => {
    const start = await head();
    const res = await post('/api/v1/services/web/release', { env: 'dev', artifact: 'm1' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { committed: false, reason: 'artifact "m1" already runs in dev: nothing to release', service: 'web', env: 'dev', action: 'release', artifact: 'm1', branch: 'master', previous: 'm1' });
    assert.equal(await head(), start);
  });

  it('two releases asked at the same moment, and an artifact CI pushes meanwhile, all land: one commit each', async () => {
    const start = await head();
    const [toDev, toProd] = await Promise.all([
      post('/api/v1/services/web/release', { env: 'dev', artifact: 'm2' }),
      post('/api/v1/services/web/release', { env: 'prod', branch: 'master' }),
      push('m3', 'feature'),
    ]);
    assert.equal(toDev.status, 200);
    assert.equal(toProd.status, 200);
    const dev = (await toDev.json()) as ReleaseAnswer;
    const prod = (await toProd.json()) as ReleaseAnswer;
    assert.deepEqual([dev.committed, dev.artifact, dev.previous, prod.committed, prod.artifact, prod.previous], [true, 'm2', 'm1', true, 'm2', undefined]);
    const commits = await commitsSince(start);
    assert.equal(commits.length, 3, commits.join('\n'));
    assert.deepEqual(commits.filter((c) => c.startsWith('ci-bot')).sort(), ['ci-bot <ci-bot@capstan.invalid>|capstan|release web m2 (branch master) to dev', 'ci-bot <ci-bot@capstan.invalid>|capstan|release web m2 (branch master) to prod']);
    assert.match(await git(origin, 'show', 'main:releases/web/dev.yaml'), /artifact: m2/);
    assert.match(await git(origin, 'show', 'main:releases/web/prod.yaml'), /artifact: m2/);
    await applied('dev', 'm2');
    await applied('prod', 'm2');
  });

  it('an unknown service or policy is a 404; a request that does not say what to release is a 400', async () => {
    const start = await head();
    const missing = await post('/api/v1/services/nope/release', { env: 'dev', branch: 'master' });
    assert.equal(missing.status, 404);
    assert.match(((await missing.json()) as { error: { message: string } }).error.message, /^service "nope" has no artifacts and no releases in the config repo/);
    assert.equal((await post('/api/v1/services/nope/promote', { env: 'staging' })).status, 404);
    assert.equal((await call('/api/v1/services/nope', { token: 'read' })).status, 404);
    const noPolicy = await call('/api/v1/policies/auto-release-all-dev', { method: 'DELETE', token: 'deploy' });
    assert.equal(noPolicy.status, 404);
    assert.match(((await noPolicy.json()) as { error: { message: string } }).error.message, /^there is no policy "auto-release-all-dev"/);
    for (const body of [{ env: 'dev' }, { env: 'dev', artifact: 'm1', branch: 'master' }]) {
      const res = await post('/api/v1/services/web/release', body);
      assert.equal(res.status, 400);
      assert.deepEqual(await res.json(), { error: { message: 'say what to release, and only that: "artifact": "<id>", "branch": "<branch>" or "previous": true', category: 'validation' } });
    }
    assert.equal((await post('/api/v1/services/web/release', { env: 'qa', artifact: 'm1' })).status, 422);
    assert.equal(await head(), start);
  });
});
