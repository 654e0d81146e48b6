// One sync per app and environment across processes, and what a sync records before it creates
// anything: two engines (as two processes would) against one sandbox.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { formatChange, type Manifest } from '../core/index.ts';
import type { KubeClient } from '../kube/index.ts';
import { GitCache } from '../source/index.ts';
import { commit, makeRepo } from '../source/testing.ts';
import { Engine, type SyncResult } from './engine.ts';
import { startEngineFixture, type EngineFixture } from './testing.ts';

const configMaps = (names: string[]): string => names.map((name) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata: { name: ${name} }\n`).join('---\n');
const range = (prefix: string, from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `${prefix}-${String(from + i).padStart(2, '0')}`);
const project = (app: string): string => `apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments: [{ name: dev }]\napps:\n  - { name: ${app}, source: ${app}, namespace: ${app}, createNamespace: true }\n`;

function succeeded(result: SyncResult): SyncResult {
  assert.equal(result.result, 'Succeeded', result.error?.message);
  return result;
}

/** A client whose writes can be held: `hold()` makes every later non-dry-run write wait until `release()`. */
class HoldingClient {
  private gate: Promise<void> | undefined;
  private open: () => void = () => undefined;
  /** Resolves when a write first waits at the gate. */
  held: Promise<void>;
  private reached: () => void = () => undefined;
  readonly client: KubeClient;

  constructor(inner: KubeClient, when: (kind: string, name: string, verb: string) => boolean) {
    this.held = new Promise((resolve) => (this.reached = resolve));
    const wait = async (kind: string, name: string, verb: string) => {
      if (this.gate && when(kind, name, verb)) {
        this.reached();
        await this.gate;
      }
    };
    this.client = Object.create(inner) as KubeClient;
    this.client.apply = async (manifest, options) => {
      if (!options?.dryRun) await wait(manifest.kind, manifest.metadata.name, 'apply');
      return inner.apply(manifest, options);
    };
    this.client.create = async (manifest, options) => {
      const created = await inner.create(manifest, options);
      await wait(manifest.kind, manifest.metadata.name, 'create');
      return created;
    };
  }

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.gate = undefined;
    this.open();
  }
}

describe('engine: one sync per app at a time, and an inventory written ahead', () => {
  let fx: EngineFixture;
  const caches: string[] = [];
  before(async () => {
    fx = await startEngineFixture();
  });
  after(async () => {
    await fx?.stop();
    for (const dir of caches) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  });

  function engine(who: string, client: KubeClient = fx.client, waitForLockMs?: number): Engine {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'capstan-lock-cache-'));
    caches.push(dir);
    return new Engine({ git: new GitCache({ dir }), clientFor: async () => client, who, waitForLockMs });
  }

  async function names(namespace: string): Promise<string[]> {
    const { items } = await fx.client.list('v1', 'ConfigMap', { namespace, labelSelector: 'capstan.dev/app' });
    return items.map((item: Manifest) => item.metadata.name).sort();
  }

  async function history(app: string): Promise<string[]> {
    const inventory = await engine('reader').history(await engine('reader').open({ url: repoDir }), app, 'dev');
    return inventory.history.map((h) => `${h.id} ${h.operation} ${h.result} ${h.who}`);
  }
  let repoDir = '';

  test('a second sync of the same app fails at once naming the holder, or waits for it; both are recorded, the last revision wins', async () => {
    const repo = await makeRepo({ 'capstan.yaml': project('locked'), 'locked/maps.yaml': configMaps(range('v1', 0, 5)) });
    repoDir = repo.dir;
    await commit(repo.dir, { 'locked/maps.yaml': configMaps(range('v2', 0, 5)) }, 'v2');
    const holding = new HoldingClient(fx.client, (kind, _name, verb) => kind === 'Lease' && verb === 'create');
    const alice = engine('alice', holding.client);
    holding.hold();
    const aliceSync = alice.sync({ repo: { url: repo.dir }, revision: repo.sha, app: 'locked', env: 'dev' });
    await holding.held; // alice holds the lock, paused right after taking it

    const refused = await engine('ci').sync({ repo: { url: repo.dir }, app: 'locked', env: 'dev' });
    assert.equal(refused.result, 'Failed');
    assert.equal(refused.error?.category, 'conflict');
    assert.match(refused.error!.message, /^app "locked" in environment "dev" is being synced by alice on \S+, pid \d+ since \S+ \(Lease capstan-system\/capstan\.locked\.dev, renewed \S+\): wait for it with --wait-for-lock <duration>, or try again when it is done$/);
    assert.equal(refused.recorded, undefined, 'a refused sync records nothing');

    const waitedFor: string[] = [];
    const ciSync = engine('ci', fx.client, 60_000).sync({ repo: { url: repo.dir }, app: 'locked', env: 'dev', onLockWait: (holder) => waitedFor.push(holder.identity.split(' ')[0]!) });
    while (waitedFor.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    holding.release();
    succeeded(await aliceSync);
    succeeded(await ciSync);
    assert.deepEqual(waitedFor, ['alice']);
    assert.deepEqual(await names('locked'), range('v2', 0, 5), 'the second sync, done after the first, wins');
    assert.deepEqual(await history('locked'), ['1 sync Succeeded alice', '2 sync Succeeded ci']);
  });

  test('a sync stopped after it started creating leaves its objects recorded ahead; the next sync of another revision prunes them', async () => {
    const repo = await makeRepo({ 'capstan.yaml': project('ahead'), 'ahead/maps.yaml': configMaps(range('a', 0, 20)) });
    repoDir = repo.dir;
    const a = await commit(repo.dir, {}, 'a');
    await commit(repo.dir, { 'ahead/maps.yaml': configMaps([...range('a', 0, 10), ...range('b', 0, 10)]) }, 'b: half of a, and ten new');
    succeeded(await engine('ci').sync({ repo: { url: repo.dir }, revision: a, app: 'ahead', env: 'dev' }));

    // a process that dies after creating five of b's new objects: its writes stop there for good
    let created = 0;
    const dying = new HoldingClient(fx.client, (kind, name, verb) => verb === 'apply' && kind === 'ConfigMap' && name.startsWith('b-') && ++created > 5);
    dying.hold();
    void engine('dying', dying.client).sync({ repo: { url: repo.dir }, app: 'ahead', env: 'dev' });
    await dying.held;
    const inventory = await engine('reader').history(await engine('reader').open({ url: repo.dir }), 'ahead', 'dev');
    assert.deepEqual(inventory.pending?.map((o) => o.key.name), range('b', 0, 10), 'recorded before the first create');
    // its process is gone: nobody renews its Lease (a Lease whose holder died is taken over; here it is removed at once)
    await fx.client.delete('coordination.k8s.io/v1', { group: 'coordination.k8s.io', kind: 'Lease', namespace: 'capstan-system', name: 'capstan.ahead.dev' });

    const report = await engine('ci').diff(await engine('ci').open({ url: repo.dir }, a), 'ahead', 'dev');
    assert.ok(report.diffs.some((d) => d.action === 'delete' && d.key.name.startsWith('b-')), 'diff shows what the interrupted sync left');
    const again = succeeded(await engine('ci').sync({ repo: { url: repo.dir }, revision: a, app: 'ahead', env: 'dev' }));
    assert.deepEqual(await names('ahead'), range('a', 0, 20), 'exactly the revision applied');
    assert.ok(again.changeSet.changes.map(formatChange).includes('ConfigMap/ahead/b-00 deleted'));
    const settled = await engine('reader').history(await engine('reader').open({ url: repo.dir }), 'ahead', 'dev');
    assert.equal(settled.pending, undefined, 'a successful sync settles what was pending');
  });
});
