// Issue 14's acceptance: release management end to end on the sandbox. CI pushes artifacts with
// the CLI into a clone of the config repo; an agent follows the repo and applies each release.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, test } from 'node:test';
import { createAgent, type Agent, type AgentOptions } from '../agent/index.ts';
import { createNotifier, KubeEventRecorder, type CrashEvent, type ReleaseEvent } from '../notify/index.ts';
import { startWebhook } from '../notify/notify-testing.ts';
import { startEngineFixture, type EngineFixture } from '../engine/testing.ts';
import { Releases } from '../release/index.ts';
import { CloneWriter, GitCache } from '../source/index.ts';
import { commit, git, makeRepo } from '../source/testing.ts';
import { runCapstan, until, type Run } from './cli-testing.ts';

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
    namespace: web
    createNamespace: true
    environments:
      dev: { namespace: web-dev }
      staging: { namespace: web-staging }
      prod: { namespace: web-prod }
`;

interface SetUpOptions {
  /** Extra capstan.yaml text (notifications:). */
  extra?: string;
  agent?: Partial<AgentOptions>;
}

interface Setup {
  fx: EngineFixture;
  agent: Agent;
  origin: string;
  ci: string;
  build: string;
  env: NodeJS.ProcessEnv;
}

async function setUp(t: { after(fn: () => Promise<void>): void }, options: SetUpOptions = {}): Promise<Setup> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'capstan-release-'));
  const { dir } = await makeRepo({ 'capstan.yaml': project + (options.extra ?? '') });
  const origin = path.join(work, 'origin.git');
  await git(work, 'clone', '--quiet', '--bare', dir, origin);
  const ci = path.join(work, 'ci');
  await git(work, 'clone', '--quiet', origin, ci);
  const build = path.join(work, 'build');
  mkdirSync(build);
  const cache = path.join(work, 'cache');
  const fx = await startEngineFixture({ git: new GitCache({ dir: cache }) });
  const agent = createAgent({
    engine: fx.engine,
    repo: { url: origin },
    git: new GitCache({ dir: cache }),
    clientFor: async () => fx.client,
    pollIntervalMs: 200,
    releases: new Releases({ writer: new CloneWriter({ dir: path.join(work, 'agent-work'), remote: { url: origin }, branch: 'main', committer: { name: 'capstan agent', email: 'agent@capstan.invalid' } }) }),
    ...options.agent,
  });
  t.after(async () => {
    await agent.stop();
    await agent.notifier.close();
    await fx.stop();
    rmSync(work, { recursive: true, force: true, maxRetries: 10 });
  });
  await agent.start();
  const env = { ...process.env, CAPSTAN_CACHE_DIR: path.join(work, 'cli-cache'), GIT_AUTHOR_NAME: '', GIT_AUTHOR_EMAIL: '' };
  return { fx, agent, origin, ci, build, env };
}

function manifests(build: string, version: string): void {
  writeFileSync(path.join(build, 'config.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  version: "${version}"\n`);
}

async function cli(s: Setup, args: string[]): Promise<Run> {
  return runCapstan(args, { cwd: s.ci, env: s.env });
}

function ok(run: Run): string {
  assert.equal(run.code, 0, `capstan failed: ${run.stderr}`);
  return run.stdout;
}

interface CommitInfo {
  sha: string;
  author: string;
  subject: string;
}

async function commitsSince(origin: string, since: string): Promise<CommitInfo[]> {
  const out = await git(origin, 'log', '--format=%H%x09%an <%ae>%x09%s', `${since}..main`);
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [sha, author, subject] = line.split('\t');
      return { sha: sha!, author: author!, subject: subject! };
    })
    .reverse();
}

async function head(origin: string): Promise<string> {
  return (await git(origin, 'rev-parse', 'main')).trim();
}

describe('release management on the sandbox', () => {
  test('artifacts, auto-release, promote, branch restriction, release by branch and rollback: one commit each, each applied by the agent', async (t) => {
    const s = await setUp(t);
    const applied: Array<{ step: string; seconds: number }> = [];
    const version = async (env: string): Promise<string | undefined> =>
      ((await s.fx.client.get('v1', { group: '', kind: 'ConfigMap', namespace: `web-${env}`, name: 'web' }))?.data as Record<string, string> | undefined)?.version;
    /** Waits until the agent has applied the newest commit of origin to `env` and the ConfigMap holds `expected`. */
    const appliedIn = async (step: string, env: string, expected: string): Promise<void> => {
      const began = performance.now();
      const sha = await head(s.origin);
      await until(`${step}: web in ${env} at ${sha.slice(0, 7)} with version ${expected}`, async () => {
        const state = s.agent.app({ app: 'web', env });
        return state?.revision === sha && state.sync === 'Synced' && (await version(env)) === expected ? true : undefined;
      });
      applied.push({ step, seconds: (performance.now() - began) / 1000 });
    };

    // the apps exist before any release: not released, not synced, no failure
    await until('web/prod reported as not released', () => (s.agent.app({ app: 'web', env: 'prod' })?.notReleased ? true : undefined));
    assert.equal(s.agent.app({ app: 'web', env: 'prod' })!.failures, 0);
    assert.equal(s.agent.app({ app: 'web', env: 'prod' })!.lastSync, undefined);

    const start = await head(s.origin);
    const ann = ['--author', 'Ann Admin <ann@example.com>'];
    ok(await cli(s, ['policy', 'apply', 'auto-release', '--branch', 'master', '--env', 'dev', ...ann]));
    ok(await cli(s, ['policy', 'apply', 'branch-restriction', '--env', 'prod', '--branch-regex', '^master$', ...ann]));
    assert.deepEqual((await commitsSince(s.origin, start)).map((c) => c.author), ['Ann Admin <ann@example.com>', 'Ann Admin <ann@example.com>']);

    // CI pushes three artifacts of master: each is a commit by its author, then its auto-release to dev
    for (const [i, who] of [['1', 'Dev One <one@example.com>'], ['2', 'Dev Two <two@example.com>'], ['3', 'Dev Three <three@example.com>']] as const) {
      manifests(s.build, `master-${i}`);
      const before = await head(s.origin);
      const out = ok(await cli(s, ['artifact', 'push', s.build, '--service', 'web', '--branch', 'master', '--id', `m${i}`, '--commit', `${i}`.repeat(7), '--author', who, '--message', `feature ${i}`]));
      assert.match(out, new RegExp(`pushed artifact web m${i} \\(branch master\\)`));
      assert.match(out, new RegExp(`auto-release: released web m${i} \\(branch master\\) to dev`));
      const commits = await commitsSince(s.origin, before);
      assert.deepEqual(
        commits.map((c) => [c.author, c.subject]),
        [
          [who, `artifact web m${i} from branch master`],
          [who, `auto-release web m${i} (branch master) to dev`],
        ],
      );
      await appliedIn(`auto-release m${i} to dev`, 'dev', `master-${i}`);
    }
    const hotfixBefore = await head(s.origin);
    manifests(s.build, 'hotfix-1');
    ok(await cli(s, ['artifact', 'push', s.build, '--service', 'web', '--branch', 'hotfix', '--id', 'h1', '--author', 'Dev Four <four@example.com>']));
    assert.equal((await commitsSince(s.origin, hotfixBefore)).length, 1, 'a hotfix artifact is not auto-released');

    // promote m3 to staging, then prod: one commit each, by the person promoting
    const cat = ['--author', 'Cat Release <cat@example.com>'];
    for (const env of ['staging', 'prod']) {
      const before = await head(s.origin);
      assert.match(ok(await cli(s, ['promote', 'web', '--env', env, ...cat])), new RegExp(`promoted web m3 from ${env === 'staging' ? 'dev' : 'staging'} to ${env}`));
      assert.deepEqual((await commitsSince(s.origin, before)).map((c) => [c.author, c.subject]), [['Cat Release <cat@example.com>', `promote web m3 from ${env === 'staging' ? 'dev' : 'staging'} to ${env}`]]);
      await appliedIn(`promote m3 to ${env}`, env, 'master-3');
    }
    // promoting what already runs is no commit
    const same = await head(s.origin);
    assert.match(ok(await cli(s, ['promote', 'web', '--env', 'prod', ...cat])), /nothing to do: artifact "m3" already runs in prod/);
    assert.equal(await head(s.origin), same);

    // the branch restriction refuses the hotfix in prod, with the policy and the branch named
    const refused = await cli(s, ['release', 'web', '--env', 'prod', '--artifact', 'h1', ...cat]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /policy branch-restriction-all-prod refuses to release artifact "h1" of service "web" to environment "prod": it is of branch "hotfix", and only branches matching \/\^master\$\/ may run in prod/);
    assert.equal(await head(s.origin), same, 'a refused release makes no commit');

    // release --branch hotfix to staging
    const hotfix = await head(s.origin);
    assert.match(ok(await cli(s, ['release', 'web', '--env', 'staging', '--branch', 'hotfix', ...cat])), /released web h1 \(branch hotfix\) to staging \(was m3\)/);
    assert.deepEqual((await commitsSince(s.origin, hotfix)).map((c) => c.subject), ['release web h1 (branch hotfix) to staging']);
    await appliedIn('release hotfix to staging', 'staging', 'hotfix-1');

    // prod gets m1 by id, then rolls back to the one before it (m3)
    ok(await cli(s, ['release', 'web', '--env', 'prod', '--artifact', 'm1', ...cat]));
    await appliedIn('release m1 to prod', 'prod', 'master-1');
    const rollback = await head(s.origin);
    assert.match(ok(await cli(s, ['release', 'web', '--env', 'prod', '--previous', '--author', 'Oscar Oncall <oscar@example.com>'])), /rolled back web in prod to m3 \(was m1\)/);
    assert.deepEqual((await commitsSince(s.origin, rollback)).map((c) => [c.author, c.subject]), [['Oscar Oncall <oscar@example.com>', 'roll back web in prod to m3']]);
    await appliedIn('rollback prod', 'prod', 'master-3');

    // the release log is git's, read back
    const log = JSON.parse(ok(await cli(s, ['log', '--service', 'web', '--env', 'prod', '-o', 'json']))) as Array<{ action: string; artifact: string; author: string }>;
    assert.deepEqual(
      log.map((e) => [e.action, e.artifact, e.author]),
      [
        ['rollback', 'm3', 'Oscar Oncall'],
        ['release', 'm1', 'Cat Release'],
        ['promote', 'm3', 'Cat Release'],
      ],
    );
    t.diagnostic(`applied after each commit (s): ${applied.map((a) => `${a.step} ${a.seconds.toFixed(2)}`).join('; ')}`);
  });

  test('an artifact that reaches the repo without its auto-release is released by the agent, once', async (t) => {
    const s = await setUp(t);
    ok(await cli(s, ['policy', 'apply', 'auto-release', '--service', 'web', '--branch', 'master', '--env', 'dev', '--author', 'Ann Admin <ann@example.com>']));
    // a hand-made commit of an artifact, as an older CI script would push it
    await git(s.ci, 'pull', '--quiet');
    const artifact = {
      id: 'hand-1',
      service: 'web',
      branch: 'master',
      author: 'Dev One <one@example.com>',
      builtAt: new Date().toISOString(),
      digest: `sha256:${'0'.repeat(64)}`,
      steps: [],
    };
    await commit(s.ci, {
      'artifacts/web/hand-1/artifact.json': `${JSON.stringify(artifact, null, 2)}\n`,
      'artifacts/web/hand-1/manifests/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  version: "by-hand"\n',
    }, 'artifact by hand');
    await git(s.ci, 'push', '--quiet', 'origin', 'HEAD:main');
    const released = await until('the agent to auto-release hand-1', async () => {
      const log = await git(s.origin, 'log', '--format=%an%x09%s', '-1');
      return log.includes('auto-release web hand-1') ? log : undefined;
    });
    assert.match(released, /^capstan agent\tauto-release web hand-1 \(branch master\) to dev/);
    await until('web/dev applied by-hand', async () =>
      ((await s.fx.client.get('v1', { group: '', kind: 'ConfigMap', namespace: 'web-dev', name: 'web' }))?.data as Record<string, string> | undefined)?.version === 'by-hand' ? true : undefined,
    );
    // exactly one release commit for it
    assert.equal((await git(s.origin, 'log', '--format=%s', 'main')).split('\n').filter((l) => l.includes('hand-1')).length, 1);
  });

  test('a crash-looping release is reported once, with its last log lines, the artifact and its author, and as an Event', async (t) => {
    const hook = await startWebhook();
    t.after(() => hook.close());
    const urlFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'capstan-hook-')), 'url');
    writeFileSync(urlFile, `${hook.url}\n`);
    // the Event recorder's client is the sandbox's, which exists once setUp has started it
    const started: { fx?: EngineFixture } = {};
    const clientFor = async () => started.fx!.client;
    const s = await setUp(t, {
      extra: `notifications:\n  - name: audit\n    type: webhook\n    url: { file: ${urlFile} }\n`,
      agent: {
        notifier: createNotifier({ sleep: async () => undefined }),
        events: new KubeEventRecorder({ clientFor, instance: 'release-test' }),
        watchCrashes: true,
      },
    });
    started.fx = s.fx;
    ok(await cli(s, ['policy', 'apply', 'auto-release', '--branch', 'master', '--env', 'dev', '--author', 'Ann Admin <ann@example.com>']));
    writeFileSync(
      path.join(s.build, 'web.yaml'),
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector: { matchLabels: { app: web } }\n  template:\n    metadata: { labels: { app: web } }\n    spec:\n      containers:\n        - name: web\n          image: busybox:crashloop\n',
    );
    ok(await cli(s, ['artifact', 'push', s.build, '--service', 'web', '--branch', 'master', '--id', 'bad-1', '--commit', 'abcdef1', '--author', 'Dev Crash <crash@example.com>']));
    const crash = await until('a crash notification', () => hook.received.map((r) => r.body as CrashEvent).find((b) => b.type === 'crash')).catch(async (error: unknown) => {
      const pods = (await s.fx.client.list('v1', 'Pod', { namespace: 'web-dev' })).items;
      t.diagnostic(`received ${JSON.stringify(hook.received.map((r) => (r.body as { type: string }).type))}; app ${JSON.stringify(s.agent.app({ app: 'web', env: 'dev' }))}; pods ${JSON.stringify(pods.map((p) => p.status))}`);
      throw error;
    });
    assert.equal(crash.app, 'web');
    assert.equal(crash.env, 'dev');
    assert.equal(crash.reason, 'CrashLoopBackOff');
    assert.deepEqual(crash.release, { service: 'web', artifact: 'bad-1', branch: 'master', commit: 'abcdef1', author: 'Dev Crash <crash@example.com>', releasedBy: 'Dev Crash' });
    assert.ok(crash.logLines.length > 0 && crash.logLines.length <= 20, `${crash.logLines.length} log lines`);
    assert.match(crash.logLines.at(-1)!, /was asked to crash/);
    // the release itself was announced, from its commit
    const released = hook.received.map((r) => r.body as ReleaseEvent).find((b) => b.type === 'auto-release');
    assert.equal(released?.artifact, 'bad-1');
    // and the crash is an Event on the pod, as kubectl get events shows it
    const events = await until('a Crashed Event', async () => {
      const list = (await s.fx.client.list('v1', 'Event', { namespace: 'web-dev' })).items;
      const crashed = list.filter((e) => (e as unknown as { reason?: string }).reason === 'Crashed');
      return crashed.length > 0 ? crashed : undefined;
    });
    assert.match(String((events[0] as unknown as { message?: string }).message), /web/);
    // once per app, pod template, container and reason: more restarts bring no second report
    const restartsSeen = async (): Promise<number> => {
      const pods = (await s.fx.client.list('v1', 'Pod', { namespace: 'web-dev' })).items;
      return Math.max(0, ...pods.flatMap((p) => ((p.status as { containerStatuses?: Array<{ restartCount?: number }> } | undefined)?.containerStatuses ?? []).map((c) => c.restartCount ?? 0)));
    };
    const first = await restartsSeen();
    await until('two more restarts', async () => ((await restartsSeen()) >= first + 2 ? true : undefined));
    assert.equal(hook.received.filter((r) => (r.body as { type: string }).type === 'crash').length, 1);
  });
});
