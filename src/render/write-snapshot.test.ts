import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { snapshotPath, writeSnapshot } from './index.ts';
import { object } from './testing.ts';

const temps: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'capstan-snapshot-test-'));
  temps.push(dir);
  return dir;
}
after(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(path.relative(dir, path.join(entry.parentPath, entry.name)));
  }
  return out.sort();
}

const objects = [
  object('apps/v1', 'Deployment', 'api', { namespace: 'shop', spec: { replicas: 2 } }),
  object('v1', 'ConfigMap', 'settings', { namespace: 'shop' }),
  object('v1', 'Namespace', 'shop'),
  object('rbac.authorization.k8s.io/v1', 'ClusterRole', 'system:reader'),
];
objects[1].manifest.data = { flag: 'on', mode: '0644' };

describe('writeSnapshot', () => {
  it('writes one YAML file per object, named by namespace, kind, group and name, and nothing else', async () => {
    const dir = path.join(await tempDir(), 'snap');
    const written = await writeSnapshot(objects, dir);
    const expected = ['_cluster/clusterrole.rbac.authorization.k8s.io-system:reader.yaml', '_cluster/namespace-shop.yaml', 'shop/configmap-settings.yaml', 'shop/deployment.apps-api.yaml'];
    assert.deepEqual(written, expected);
    assert.deepEqual(await tree(dir), expected);
    assert.deepEqual(await readdir(path.dirname(dir)), ['snap'], 'no staging directory is left behind');
    const text = await readFile(path.join(dir, 'shop/configmap-settings.yaml'), 'utf8');
    assert.equal(text, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  flag: "on"\n  mode: "0644"\n');
    assert.deepEqual(parse(await readFile(path.join(dir, 'shop/deployment.apps-api.yaml'), 'utf8')), objects[0].manifest);
    assert.equal((await stat(path.join(dir, 'shop/deployment.apps-api.yaml'))).mode & 0o777, 0o600);
  });

  it('replaces a previous snapshot as a whole', async () => {
    const dir = path.join(await tempDir(), 'snap');
    await writeSnapshot(objects, dir);
    await writeSnapshot([objects[0]], dir);
    assert.deepEqual(await tree(dir), ['shop/deployment.apps-api.yaml']);
  });

  it('writes the same bytes for the same objects', async () => {
    const a = path.join(await tempDir(), 'a');
    const b = path.join(await tempDir(), 'b');
    await writeSnapshot(objects, a);
    await writeSnapshot([...objects].reverse(), b);
    for (const file of await tree(a)) assert.equal(await readFile(path.join(a, file), 'utf8'), await readFile(path.join(b, file), 'utf8'));
    assert.deepEqual(await tree(a), await tree(b));
  });

  it('refuses a non-empty directory that is not a snapshot, and leaves it alone', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'shop'));
    await writeFile(path.join(dir, 'shop/notes.txt'), 'mine');
    await assert.rejects(writeSnapshot(objects, dir), {
      message: `refusing to write a snapshot into ${dir}: it holds "shop/notes.txt", so it is not a previous snapshot (which holds only <namespace>/<file>.yaml): use an empty or new directory`,
    });
    const top = await tempDir();
    await writeFile(path.join(top, 'README.md'), 'mine');
    await assert.rejects(writeSnapshot(objects, top), /it holds "README\.md"/);
    assert.deepEqual(await tree(dir), ['shop/notes.txt']);
  });

  it('refuses two objects that would share a file, and names that are not file names', async () => {
    await assert.rejects(writeSnapshot([objects[1], { ...objects[1], source: 'apps/b.yaml' }], path.join(await tempDir(), 's')), {
      message: 'apps/b.yaml: cannot write the snapshot: it and apps/web/configmap-settings.yaml would both be shop/configmap-settings.yaml',
    });
    assert.throws(() => snapshotPath(object('v1', 'ConfigMap', '../escape', { namespace: 'shop' })), /cannot write a snapshot file for name "\.\.\/escape"/);
  });
});
