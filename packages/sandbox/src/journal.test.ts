import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ApiCore } from './api.ts';
import { Journal } from './journal.ts';
import { Store } from './store.ts';
import { tempDir } from './testing.ts';
import type { KubeObject } from './types.ts';

function configMap(name: string, rv: number, data: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', resourceVersion: String(rv) }, data };
}

test('a reopened journal has every acknowledged write and the resourceVersion clock', async () => {
  const file = path.join(tempDir(), 'state.db');
  const first = await Journal.open(file);
  const store = new Store(first.journal, first.state);
  await store.put('configmaps', configMap('a', 1));
  await store.put('configmaps', configMap('b', 2));
  await store.put('configmaps', configMap('a', 3, { k: 'v' }));
  await store.remove('configmaps', configMap('b', 4));
  await store.close();

  const second = await Journal.open(file);
  const reopened = new Store(second.journal, second.state);
  assert.deepEqual(reopened.list('configmaps').map((o) => [o.metadata.name, o.data]), [['a', { k: 'v' }]]);
  assert.equal(reopened.resourceVersion, 4);
  assert.equal(reopened.nextResourceVersion(), 5);
  await reopened.close();
});

test('a torn last line (a crash mid-write) is dropped and the file repaired', async () => {
  const file = path.join(tempDir(), 'state.db');
  const { journal, state } = await Journal.open(file);
  const store = new Store(journal, state);
  await store.put('configmaps', configMap('kept', 1));
  await store.close();
  appendFileSync(file, '{"t":"put","r":"configmaps","k":"ns/torn","o":{"apiVer');

  const reopened = await Journal.open(file);
  assert.deepEqual([...reopened.state.objects.get('configmaps')!.keys()], ['ns/kept']);
  await reopened.journal.close();
  assert.ok(readFileSync(file, 'utf8').endsWith('}\n'), 'the torn tail is cut off');
});

test('concurrent writes share fsyncs and all resolve once on disk', async () => {
  const file = path.join(tempDir(), 'state.db');
  const { journal, state } = await Journal.open(file);
  const store = new Store(journal, state);
  await Promise.all(Array.from({ length: 200 }, (_, i) => store.put('configmaps', configMap(`cm-${i}`, i + 1))));
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  assert.equal(lines.length, 200);
  await store.close();
});

test('compaction rewrites the journal as a snapshot without losing objects', async () => {
  const file = path.join(tempDir(), 'state.db');
  const { journal, state } = await Journal.open(file);
  const store = new Store(journal, state);
  let rv = 0;
  for (let round = 0; round < 30; round++) {
    for (let i = 0; i < 100; i++) await store.put('configmaps', configMap(`cm-${i}`, ++rv, { round: String(round) }));
  }
  await store.close();
  const lines = readFileSync(file, 'utf8').trim().split('\n').length;
  assert.ok(lines < 3000, `expected compaction to shrink 3,000 records, file has ${lines}`);
  const reopened = await Journal.open(file);
  const objects = reopened.state.objects.get('configmaps')!;
  assert.equal(objects.size, 100);
  assert.deepEqual(objects.get('ns/cm-42')?.data, { round: '29' });
  assert.equal(reopened.state.resourceVersion, 3000);
  await reopened.journal.close();
});

test('watch history: events after a version, and undefined once it has been compacted away', () => {
  const store = new Store(undefined, undefined, { historySize: 10 });
  for (let i = 1; i <= 25; i++) void store.put('configmaps', configMap(`cm-${i}`, i));
  assert.deepEqual(store.eventsSince(23)?.map((e) => e.resourceVersion), [24, 25]);
  assert.equal(store.eventsSince(2), undefined);
  assert.equal(store.eventsSince(25)?.length, 0);
});

test('an object the journal cannot encode is refused before anything changes', async () => {
  const file = path.join(tempDir(), 'state.db');
  const { journal, state } = await Journal.open(file);
  const store = new Store(journal, state);
  await store.put('configmaps', configMap('kept', 1));
  const events: string[] = [];
  store.subscribe((event) => events.push(`${event.type} ${event.object.metadata.name}`));
  const unencodable = { ...configMap('odd', 2), data: { n: 1n } } as unknown as KubeObject;
  assert.throws(() => store.put('configmaps', unencodable), /BigInt/);
  assert.equal(store.get('configmaps', 'ns', 'odd'), undefined);
  assert.equal(store.resourceVersion, 1);
  assert.deepEqual(events, []);
  await store.close();
});

test('a listener that throws neither stops the write nor the listeners after it', async () => {
  const file = path.join(tempDir(), 'state.db');
  const { journal, state } = await Journal.open(file);
  const store = new Store(journal, state);
  const seen: string[] = [];
  store.subscribe(() => {
    throw new Error('a broken watcher');
  });
  store.subscribe((event) => seen.push(event.object.metadata.name as string));
  await store.put('configmaps', configMap('a', 1));
  assert.deepEqual(seen, ['a']);
  await store.close();
  const reopened = await Journal.open(file);
  assert.deepEqual([...reopened.state.objects.get('configmaps')!.keys()], ['ns/a']);
  await reopened.journal.close();
});

const prlimitSkip = spawnSync('prlimit', ['--version']).status === 0 ? false : 'prlimit (util-linux) is not on PATH: it stands in for a full disk';

/** Sets this process's soft limit on the size of files it writes (Node ignores SIGXFSZ, so a write past it fails with EFBIG). */
function setFileSizeLimit(limit: string): void {
  execFileSync('prlimit', ['--pid', String(process.pid), `--fsize=${limit}:`]);
}

test('a write the disk refuses fails, is taken back out of memory and from watchers, and leaves nothing torn in the data file', { skip: prlimitSkip }, async () => {
  const file = path.join(tempDir(), 'state.db');
  const { journal, state } = await Journal.open(file);
  const store = new Store(journal, state);
  const api = new ApiCore(store);
  await api.bootstrap();
  const type = api.type('v1', 'ConfigMap');
  const body = (name: string, value: string): Record<string, unknown> => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { value: value.repeat(300) } });
  await api.create(type, 'default', body('before', 'a'));
  const events: string[] = [];
  const stop = api.watch(type, 'default', { resourceVersion: String(store.resourceVersion) }, (event) => {
    const object = event.object as KubeObject;
    events.push(`${event.type} ${object.metadata.name} ${String((object.data as { value?: string } | undefined)?.value?.[0])}`);
  });
  const limit = execFileSync('prlimit', ['--pid', String(process.pid), '--fsize', '--output', 'SOFT', '--noheadings'], { encoding: 'utf8' }).trim();
  // the file may grow by 100 bytes: the next record gets there in part, then the disk is full
  setFileSizeLimit(String(statSync(file).size + 100));
  try {
    await assert.rejects(api.create(type, 'default', body('refused', 'b')), { code: 'EFBIG' });
    assert.throws(() => api.get(type, 'default', 'refused'), /configmaps "refused" not found/);
    // two updates of one object, the second queued behind the first: both fail, and it is back as the file has it
    const first = api.update(type, 'default', 'before', body('before', 'c'));
    const second = api.update(type, 'default', 'before', body('before', 'd'));
    await assert.rejects(first, { code: 'EFBIG' });
    await assert.rejects(second, { code: 'EFBIG' });
    assert.equal((api.get(type, 'default', 'before').data as { value: string }).value, 'a'.repeat(300));
    // a CRD taken back takes its types with it
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gadgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    };
    await assert.rejects(api.create(api.type('apiextensions.k8s.io/v1', 'CustomResourceDefinition'), undefined, crd), { code: 'EFBIG' });
    assert.equal(api.registry.lookupKind('example.com/v1', 'Gadget'), undefined);
  } finally {
    setFileSizeLimit(limit === 'unlimited' ? 'unlimited' : limit);
  }
  await api.create(type, 'default', body('after', 'e'));
  stop();
  assert.deepEqual(events, [
    'ADDED refused b',
    'DELETED refused b',
    'MODIFIED before c',
    'MODIFIED before d',
    'MODIFIED before c',
    'MODIFIED before a',
    'ADDED after e',
  ]);
  const inMemory = store.list('configmaps').map((o) => [o.metadata.name, o.metadata.resourceVersion]);
  await store.close();
  const reopened = await Journal.open(file);
  await reopened.journal.close();
  const onDisk = [...reopened.state.objects.get('configmaps')!.values()].map((o) => [o.metadata.name, o.metadata.resourceVersion]);
  assert.deepEqual(onDisk.sort(), inMemory.sort(), 'the data file holds what memory held, the write after the full disk included');
});
