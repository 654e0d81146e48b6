// The lock of a sync (one per app and environment, across processes) against a sandbox over HTTPS.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { after, before, test } from 'node:test';
import { createKubeClient, type KubeClient } from '../kube/index.ts';
import { startSandbox, type Sandbox } from '@capstan/sandbox';
import { LockedError, SyncLocks } from './sync-lock.ts';

let sandbox: Sandbox;
let client: KubeClient;

before(async () => {
  sandbox = await startSandbox({ port: 0, token: 'lock-test' });
  client = await createKubeClient({ kubeconfig: sandbox.kubeconfig });
});

after(async () => {
  client?.close();
  await sandbox?.stop();
});

const lease = (name: string) => ({ group: 'coordination.k8s.io', kind: 'Lease', namespace: 'capstan-system', name });

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('one holder at a time: the second fails at once naming the holder, or waits for the release', async () => {
  const alice = new SyncLocks(client, { identity: 'alice (capstan apply) on laptop, pid 1' });
  const ci = new SyncLocks(client, { identity: 'ci (capstan apply) on runner, pid 2', pollIntervalMs: 20 });
  const held = await alice.acquire('web', 'dev');
  const live = await client.get('coordination.k8s.io/v1', lease('capstan.web.dev'));
  assert.equal((live?.spec as { holderIdentity: string }).holderIdentity, 'alice (capstan apply) on laptop, pid 1');

  await assert.rejects(ci.acquire('web', 'dev'), (error: unknown) => {
    assert.ok(error instanceof LockedError);
    assert.equal(error.category, 'conflict');
    assert.match(
      error.message,
      /^app "web" in environment "dev" is being synced by alice \(capstan apply\) on laptop, pid 1 since \S+Z \(Lease capstan-system\/capstan\.web\.dev, renewed \S+Z\): wait for it with --wait-for-lock <duration>, or try again when it is done$/,
    );
    return true;
  });
  await (await ci.acquire('web', 'prod')).release(); // another environment is another lock

  const waiting: string[] = [];
  const second = ci.acquire('web', 'dev', { waitMs: 60_000, onWaiting: (holder) => waiting.push(holder.identity) });
  await until(() => waiting.length === 1, 'the second to wait');
  await held.release();
  const taken = await second;
  assert.deepEqual(waiting, ['alice (capstan apply) on laptop, pid 1']);
  assert.equal(((await client.get('coordination.k8s.io/v1', lease('capstan.web.dev')))?.spec as { holderIdentity: string }).holderIdentity, 'ci (capstan apply) on runner, pid 2');
  await taken.release();
  assert.equal(await client.get('coordination.k8s.io/v1', lease('capstan.web.dev')), undefined, 'released: the Lease is gone');
});

test('a Lease nobody renewed within its duration, or held by a process of this host that is gone, is taken over at once', async () => {
  const stale = new Date(Date.now() - 120_000).toISOString();
  await client.apply({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'capstan.stale.dev', namespace: 'capstan-system' },
    spec: { holderIdentity: 'crashed (capstan apply) on elsewhere, pid 9', leaseDurationSeconds: 30, acquireTime: stale.replace('Z', '000Z'), renewTime: stale.replace('Z', '000Z') },
  });
  const locks = new SyncLocks(client, { identity: 'me' });
  await (await locks.acquire('stale', 'dev')).release();

  // a process of this host that has exited: its pid is free
  const exited = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const now = new Date().toISOString().replace('Z', '000Z');
  await client.apply({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'capstan.killed.dev', namespace: 'capstan-system', annotations: { 'capstan.dev/lock-host': os.hostname(), 'capstan.dev/lock-pid': exited.stdout } },
    spec: { holderIdentity: 'killed (capstan apply)', leaseDurationSeconds: 30, acquireTime: now, renewTime: now },
  });
  await (await locks.acquire('killed', 'dev')).release();
  // a live process of this host is waited for
  await client.apply({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'capstan.alive.dev', namespace: 'capstan-system', annotations: { 'capstan.dev/lock-host': os.hostname(), 'capstan.dev/lock-pid': String(process.ppid) } },
    spec: { holderIdentity: 'alive (capstan apply)', leaseDurationSeconds: 30, acquireTime: now, renewTime: now },
  });
  await assert.rejects(locks.acquire('alive', 'dev'), LockedError);
});

test('a holder renews its Lease, and knows when another took it over', async () => {
  const quick = new SyncLocks(client, { identity: 'renewer', leaseDurationMs: 300 });
  const held = await quick.acquire('renewed', 'dev');
  const first = (await client.get('coordination.k8s.io/v1', lease('capstan.renewed.dev')))?.metadata.resourceVersion;
  await until(async () => (await client.get('coordination.k8s.io/v1', lease('capstan.renewed.dev')))?.metadata.resourceVersion !== first, 'a renewal');
  // someone takes it over (as one would after the holder was cut off for longer than the duration)
  await client.apply(
    { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'capstan.renewed.dev', namespace: 'capstan-system' }, spec: { holderIdentity: 'thief' } },
    { fieldManager: 'thief', force: true },
  );
  await until(() => held.lost !== undefined, 'the holder to notice');
  assert.equal(held.lost, 'thief');
  await held.release();
  assert.equal(((await client.get('coordination.k8s.io/v1', lease('capstan.renewed.dev')))?.spec as { holderIdentity: string }).holderIdentity, 'thief', 'a lost lock is not released');
});

test('a free lock costs one request (the create), and its namespace is made when missing', async () => {
  const calls: string[] = [];
  const counting = new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || !['get', 'create', 'apply', 'list', 'delete'].includes(String(prop))) return value;
      return (...args: unknown[]) => {
        calls.push(String(prop));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const fresh = new SyncLocks(counting, { identity: 'fresh on runner, pid 3', namespace: 'capstan-locks-new' });
  const first = await fresh.acquire('api', 'dev');
  assert.deepEqual(calls, ['create', 'get', 'apply', 'get', 'create'], 'the first create finds no namespace: it is made, then the Lease');
  await first.release();
  calls.length = 0;
  const again = await fresh.acquire('api', 'dev');
  assert.deepEqual(calls, ['create'], 'a free lock in a namespace that exists: one create');
  await again.release();
});
