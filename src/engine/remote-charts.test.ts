// A chart from a Helm repository through the engine: credentials from a Secret in capstan's own
// namespace (read through the app's cluster), charts kept in the engine's chart cache, and a render
// whose chart version is a range never kept in the engine's render cache (a newer version may be
// published), while one of an exact version is.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { startSandbox } from '@capstan/sandbox';
import { createKubeClient } from '../kube/index.ts';
import { packageChart, removeAll, serveChartRepository, tempDir as chartTemp, writeChart } from '../render/chart-source/chart-source-testing.ts';
import { findHelm } from '../render/index.ts';
import { GitCache } from '../source/index.ts';
import { makeRepo, tempDir } from '../source/testing.ts';
import { Engine, type RenderResult } from './engine.ts';

const helmBinary = await findHelm();
const versionOf = (result: RenderResult): string | undefined => (result.objects.find((o) => o.manifest.kind === 'ConfigMap')?.manifest.data as Record<string, string> | undefined)?.version;

test('helm.chart through the engine: credentials from a Secret in capstan-system, a range re-rendered, an exact version kept', { skip: helmBinary === undefined && 'helm is not installed (node scripts/setup-tools.mjs)' }, async (t) => {
  const work = await chartTemp();
  const password = 'chart-repo-password';
  for (const version of ['1.0.0', '1.5.0']) await packageChart(helmBinary!, await writeChart(path.join(work, version), { name: 'web', version }), path.join(work, 'served'), work);
  const repo = await serveChartRepository(helmBinary!, path.join(work, 'served'), work, { username: 'robot', password });
  const sandbox = await startSandbox({ port: 0, token: 'charts' });
  const client = await createKubeClient({ kubeconfig: sandbox.kubeconfig });
  t.after(async () => {
    client.close();
    await sandbox.stop();
    await repo.close();
    await removeAll(work);
  });
  await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'capstan-system' } }, { fieldManager: 'test' });
  await client.apply(
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'charts-cred', namespace: 'capstan-system' }, stringData: { username: 'robot', password } },
    { fieldManager: 'test' },
  );
  const chart = (version: string): string => `{ chart: { repository: "${repo.url}", name: web, version: "${version}", credentials: { secret: charts-cred } } }`;
  const { dir } = await makeRepo({
    'capstan.yaml': `apiVersion: capstan.dev/v1alpha1
kind: Project
environments:
  - name: dev
apps:
  - { name: ranged, namespace: ranged, helm: ${chart('^1')} }
  - { name: pinned, namespace: pinned, helm: ${chart('1.0.0')} }
`,
  });
  const chartCacheDir = path.join(work, 'chart-cache');
  const engine = new Engine({ git: new GitCache({ dir: tempDir() }), clientFor: async () => client, helmBinary, chartCacheDir });
  const checkout = await engine.open({ url: dir });

  const ranged = await engine.render(checkout, 'ranged', 'dev', client);
  assert.equal(versionOf(ranged), '1.5.0');
  assert.equal(ranged.versionRanges, true);
  const again = await engine.render(checkout, 'ranged', 'dev', client);
  assert.notEqual(again, ranged, 'a render of a version range is not kept');
  assert.equal(versionOf(again), '1.5.0');

  const pinned = await engine.render(checkout, 'pinned', 'dev', client);
  assert.equal(versionOf(pinned), '1.0.0');
  assert.equal(await engine.render(checkout, 'pinned', 'dev', client), pinned, 'a render of an exact version is kept');
  assert.equal((await readdir(path.join(chartCacheDir, 'sha256'))).length, 2, 'both archives are in the engine\'s chart cache');

  // what is cached needs no credentials; a chart not yet cached does, and offline there is no
  // cluster to read the Secret from: the error says so, without the password
  const fresh = new Engine({ git: new GitCache({ dir: tempDir() }), clientFor: async () => client, helmBinary, chartCacheDir: path.join(work, 'other-cache') });
  await assert.rejects(fresh.render(await fresh.open({ url: dir }), 'ranged', 'dev'), (error: Error) => {
    assert.match(error.message, /credentials Secret charts-cred \(in capstan's namespace\) cannot be read: there is no cluster to read Secrets from/);
    assert.ok(!error.message.includes(password));
    return true;
  });
});
