// The agent against a sandbox over HTTPS, on small generated config repos (and the example repo):
// each test has its own sandbox, repo and agent.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import type { Engine } from '../engine/index.ts';
import { exampleRepo, startEngineFixture, type EngineFixture } from '../engine/testing.ts';
import { GitCache } from '../source/index.ts';
import { commit, makeRepo, type FileSpec } from '../source/testing.ts';
import { Agent, createAgent, type AgentOptions } from './agent.ts';
import { appId, type AgentEvent, type AgentMetrics, type AppRef, type AppState, type DriftWatcherApi, type ShardCoordinatorApi } from './types.ts';

interface AppSpecText {
  name: string;
  /** Extra YAML lines under the app (indented by 4). */
  extra?: string;
  /** Files of the app's source dir, relative to it; default one ConfigMap. */
  files?: Record<string, string>;
}

function configMap(namespace: string, name = 'config', version = '1'): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\ndata:\n  version: "${version}"\n`;
}

function projectYaml(apps: AppSpecText[], envExtra = ''): string {
  const lines = ['apiVersion: capstan.dev/v1alpha1', 'kind: Project', 'environments:', '  - name: dev', ...(envExtra ? [envExtra] : []), 'apps:'];
  for (const app of apps) {
    lines.push(`  - name: ${app.name}`, `    source: apps/${app.name}`, `    namespace: ${app.name}`, '    createNamespace: true');
    if (app.extra) lines.push(...app.extra.split('\n').map((l) => `    ${l}`));
  }
  return `${lines.join('\n')}\n`;
}

function repoFiles(apps: AppSpecText[], envExtra = ''): Record<string, FileSpec> {
  const files: Record<string, FileSpec> = { 'capstan.yaml': projectYaml(apps, envExtra) };
  for (const app of apps) {
    for (const [name, content] of Object.entries(app.files ?? { 'config.yaml': configMap(app.name) })) files[`apps/${app.name}/${name}`] = content;
  }
  return files;
}

const names = (n: number): AppSpecText[] => Array.from({ length: n }, (_, i) => ({ name: `app${String(i + 1).padStart(2, '0')}` }));
const dev = (app: string): AppRef => ({ app, env: 'dev' });

interface Setup {
  fx: EngineFixture;
  dir: string;
  git: GitCache;
  /** `app/env` of every engine.apply call (every sync), in order. */
  syncs: string[];
  /** `app/env` of every engine.render call (diff and sync both render). */
  renders: string[];
  commit(files: Record<string, FileSpec>, message?: string): Promise<string>;
  agent(options?: Partial<AgentOptions>): Agent;
}

/** A sandbox, a git repo with `files`, and agents wired to an engine whose syncs and renders are counted. */
async function setup(t: TestContext, files: Record<string, FileSpec>, repoDir?: string): Promise<Setup> {
  const git = new GitCache({ dir: mkdtempSync(path.join(os.tmpdir(), 'capstan-agent-cache-')) });
  const fx = await startEngineFixture({ git, who: 'engine-user' });
  const dir = repoDir ?? (await makeRepo(files)).dir;
  const syncs: string[] = [];
  const renders: string[] = [];
  countCalls(fx.engine, syncs, renders);
  const agents: Agent[] = [];
  t.after(async () => {
    for (const a of agents) await a.stop();
    await fx.stop();
    rmSync(git.dir, { recursive: true, force: true, maxRetries: 10 });
  });
  return {
    fx,
    dir,
    git,
    syncs,
    renders,
    commit: (f, m) => commit(dir, f, m),
    agent(options = {}) {
      const agent = createAgent({ engine: fx.engine, repo: { url: dir }, git, clientFor: async () => fx.client, pollIntervalMs: 0, backoff: { backoffMs: 50, maxBackoffMs: 400 }, ...options });
      agents.push(agent);
      return agent;
    },
  };
}

function countCalls(engine: Engine, syncs: string[], renders: string[]): void {
  const apply = engine.apply.bind(engine);
  const render = engine.render.bind(engine);
  // every sync, automatic or asked for, a rollback too, applies a plan
  engine.apply = (plan, options) => {
    syncs.push(`${plan.app.name}/${plan.app.env}`);
    return apply(plan, options);
  };
  engine.render = (checkout, app, env, client) => {
    renders.push(`${app}/${env}`);
    return render(checkout, app, env, client);
  };
}

/** Polls `condition` until it holds; `timeoutMs` only bounds a test that fails, so it is generous for a loaded machine. */
async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function summary(states: AppState[]): string[] {
  return states.map((s) => `${s.app}/${s.env} ${s.sync} ${s.health}${s.error ? ` (${s.error.split('\n')[0]})` : ''}`);
}

async function liveVersion(fx: EngineFixture, namespace: string, name = 'config'): Promise<string | undefined> {
  const cm = await fx.client.get('v1', { group: '', kind: 'ConfigMap', namespace, name });
  return (cm?.data as Record<string, string> | undefined)?.version;
}

class FakeDriftWatcher implements DriftWatcherApi {
  readonly tracked = new Map<string, string[]>();
  stopped = false;
  track(ref: AppRef, objects: readonly { apiVersion: string; key: { kind: string; namespace: string; name: string } }[]): void {
    this.tracked.set(appId(ref), objects.map((o) => `${o.key.kind}/${o.key.namespace}/${o.key.name}`).sort());
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
}

class FakeShards implements ShardCoordinatorApi {
  private readonly listeners = new Set<() => void>();
  started = false;
  constructor(
    readonly identity: string,
    public mine: Set<string>,
  ) {}
  owns(ref: AppRef): boolean {
    return this.mine.has(ref.app);
  }
  ownerOf(ref: AppRef): string {
    return this.owns(ref) ? this.identity : 'other-replica';
  }
  members(): string[] {
    return [this.identity, 'other-replica'].sort();
  }
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  async start(): Promise<void> {
    this.started = true;
  }
  async stop(): Promise<void> {
    this.started = false;
  }
  reassign(mine: Set<string>): void {
    this.mine = mine;
    for (const l of this.listeners) l();
  }
}

describe('agent', () => {
  test('first pass on the example repo: automated apps synced in dependency order, a manual one left OutOfSync', async (t) => {
    const example = await exampleRepo();
    await example.commit({ 'capstan.yaml': example.read('capstan.yaml').replace('      dev:\n        source: apps/guestbook/overlays/dev', '      dev:\n        source: apps/guestbook/overlays/dev\n        sync: manual') }, 'guestbook: manual in dev');
    const s = await setup(t, {}, example.dir);
    const agent = s.agent({ envs: ['dev'] });
    const events: AgentEvent[] = [];
    agent.subscribe((e) => events.push(e));
    assert.equal(agent.ready(), false);
    await agent.start();
    await agent.idle();
    assert.equal(agent.ready(), true);
    const states = agent.apps();
    assert.deepEqual(summary(states), ['web/dev Synced Healthy', 'guestbook/dev OutOfSync Missing', 'redis/dev Synced Healthy', 'api/dev Synced Healthy', 'shop/dev Synced Healthy', 'orders/dev Synced Healthy']);
    const guestbook = agent.app(dev('guestbook'))!;
    assert.equal(guestbook.automated, false);
    assert.equal(guestbook.revision, '');
    assert.equal(guestbook.lastSync, undefined);
    assert.ok(!s.syncs.includes('guestbook/dev'), 'the manual app was never synced');
    const redis = agent.app(dev('redis'))!;
    const api = agent.app(dev('api'))!;
    assert.ok(api.lastSync!.startedAt >= redis.lastSync!.finishedAt, 'api (dependsOn redis) started after redis finished');
    assert.equal(api.lastSync!.trigger, 'startup');
    assert.equal(api.lastSync!.who, 'agent');
    assert.equal(api.revision, api.targetRevision);
    assert.deepEqual(events.filter((e) => e.type === 'sync').map((e) => (e.type === 'sync' ? `${e.result.app} ${e.result.result}` : '')).sort(), ['api Succeeded', 'orders Succeeded', 'redis Succeeded', 'shop Succeeded', 'web Succeeded']);
    assert.equal(events[0]?.type === 'app' || events[0]?.type === 'revision', true);
    // the history says who synced
    const history = await agent.history(dev('web'));
    assert.equal(history.at(-1)?.who, 'agent');
    const resources = await agent.resources(dev('guestbook'));
    assert.ok(resources.length > 0 && resources.every((r) => r.sync === 'OutOfSync' && r.health === 'Missing'), JSON.stringify(resources));
  });

  test('a commit to one app of a 20-app repo renders and syncs only that app', async (t) => {
    const apps = names(20);
    const s = await setup(t, repoFiles(apps));
    const agent = s.agent({ concurrency: 3 });
    const revisions: AgentEvent[] = [];
    const running = new Set<string>();
    let most = 0;
    let queued = 0;
    agent.subscribe((e) => {
      if (e.type === 'revision') revisions.push(e);
      if (e.type !== 'app') return;
      if (e.state.operation?.phase === 'queued') queued++;
      if (e.state.operation?.phase === 'running') running.add(e.state.app);
      else running.delete(e.state.app);
      most = Math.max(most, running.size);
    });
    await agent.start();
    await agent.idle();
    assert.equal(s.syncs.length, 20);
    assert.equal(most, 3, 'at most `concurrency` apps run at once');
    assert.ok(queued >= 17, `the others waited in the queue (${queued})`);
    assert.ok(agent.apps().every((a) => a.sync === 'Synced' && a.health === 'Healthy'), summary(agent.apps()).join('\n'));
    s.syncs.length = 0;
    s.renders.length = 0;
    const writes = s.fx.sandbox.stats().writes;

    const sha = await s.commit({ 'apps/app07/config.yaml': configMap('app07', 'config', '2') }, 'app07: version 2');
    await agent.refresh('webhook');
    await agent.idle();
    assert.deepEqual(s.syncs, ['app07/dev']);
    assert.deepEqual([...new Set(s.renders)], ['app07/dev']);
    assert.equal(await liveVersion(s.fx, 'app07'), '2');
    const last = revisions.at(-1);
    assert.deepEqual(last?.type === 'revision' && [last.revision, last.trigger, last.changedApps], [sha, 'webhook', ['app07/dev']]);
    for (const a of agent.apps()) {
      assert.equal(a.targetRevision, sha);
      assert.equal(a.sync, 'Synced');
    }
    assert.equal(agent.app(dev('app07'))!.revision, sha);
    assert.notEqual(agent.app(dev('app08'))!.revision, sha, 'untouched apps keep the revision they were applied at');
    assert.ok(s.fx.sandbox.stats().writes - writes <= 5, 'one ConfigMap, the sync’s Lease taken and given back, and one inventory entry written');

    // a refresh without a new commit does nothing
    await agent.refresh('poll');
    await agent.idle();
    assert.deepEqual(s.syncs, ['app07/dev']);
  });

  test('apps made by a directory generator, in two environments: a commit to one folder renders and syncs only that app; a new folder adds one', async (t) => {
    const unnamespaced = (version: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config\ndata:\n  version: "${version}"\n`;
    const project = [
      'apiVersion: capstan.dev/v1alpha1',
      'kind: Project',
      'environments: [{ name: dev }, { name: prod }]',
      'generators:',
      '  - directories: apps/*',
      '    template:',
      '      name: "{{dir.name}}"',
      '      source: "{{dir.path}}"',
      '      namespace: "{{dir.name}}-prod"',
      '      createNamespace: true',
      '      environments: { dev: { namespace: "{{dir.name}}-dev" }, prod: {} }',
      '',
    ].join('\n');
    const s = await setup(t, { 'capstan.yaml': project, 'apps/alpha/config.yaml': unnamespaced('1'), 'apps/beta/config.yaml': unnamespaced('1'), 'apps/gamma/config.yaml': unnamespaced('1') });
    const agent = s.agent();
    await agent.start();
    await agent.idle();
    assert.deepEqual([...s.syncs].sort(), ['alpha/dev', 'alpha/prod', 'beta/dev', 'beta/prod', 'gamma/dev', 'gamma/prod']);
    assert.ok(agent.apps().every((a) => a.sync === 'Synced' && a.health === 'Healthy'), summary(agent.apps()).join('\n'));
    s.syncs.length = 0;
    s.renders.length = 0;

    await s.commit({ 'apps/beta/config.yaml': unnamespaced('2') }, 'beta: version 2');
    await agent.refresh('webhook');
    await agent.idle();
    assert.deepEqual([...s.syncs].sort(), ['beta/dev', 'beta/prod']);
    assert.deepEqual([...new Set(s.renders)].sort(), ['beta/dev', 'beta/prod']);
    assert.equal(await liveVersion(s.fx, 'beta-dev'), '2');
    assert.equal(await liveVersion(s.fx, 'beta-prod'), '2');
    s.syncs.length = 0;
    s.renders.length = 0;

    await s.commit({ 'apps/delta/config.yaml': unnamespaced('1') }, 'delta: a new app');
    await agent.refresh('webhook');
    await agent.idle();
    assert.deepEqual([...s.syncs].sort(), ['delta/dev', 'delta/prod']);
    assert.deepEqual([...new Set(s.renders)].sort(), ['delta/dev', 'delta/prod']);
    assert.equal(await liveVersion(s.fx, 'delta-dev'), '1');
    assert.deepEqual(agent.apps().map((a) => `${a.app}/${a.env}`).sort(), ['alpha/dev', 'alpha/prod', 'beta/dev', 'beta/prod', 'delta/dev', 'delta/prod', 'gamma/dev', 'gamma/prod']);
  });

  test('a capstan.yaml change syncs only the app whose settings changed; a removed app is dropped, its objects kept', async (t) => {
    const apps = names(20);
    const s = await setup(t, { ...repoFiles(apps), 'apps/app05-alt/config.yaml': configMap('app05', 'config', 'alt') });
    const agent = s.agent();
    await agent.start();
    await agent.idle();
    s.syncs.length = 0;
    s.renders.length = 0;

    const changed = apps.map((a) => (a.name === 'app05' ? { ...a } : a));
    const yaml = projectYaml(changed).replace('source: apps/app05\n', 'source: apps/app05-alt\n');
    await s.commit({ 'capstan.yaml': `# comment edits elsewhere change nothing\n${yaml}` }, 'app05: alternative source');
    await agent.refresh('push');
    await agent.idle();
    assert.deepEqual(s.syncs, ['app05/dev']);
    assert.deepEqual([...new Set(s.renders)], ['app05/dev']);
    assert.equal(await liveVersion(s.fx, 'app05'), 'alt');

    s.syncs.length = 0;
    await s.commit({ 'capstan.yaml': yaml.replace(/ {2}- name: app19\n(?: {4}.*\n)+/, '') }, 'app19: removed');
    await agent.refresh('poll');
    await agent.idle();
    assert.deepEqual(s.syncs, []);
    assert.equal(agent.app(dev('app19')), undefined);
    assert.equal(agent.apps().length, 19);
    assert.equal(await liveVersion(s.fx, 'app19'), '1', 'the objects of a removed app stay');
  });

  test('a failing app backs off and gives up after its retries while the others converge; a fix brings it back', async (t) => {
    const bad = 'apiVersion: v1\nkind: Service\nmetadata: { name: bad, namespace: broken }\nspec:\n  ports: [{ port: 99999 }]\n';
    const apps: AppSpecText[] = [{ name: 'one' }, { name: 'broken', files: { 'service.yaml': bad } }, { name: 'two' }];
    const s = await setup(t, repoFiles(apps));
    const agent = s.agent({ backoff: { backoffMs: 100, maxBackoffMs: 150, limit: 2 } });
    // the state right after the first failure: by the time the others are synced, a slow machine may have retried it already
    let first: AppState | undefined;
    let firstAt = 0;
    agent.subscribe((e) => {
      if (first || e.type !== 'app' || e.state.app !== 'broken' || e.state.failures !== 1) return;
      first = e.state;
      firstAt = Date.now();
    });
    await agent.start();
    await agent.idle();
    assert.equal(agent.app(dev('one'))!.sync, 'Synced');
    assert.equal(agent.app(dev('two'))!.sync, 'Synced');
    assert.ok(first, 'broken failed');
    assert.ok(first.nextRetryAt && Date.parse(first.nextRetryAt) > firstAt - 1000, first.nextRetryAt);
    assert.equal(first.lastSync?.result, 'Failed');
    assert.match(first.error ?? '', /Service\/broken\/bad/);
    await waitFor(() => agent.app(dev('broken'))!.failures === 3 && agent.app(dev('broken'))!.operation === undefined, 'two retries');
    const gaveUp = agent.app(dev('broken'))!;
    assert.equal(gaveUp.nextRetryAt, undefined);
    // once its namespace exists the server's dry-run rejects the Service: the retries fail comparing
    assert.match(gaveUp.error ?? '', /Service\/broken\/bad/);
    const renders = s.renders.filter((x) => x === 'broken/dev').length;
    assert.ok(renders >= 3, `rendered at each attempt (${renders})`);
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(agent.app(dev('broken'))!.failures, 3, 'no retry after the limit');
    assert.equal(s.renders.filter((x) => x === 'broken/dev').length, renders);

    await s.commit({ 'apps/broken/service.yaml': bad.replace('99999', '8080') }, 'broken: fixed');
    await agent.refresh('webhook');
    await agent.idle();
    const fixed = agent.app(dev('broken'))!;
    assert.equal(fixed.sync, 'Synced');
    assert.equal(fixed.failures, 0);
    assert.equal(fixed.error, undefined);
  });

  test('a manual app is reported OutOfSync after a commit and synced only when asked, by whom', async (t) => {
    const apps: AppSpecText[] = [{ name: 'auto' }, { name: 'hand', extra: 'syncPolicy: { automated: false }' }];
    const s = await setup(t, repoFiles(apps));
    const agent = s.agent();
    await agent.start();
    await agent.idle();
    assert.equal(agent.app(dev('hand'))!.sync, 'OutOfSync');
    assert.deepEqual(s.syncs, ['auto/dev']);

    const result = await agent.sync(dev('hand'), { who: 'alice' });
    assert.equal(result.result, 'Succeeded', result.message);
    assert.equal(result.counts.created, 2);
    let hand = agent.app(dev('hand'))!;
    assert.equal(hand.sync, 'Synced');
    assert.deepEqual([hand.lastSync?.who, hand.lastSync?.trigger], ['alice', 'manual']);
    assert.equal((await agent.history(dev('hand'))).at(-1)?.who, 'alice');

    await s.commit({ 'apps/hand/config.yaml': configMap('hand', 'config', '2') }, 'hand: version 2');
    await agent.refresh('webhook');
    await agent.idle();
    hand = agent.app(dev('hand'))!;
    assert.equal(hand.sync, 'OutOfSync');
    assert.equal(await liveVersion(s.fx, 'hand'), '1');
    assert.equal((await agent.diff(dev('hand'))).diffs.length, 1);
    await agent.sync(dev('hand'), { who: 'bob' });
    assert.equal(await liveVersion(s.fx, 'hand'), '2');
    assert.equal(agent.app(dev('hand'))!.sync, 'Synced');

    const rolledBack = await agent.rollback(dev('hand'), { who: 'erin' });
    assert.equal(rolledBack.result, 'Succeeded', rolledBack.message);
    assert.equal(await liveVersion(s.fx, 'hand'), '1');
    hand = agent.app(dev('hand'))!;
    assert.deepEqual([hand.sync, hand.revision === hand.targetRevision, hand.lastSync?.who], ['OutOfSync', false, 'erin']);
    const last = (await agent.history(dev('hand'))).at(-1)!;
    assert.deepEqual([last.operation, last.who], ['rollback', 'erin']);
    await assert.rejects(agent.rollback(dev('hand'), { who: 'erin', to: 99 }), /has no history entry 99/);
  });

  test('a rollback of an automated app holds until a new commit comes; then the new commit is synced', async (t) => {
    const s = await setup(t, repoFiles([{ name: 'web' }]));
    const agent = s.agent();
    await agent.start();
    await agent.idle();
    await s.commit({ 'apps/web/config.yaml': configMap('web', 'config', '2') }, 'web: version 2');
    await agent.refresh('webhook');
    await agent.idle();
    assert.equal(await liveVersion(s.fx, 'web'), '2');

    const rolledBack = await agent.rollback(dev('web'), { who: 'erin' });
    assert.equal(rolledBack.result, 'Succeeded', rolledBack.message);
    assert.equal(await liveVersion(s.fx, 'web'), '1');
    // the agent checks every app again (its periodic pass, or a refresh): the rollback is not undone
    await agent.refresh('manual');
    await agent.idle();
    assert.equal(await liveVersion(s.fx, 'web'), '1');
    assert.equal(agent.app(dev('web'))!.sync, 'OutOfSync');
    assert.equal((await agent.history(dev('web'))).at(-1)?.operation, 'rollback');

    await s.commit({ 'apps/web/config.yaml': configMap('web', 'config', '3') }, 'web: version 3, the fix');
    await agent.refresh('webhook');
    await agent.idle();
    assert.equal(await liveVersion(s.fx, 'web'), '3');
    assert.equal(agent.app(dev('web'))!.sync, 'Synced');
  });

  test('a closed deny window defers automatic syncs; a manual sync still runs; the window opening releases them', async (t) => {
    const window = '    syncWindows:\n      - { kind: deny, schedule: "0 0 * * *", duration: 2h }';
    const s = await setup(t, repoFiles([{ name: 'web' }], window));
    let clock = new Date('2024-05-06T01:00:00Z');
    const agent = s.agent({ now: () => clock });
    await agent.start();
    await agent.idle();
    let web = agent.app(dev('web'))!;
    assert.deepEqual([web.sync, web.syncWindowOpen], ['OutOfSync', false]);
    assert.deepEqual(s.syncs, []);

    const manual = await agent.sync(dev('web'), { who: 'carol' });
    assert.equal(manual.result, 'Succeeded');
    assert.equal(agent.app(dev('web'))!.sync, 'Synced');

    await s.commit({ 'apps/web/config.yaml': configMap('web', 'config', '2') }, 'web: version 2');
    await agent.refresh('webhook');
    await agent.idle();
    web = agent.app(dev('web'))!;
    assert.equal(web.sync, 'OutOfSync');
    assert.equal(await liveVersion(s.fx, 'web'), '1');
    assert.equal(s.syncs.length, 1);

    clock = new Date('2024-05-06T12:00:00Z');
    await agent.refresh('poll');
    await agent.idle();
    web = agent.app(dev('web'))!;
    assert.deepEqual([web.sync, web.syncWindowOpen, web.lastSync?.trigger], ['Synced', true, 'webhook']);
    assert.equal(await liveVersion(s.fx, 'web'), '2');
  });

  test('drift: reverted with selfHeal, only reported without; every drift is counted', async (t) => {
    const apps: AppSpecText[] = [{ name: 'healer', extra: 'syncPolicy: { selfHeal: true }' }, { name: 'watcher' }];
    const s = await setup(t, repoFiles(apps));
    const drift = new FakeDriftWatcher();
    let report: ((ref: AppRef, objects: string[]) => void) | undefined;
    const counted: string[] = [];
    const metrics: AgentMetrics = { reconcileDuration() {}, syncResult() {}, drift: (ref) => void counted.push(appId(ref)), gitFetchDuration() {}, queueDepth() {} };
    const agent = s.agent({ metrics, driftWatcher: (onDrift) => ((report = onDrift), drift) });
    const events: AgentEvent[] = [];
    agent.subscribe((e) => e.type === 'drift' && events.push(e));
    await agent.start();
    await agent.idle();
    assert.deepEqual(drift.tracked.get('healer/dev'), ['ConfigMap/healer/config', 'Namespace//healer']);
    assert.deepEqual(drift.tracked.get('watcher/dev'), ['ConfigMap/watcher/config', 'Namespace//watcher']);

    for (const ns of ['healer', 'watcher']) {
      await s.fx.client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config', namespace: ns }, data: { version: 'hand-edit' } }, { fieldManager: 'kubectl-edit', force: true });
      report!(dev(ns), [`ConfigMap/${ns}/config`]);
    }
    await agent.idle();
    assert.equal(await liveVersion(s.fx, 'healer'), '1', 'self-healed');
    const healer = agent.app(dev('healer'))!;
    assert.deepEqual([healer.sync, healer.drifts, healer.lastSync?.trigger, healer.drift], ['Synced', 1, 'drift', undefined]);
    assert.equal(await liveVersion(s.fx, 'watcher'), 'hand-edit', 'only reported');
    const watcher = agent.app(dev('watcher'))!;
    assert.deepEqual([watcher.sync, watcher.drifts, watcher.drift?.objects], ['OutOfSync', 1, ['ConfigMap/watcher/config']]);
    assert.deepEqual(events.map((e) => (e.type === 'drift' ? `${e.state.app} ${e.objects.join(',')}` : '')).sort(), ['healer ConfigMap/healer/config', 'watcher ConfigMap/watcher/config']);
    assert.deepEqual(counted.sort(), ['healer/dev', 'watcher/dev']);

    // a change that leaves git's values in place (here: reverted by hand) is not drift: Synced, not counted
    await s.fx.client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config', namespace: 'watcher' }, data: { version: '1' } }, { fieldManager: 'kubectl-edit', force: true });
    report!(dev('watcher'), ['ConfigMap/watcher/config']);
    await agent.idle();
    assert.deepEqual([agent.app(dev('watcher'))!.sync, agent.app(dev('watcher'))!.drifts, agent.app(dev('watcher'))!.drift], ['Synced', 1, undefined]);
    await agent.stop();
    assert.equal(drift.stopped, true);
  });

  test('with 10% of API requests failing (500, 429, timeouts, resets) every app still converges', async (t) => {
    const apps = names(6);
    const s = await setup(t, repoFiles(apps));
    s.fx.sandbox.setFaults({ rate: 0.1, kinds: ['error500', 'error429', 'timeout', 'reset'], timeoutMs: 200, seed: 42 });
    const agent = s.agent({ backoff: { backoffMs: 50, maxBackoffMs: 300, limit: 50 } });
    await agent.start();
    await waitFor(() => agent.ready() && agent.apps().every((a) => a.sync === 'Synced'), `every app Synced: ${summary(agent.apps()).join('; ')}`, 90_000);
    await s.commit({ 'apps/app03/config.yaml': configMap('app03', 'config', '2') }, 'app03: version 2');
    await agent.refresh('webhook').catch(() => undefined);
    await waitFor(() => agent.app(dev('app03'))!.revision === agent.app(dev('app03'))!.targetRevision && agent.app(dev('app03'))!.sync === 'Synced', 'app03 at the new commit', 90_000);
    await agent.idle();
    s.fx.sandbox.setFaults({ rate: 0 });
    for (const app of apps) {
      assert.equal(await liveVersion(s.fx, app.name), app.name === 'app03' ? '2' : '1', app.name);
      assert.equal((await agent.diff(dev(app.name))).changed, false, app.name);
    }
  });

  test('an agent stopped mid-sync leaves nothing broken: a fresh agent converges without duplicates or failed prunes', async (t) => {
    const apps = names(8).map((a) => ({ ...a, files: { 'a.yaml': configMap(a.name, 'a'), 'b.yaml': configMap(a.name, 'b') } }));
    const s = await setup(t, repoFiles(apps));
    const first = s.agent({ concurrency: 2 });
    let sawRunning = false;
    first.subscribe((e) => {
      if (e.type === 'app' && e.state.operation?.phase === 'running') sawRunning = true;
    });
    await first.start();
    await waitFor(() => sawRunning, 'a running sync');
    await first.stop();
    const synced = first.apps().filter((a) => a.sync === 'Synced').map((a) => a.app);
    const half = synced.length;
    assert.ok(half < 8, `stopped before the pass finished (${half} synced)`);
    assert.ok(first.apps().every((a) => a.operation === undefined), 'nothing left queued or running');

    // a commit while no agent runs: b.yaml leaves app01, so it is pruned
    await s.commit({ 'apps/app01/b.yaml': null }, 'app01: no b');
    const before = s.syncs.length;
    const second = s.agent();
    await second.start();
    await second.idle();
    assert.deepEqual(summary(second.apps()).filter((x) => !x.endsWith('Synced Healthy')), []);
    for (const app of apps) {
      const history = await second.history(dev(app.name));
      assert.deepEqual(history.filter((h) => h.result === 'Failed'), [], app.name);
      const live = await s.fx.client.list('v1', 'ConfigMap', { namespace: app.name });
      const own = live.items.filter((o) => o.metadata.annotations?.['capstan.dev/owner'] === `${app.name}/dev`).map((o) => o.metadata.name);
      assert.deepEqual(own.sort(), app.name === 'app01' ? ['a'] : ['a', 'b'], app.name);
    }
    // the apps the first agent had synced were not synced again (nothing to change), except app01's prune
    const expected = apps.map((a) => a.name).filter((n) => !synced.includes(n) || n === 'app01').map((n) => `${n}/dev`);
    assert.deepEqual(s.syncs.slice(before).sort(), expected.sort());
  });

  test('sharding: an agent reconciles only the apps it owns and picks up apps on a membership change', async (t) => {
    const apps = names(4);
    const s = await setup(t, repoFiles(apps));
    const shards = new FakeShards('replica-a', new Set(['app01', 'app03']));
    const drift = new FakeDriftWatcher();
    const agent = s.agent({ shards, driftWatcher: drift });
    await agent.start();
    assert.equal(shards.started, true);
    await agent.idle();
    assert.equal(agent.ready(), true);
    assert.deepEqual(s.syncs.sort(), ['app01/dev', 'app03/dev']);
    assert.deepEqual(agent.apps().map((a) => `${a.app} ${a.owner} ${a.sync}`), ['app01 replica-a Synced', 'app02 other-replica Unknown', 'app03 replica-a Synced', 'app04 other-replica Unknown']);
    await assert.rejects(agent.sync(dev('app02'), { who: 'dave' }), /app app02\/dev is reconciled by agent replica other-replica, not replica-a/);

    s.syncs.length = 0;
    shards.reassign(new Set(['app01', 'app02']));
    assert.equal(agent.ready(), false, 'app02 has not had its first pass yet');
    await agent.idle();
    assert.equal(agent.ready(), true);
    assert.deepEqual(s.syncs, ['app02/dev']);
    assert.deepEqual(agent.apps().map((a) => `${a.app} ${a.owner} ${a.sync}`), ['app01 replica-a Synced', 'app02 replica-a Synced', 'app03 other-replica Synced', 'app04 other-replica Unknown']);
    assert.deepEqual(drift.tracked.get('app03/dev'), [], 'no longer watched');
    assert.equal(drift.tracked.get('app02/dev')?.length, 2);

    // a commit touching a dropped app is left to its owner
    await s.commit({ 'apps/app03/config.yaml': configMap('app03', 'config', '2'), 'apps/app02/config.yaml': configMap('app02', 'config', '2') }, 'app02 and app03: version 2');
    await agent.refresh('webhook');
    await agent.idle();
    assert.deepEqual(s.syncs, ['app02/dev', 'app02/dev']);
    assert.equal(await liveVersion(s.fx, 'app03'), '1');
    await agent.stop();
    assert.equal(shards.started, false);
  });
});

describe('agent: per-app poll interval', () => {
  test('an app with syncOptions.pollInterval is re-checked on its own schedule; others wait for a commit', async (t) => {
    const apps: AppSpecText[] = [
      { name: 'fast', extra: 'syncOptions: { pollInterval: 300ms }\nsyncPolicy: { selfHeal: true }' },
      { name: 'slow', extra: 'syncPolicy: { selfHeal: true }' },
    ];
    const s = await setup(t, repoFiles(apps));
    const agent = s.agent({ pollIntervalMs: 0 });
    await agent.start();
    await waitFor(() => agent.ready() && agent.apps().every((a) => a.sync === 'Synced'), 'first pass');
    const edit = (ns: string) =>
      s.fx.client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config', namespace: ns }, data: { version: 'edited' } }, { fieldManager: 'kubectl-edit', force: true });
    const version = async (ns: string) => ((await s.fx.client.get('v1', { group: '', kind: 'ConfigMap', namespace: ns, name: 'config' }))?.data as { version: string }).version;
    await edit('fast');
    await edit('slow');
    // no drift watcher and global polling off: only the app's own poll interval notices
    await waitFor(async () => (await version('fast')) === '1', 'fast healed by its own poll');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await version('slow'), 'edited', 'slow is not re-checked without a commit or a poll of its own');
  });
});
