import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { detectAppType, renderApp, sortObjects } from './index.ts';
import { fixtureRepo, testApp } from './testing.ts';

const temps: string[] = [];
after(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

describe('detectAppType', () => {
  it('finds a kustomization, a chart, an image-pins layout, else a directory', () => {
    assert.equal(detectAppType(fixtureRepo('kustomize'), 'apps/guestbook/overlays/dev'), 'kustomize');
    assert.equal(detectAppType(fixtureRepo('helm'), 'charts/web'), 'helm');
    assert.equal(detectAppType(fixtureRepo('pins'), 'deploy'), 'pins');
    assert.equal(detectAppType(fixtureRepo('directory'), 'apps/web'), 'directory');
  });

  it('honours an explicit type over detection', async () => {
    const result = await renderApp(fixtureRepo('pins'), testApp('deploy/web', { type: 'directory' }), {});
    assert.equal(result.type, 'directory');
    assert.deepEqual(result.objects.map((o) => o.manifest.kind), ['Service', 'Deployment']);
  });
});

describe('renderApp determinism', () => {
  for (const [repo, source] of [
    ['directory', 'apps/web'],
    ['kustomize', 'apps/guestbook/overlays/dev'],
    ['pins', 'deploy'],
  ] as const) {
    it(`renders ${repo} byte for byte the same, whatever order the files were written in`, async () => {
      const first = await renderApp(fixtureRepo(repo), testApp(source), {});
      // A copy written in a different order (fresh inodes, different directory order on disk).
      const copy = await mkdtemp(path.join(os.tmpdir(), 'capstan-determinism-'));
      temps.push(copy);
      await cp(fixtureRepo(repo), copy, { recursive: true });
      await writeFile(path.join(copy, 'unrelated.txt'), 'x');
      const second = await renderApp(copy, testApp(source), {});
      assert.equal(JSON.stringify(second), JSON.stringify(first));
    });
  }

  it('sorts independently of input order', () => {
    const make = (ns: string, kind: string, name: string, apiVersion = 'v1') => ({ manifest: { apiVersion, kind, metadata: { name, namespace: ns || undefined } }, source: `${kind}-${name}` });
    const objects = [make('b', 'Service', 'x'), make('', 'Namespace', 'b'), make('a', 'Deployment', 'z', 'apps/v1'), make('a', 'ConfigMap', 'z'), make('a', 'ConfigMap', 'a')];
    const sorted = sortObjects(objects);
    assert.deepEqual(sorted.map((o) => o.source), ['Namespace-b', 'ConfigMap-a', 'ConfigMap-z', 'Deployment-z', 'Service-x']);
    assert.deepEqual(sortObjects([...objects].reverse()), sorted);
  });
});
