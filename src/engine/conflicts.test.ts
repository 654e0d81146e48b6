// Git wins, visibly: a sync takes the fields git declares from other field managers and says which
// it took from whom; `syncOptions.conflicts: fail` and `force: false` keep the stop.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { formatChange, type Manifest } from '../core/index.ts';
import { formatDiffs } from '../diff/index.ts';
import { commit, makeRepo } from '../source/testing.ts';
import { startEngineFixture, type EngineFixture } from './testing.ts';

const deployment = (replicas: number): string =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: ${replicas}\n  selector: { matchLabels: { app: web } }\n  template:\n    metadata: { labels: { app: web } }\n    spec: { containers: [{ name: web, image: nginx:1.27 }] }\n`;

const project = (namespace: string, syncOptions = ''): string =>
  `apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments: [{ name: dev }]\napps:\n  - name: web\n    source: web\n    namespace: ${namespace}\n    createNamespace: true\n${syncOptions}`;

const web = (namespace: string) => ({ group: 'apps', kind: 'Deployment', namespace, name: 'web' });

describe('engine: conflicts with other field managers', () => {
  let fx: EngineFixture;
  before(async () => {
    fx = await startEngineFixture();
  });
  after(async () => {
    await fx?.stop();
  });

  /** Another field manager (an autoscaler, a person) takes spec.replicas. */
  async function scaleBehindCapstan(namespace: string, replicas: number): Promise<void> {
    await fx.client.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace }, spec: { replicas } }, { fieldManager: 'autoscaler', force: true });
  }

  function holdsReplicas(live: Manifest | undefined, manager: string): boolean {
    const entries = (live?.metadata.managedFields ?? []) as { manager: string; fieldsV1?: { 'f:spec'?: Record<string, unknown> } }[];
    return entries.some((e) => e.manager === manager && e.fieldsV1?.['f:spec']?.['f:replicas'] !== undefined);
  }

  test('by default a sync takes the fields back and names them; diff says it would', async () => {
    const repo = await makeRepo({ 'capstan.yaml': project('conflicts-force'), 'web/deployment.yaml': deployment(3) });
    assert.equal((await fx.engine.sync({ repo: { url: repo.dir }, app: 'web', env: 'dev' })).result, 'Succeeded');
    await scaleBehindCapstan('conflicts-force', 5);

    const report = await fx.engine.diff(await fx.engine.open({ url: repo.dir }), 'web', 'dev');
    assert.deepEqual(report.diffs.map((d) => d.takeovers), [[{ manager: 'autoscaler', fields: ['.spec.replicas'] }]]);
    assert.match(formatDiffs(report.diffs), /^update Deployment\/conflicts-force\/web\n# fields other managers hold, which the apply takes: \.spec\.replicas from autoscaler\n--- live\//);

    const result = await fx.engine.sync({ repo: { url: repo.dir }, app: 'web', env: 'dev' });
    assert.equal(result.result, 'Succeeded', result.error?.message);
    assert.deepEqual(result.changeSet.changes.filter((c) => c.action !== 'unchanged').map(formatChange), ['Deployment/conflicts-force/web configured: took .spec.replicas from autoscaler']);
    const live = await fx.client.get('apps/v1', web('conflicts-force'));
    assert.equal((live?.spec as { replicas: number }).replicas, 3);
    assert.ok(holdsReplicas(live, 'capstan') && !holdsReplicas(live, 'autoscaler'), 'capstan holds spec.replicas again');
  });

  test('conflicts: fail, or force: false (--no-force-conflicts), stops on the field and names its manager', async () => {
    const repo = await makeRepo({ 'capstan.yaml': project('conflicts-fail', '    syncOptions: { conflicts: fail }\n'), 'web/deployment.yaml': deployment(3) });
    assert.equal((await fx.engine.sync({ repo: { url: repo.dir }, app: 'web', env: 'dev' })).result, 'Succeeded');
    await scaleBehindCapstan('conflicts-fail', 5);

    const stopped = await fx.engine.sync({ repo: { url: repo.dir }, app: 'web', env: 'dev' });
    assert.equal(stopped.result, 'Failed');
    assert.equal(stopped.error?.category, 'conflict');
    assert.equal(
      stopped.error?.message,
      '1 of 2 objects failed validation; nothing was applied:\nDeployment/conflicts-fail/web apply failed: conflict with "autoscaler": .spec.replicas; use --force-conflicts to take them',
    );
    assert.equal(((await fx.client.get('apps/v1', web('conflicts-fail')))?.spec as { replicas: number }).replicas, 5);

    const forced = await fx.engine.sync({ repo: { url: repo.dir }, app: 'web', env: 'dev', force: true });
    assert.equal(forced.result, 'Succeeded', forced.error?.message);

    await commit(repo.dir, { 'capstan.yaml': project('conflicts-fail') }, 'git wins again');
    await scaleBehindCapstan('conflicts-fail', 4);
    const refused = await fx.engine.sync({ repo: { url: repo.dir }, app: 'web', env: 'dev', force: false });
    assert.equal(refused.result, 'Failed');
    assert.equal(refused.error?.category, 'conflict');
  });
});
