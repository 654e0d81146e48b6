import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { TransientError, ValidationError, type Manifest } from '../core/index.ts';
import { createKubeClient, type HttpKubeClient, type KubeClient } from '../kube/index.ts';
import { startSandbox, type Sandbox } from '@capstan/sandbox';
import { agentGroupLabel, formatMicroTime, rendezvousOwner, ShardCoordinator } from './sharding.ts';
import type { AppRef } from './types.ts';

const leaseMs = 1500;
const tickMs = leaseMs / 3;
const microTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function apps(count: number): AppRef[] {
  return Array.from({ length: count }, (_, i) => ({ app: `app-${i}`, env: i % 2 === 0 ? 'dev' : 'prod' }));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it holds; `timeoutMs` only bounds a test that fails, so it is generous for a loaded machine. */
async function until<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/**
 * The real client, with a switch that cuts this replica off from the API server (a partition, or a
 * hung process), and one that holds its lists until released (a list stuck on a slow server).
 */
class PartitionableClient implements KubeClient {
  cut = false;
  heldLists: Promise<void> | undefined;
  /** Applies (renewals) sent and not yet answered, and those answered. */
  applying = 0;
  applied = 0;
  /** Lists sent so far; `answeredSince` tells whether one sent after a given count has been answered. */
  listsSent = 0;
  private readonly answered: number[] = [];
  constructor(private readonly inner: KubeClient) {}
  private check(): void {
    if (this.cut) throw new TransientError('request failed: connection refused (partitioned)');
  }
  serverVersion: KubeClient['serverVersion'] = async () => (this.check(), this.inner.serverVersion());
  resourceFor: KubeClient['resourceFor'] = async (...a) => (this.check(), this.inner.resourceFor(...a));
  resources: KubeClient['resources'] = async () => (this.check(), this.inner.resources());
  invalidateDiscovery: KubeClient['invalidateDiscovery'] = () => this.inner.invalidateDiscovery();
  create: KubeClient['create'] = (...a) => this.inner.create(...a);
  apply: KubeClient['apply'] = async (...a) => {
    this.check();
    this.applying++;
    try {
      const answer = await this.inner.apply(...a);
      this.applied++;
      return answer;
    } finally {
      this.applying--;
    }
  };
  replace: KubeClient['replace'] = async (...a) => (this.check(), this.inner.replace(...a));
  get: KubeClient['get'] = async (...a) => (this.check(), this.inner.get(...a));
  list: KubeClient['list'] = async (...a) => {
    this.check();
    await this.heldLists;
    const sent = this.listsSent++;
    const result = await this.inner.list(...a);
    this.answered.push(sent);
    return result;
  };
  /** Whether a list sent after `mark` lists (a `listsSent` value) has been answered. */
  answeredSince(mark: number): boolean {
    return this.answered.some((sent) => sent >= mark);
  }
  delete: KubeClient['delete'] = async (...a) => (this.check(), this.inner.delete(...a));
  watch: KubeClient['watch'] = async (...a) => (this.check(), this.inner.watch(...a));
  close: KubeClient['close'] = () => this.inner.close();
}

describe('formatMicroTime and rendezvousOwner', () => {
  test('MicroTime has six fractional digits in UTC', () => {
    assert.equal(formatMicroTime(Date.UTC(2026, 11, 1, 10, 0, 0, 7)), '2026-12-01T10:00:00.007000Z');
  });

  test('removing a member moves only its apps; adding one moves apps only to it', () => {
    const ids = apps(300).map((r) => `${r.app}/${r.env}`);
    const three = ['a', 'b', 'c'];
    const owners = new Map(ids.map((id) => [id, rendezvousOwner(three, id)]));
    for (const id of ids) {
      const withoutB = rendezvousOwner(['a', 'c'], id);
      if (owners.get(id) !== 'b') assert.equal(withoutB, owners.get(id), `${id} moved although its owner stayed`);
      const withD = rendezvousOwner([...three, 'd'], id);
      if (withD !== owners.get(id)) assert.equal(withD, 'd', `${id} moved to a member that did not join`);
    }
    const shares = three.map((m) => [...owners.values()].filter((o) => o === m).length);
    for (const share of shares) assert.ok(share > 70 && share < 130, `uneven shares ${shares.join('/')}`);
    assert.equal(rendezvousOwner([], 'x/dev'), '');
    assert.equal(rendezvousOwner(['c', 'a', 'b'], ids[0]!), rendezvousOwner(['a', 'b', 'c'], ids[0]!), 'order of members must not matter');
  });
});

describe('ShardCoordinator against the sandbox', () => {
  let sandbox: Sandbox;
  let client: HttpKubeClient;
  const running: ShardCoordinator[] = [];
  const clients: KubeClient[] = [];
  let nsCount = 0;

  before(async () => {
    sandbox = await startSandbox({ port: 0, token: 'sharding-token' });
    // the clients keep their default request deadline: a short one also cuts off answered requests when the machine is busy,
    // and a renewal that loses its attempts to that fences its replica; only the faults test has a server that holds requests
    client = await createKubeClient({ kubeconfig: sandbox.kubeconfig, retry: { initialDelayMs: 20, maxDelayMs: 100, maxRetryAfterMs: 100 } });
  });
  afterEach(async () => {
    for (const c of running.splice(0)) await c.stop();
    for (const c of clients.splice(0)) c.close();
  });
  after(async () => {
    client.close();
    await sandbox.stop();
  });

  /** A fresh namespace per test, so Leases of one test never meet another's. */
  async function namespace(): Promise<string> {
    const name = `shard-${++nsCount}`;
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    return name;
  }

  async function replica(identity: string, ns: string, options: { leaseDurationMs?: number } = {}): Promise<{ shard: ShardCoordinator; net: PartitionableClient; own: HttpKubeClient }> {
    const own = await createKubeClient({ kubeconfig: sandbox.kubeconfig, retry: { initialDelayMs: 20, maxDelayMs: 100, maxRetryAfterMs: 100 } });
    clients.push(own);
    const net = new PartitionableClient(own);
    const shard = new ShardCoordinator({ client: net, identity, namespace: ns, group: 'agents', leaseDurationMs: options.leaseDurationMs ?? leaseMs });
    running.push(shard);
    await shard.start();
    return { shard, net, own };
  }

  function ownerMap(shard: ShardCoordinator, refs: AppRef[]): string[] {
    return refs.map((r) => shard.ownerOf(r));
  }

  const sameMembers = (shards: ShardCoordinator[], expected: string[]) => shards.every((s) => s.members().join() === expected.join());

  test('one replica owns every app; nothing before start', async () => {
    const ns = await namespace();
    const lone = new ShardCoordinator({ client, identity: 'solo', namespace: ns, group: 'agents', leaseDurationMs: leaseMs });
    assert.deepEqual(lone.members(), []);
    assert.equal(lone.owns({ app: 'a', env: 'dev' }), false);
    running.push(lone);
    await lone.start();
    assert.deepEqual(lone.members(), ['solo']);
    for (const ref of apps(20)) {
      assert.equal(lone.owns(ref), true);
      assert.equal(lone.ownerOf(ref), 'solo');
    }
    await sleep(leaseMs * 1.5);
    assert.ok(apps(20).every((r) => lone.owns(r)), 'still owns everything after the lease duration (renewed)');
  });

  test('the Lease has the fields a real API server accepts, is renewed, and is deleted by stop()', async () => {
    const ns = await namespace();
    const startedAt = Date.now();
    const { shard } = await replica('lease-check', ns);
    const key = { group: 'coordination.k8s.io', kind: 'Lease', namespace: ns, name: 'agents-lease-check' };
    const first = (await client.get('coordination.k8s.io/v1', key)) as Manifest;
    assert.ok(first, 'the Lease exists');
    assert.equal(first.metadata.labels?.[agentGroupLabel], 'agents');
    const spec = first.spec as Record<string, unknown>;
    assert.equal(spec.holderIdentity, 'lease-check');
    assert.equal(spec.leaseDurationSeconds, 2, 'ceil(1500 ms) in whole seconds, an int32 > 0');
    assert.match(String(spec.renewTime), microTime);
    assert.match(String(spec.acquireTime), microTime);
    const renewed = Date.parse(String(spec.renewTime));
    assert.ok(renewed >= startedAt && renewed <= Date.now(), `renewTime ${String(spec.renewTime)} is the time of the renewal`);
    const managers = (first.metadata.managedFields as { manager: string; operation: string }[]).map((m) => `${m.manager}:${m.operation}`);
    assert.deepEqual(managers, ['capstan-agent:Apply']);

    const second = await until(async () => {
      const lease = (await client.get('coordination.k8s.io/v1', key)) as Manifest;
      return (lease.spec as Record<string, unknown>).renewTime !== spec.renewTime ? lease : undefined;
    }, 'the Lease to be renewed');
    const spec2 = second.spec as Record<string, unknown>;
    assert.ok(Date.parse(String(spec2.renewTime)) > Date.parse(String(spec.renewTime)), 'renewTime advances');
    assert.equal(spec2.acquireTime, spec.acquireTime, 'acquireTime stays');

    await shard.stop();
    assert.equal(await client.get('coordination.k8s.io/v1', key), undefined);
    assert.deepEqual(shard.members(), []);
  });

  test('two replicas split 20 apps and agree on every owner', async () => {
    const ns = await namespace();
    const { shard: a } = await replica('alpha', ns);
    const { shard: b } = await replica('beta', ns);
    await until(() => sameMembers([a, b], ['alpha', 'beta']), 'both replicas to see both');
    const refs = apps(20);
    assert.deepEqual(ownerMap(a, refs), ownerMap(b, refs));
    for (const ref of refs) assert.equal(a.owns(ref), !b.owns(ref), `exactly one owns ${ref.app}/${ref.env}`);
    const ofA = refs.filter((r) => a.owns(r)).length;
    assert.ok(ofA > 0 && ofA < 20, `alpha owns ${ofA} of 20`);
  });

  test('stop() of one replica: the other owns everything on its next tick', async () => {
    const ns = await namespace();
    const { shard: a, net } = await replica('alpha', ns);
    const { shard: b } = await replica('beta', ns);
    await until(() => sameMembers([a, b], ['alpha', 'beta']), 'both replicas to see both');
    const refs = apps(20);
    assert.ok(!refs.every((r) => a.owns(r)));
    await b.stop();
    // the first list alpha sends after beta's Lease is gone is enough, long before that Lease would have expired
    const mark = net.listsSent;
    await until(() => net.answeredSince(mark), "alpha's next list");
    assert.ok(refs.every((r) => a.owns(r)), 'alpha owns everything');
    assert.deepEqual(a.members(), ['alpha']);
    assert.equal(refs.some((r) => b.owns(r)), false, 'a stopped replica owns nothing');
  });

  test('a crashed replica (Lease left behind) loses its apps after expiry, not before, and fences itself', async () => {
    const ns = await namespace();
    const { shard: a } = await replica('alpha', ns);
    const { shard: b, net } = await replica('beta', ns);
    await until(() => sameMembers([a, b], ['alpha', 'beta']), 'both replicas to see both');
    const refs = apps(20);
    net.cut = true;
    await until(() => net.applying === 0, 'a renewal sent before the cut to land');
    const lease = (await client.get('coordination.k8s.io/v1', { group: 'coordination.k8s.io', kind: 'Lease', namespace: ns, name: 'agents-beta' })) as Manifest;
    const spec = lease.spec as { renewTime: string; leaseDurationSeconds: number };
    const expiresAt = Date.parse(spec.renewTime) + spec.leaseDurationSeconds * 1000;
    // before expiry alpha keeps beta as a member (and does not take its apps)
    while (Date.now() < expiresAt - 100) {
      assert.deepEqual(a.members(), ['alpha', 'beta'], `alpha dropped beta ${expiresAt - Date.now()} ms before its Lease expired`);
      assert.ok(!refs.every((r) => a.owns(r)));
      await sleep(25);
    }
    // beta, cut off, stopped counting itself a member a lease duration after its last renewal (before its Lease expired for the others)
    assert.deepEqual(b.members().includes('beta'), false);
    assert.equal(refs.some((r) => b.owns(r)), false, 'a fenced replica owns nothing');
    await until(() => refs.every((r) => a.owns(r)), 'alpha to own everything after expiry');
    assert.ok(Date.now() >= expiresAt - 100);
    assert.deepEqual(a.members(), ['alpha']);
    // the Lease is still there: nobody deleted it
    assert.ok(await client.get('coordination.k8s.io/v1', { group: 'coordination.k8s.io', kind: 'Lease', namespace: ns, name: 'agents-beta' }));
  });

  test('renewal failures are retried: a short outage keeps membership, a long one fences until renewal succeeds', async () => {
    const ns = await namespace();
    const { shard: a } = await replica('alpha', ns);
    const { shard: b, net } = await replica('beta', ns);
    await until(() => sameMembers([a, b], ['alpha', 'beta']), 'both replicas to see both');
    let changesOfA = 0;
    let changesOfB = 0;
    a.onChange(() => changesOfA++);
    b.onChange(() => changesOfB++);
    net.cut = true;
    // shorter than one tick: at most one renewal fails, the next succeeds well inside the lease duration
    const end = Date.now() + tickMs - 100;
    while (Date.now() < end) {
      assert.deepEqual(b.members(), ['alpha', 'beta']);
      assert.deepEqual(a.members(), ['alpha', 'beta']);
      await sleep(20);
    }
    net.cut = false;
    await sleep(leaseMs * 1.5);
    assert.deepEqual(b.members(), ['alpha', 'beta']);
    assert.deepEqual([changesOfA, changesOfB], [0, 0], 'a short outage changes nothing');

    net.cut = true;
    const refs = apps(20);
    await until(() => !b.members().includes('beta'), 'beta to fence itself');
    assert.equal(refs.some((r) => b.owns(r)), false);
    await until(() => changesOfB > 0, 'beta to be told');
    net.cut = false;
    await until(() => sameMembers([a, b], ['alpha', 'beta']), 'beta to rejoin after renewing');
    assert.ok(refs.some((r) => b.owns(r)), 'beta owns apps again');
  });

  test('a list that hangs does not hold the renewal back', async () => {
    const ns = await namespace();
    const { shard: a } = await replica('alpha', ns);
    const { shard: b, net } = await replica('beta', ns);
    await until(() => sameMembers([a, b], ['alpha', 'beta']), 'both replicas to see both');
    let release = () => {};
    net.heldLists = new Promise((resolve) => (release = resolve));
    try {
      // twice the lease duration: beta would have fenced itself, and alpha dropped it, had renewals waited for the list
      const end = Date.now() + leaseMs * 2;
      while (Date.now() < end) {
        assert.ok(b.members().includes('beta'), 'beta still renews, so it still counts itself a member');
        assert.deepEqual(a.members(), ['alpha', 'beta'], 'alpha still sees beta renew');
        await sleep(20);
      }
    } finally {
      release();
      net.heldLists = undefined;
    }
  });

  test('a third replica moves about a third of the apps, all to itself', async () => {
    const ns = await namespace();
    const { shard: a } = await replica('alpha', ns);
    const { shard: b } = await replica('beta', ns);
    await until(() => sameMembers([a, b], ['alpha', 'beta']), 'both replicas to see both');
    const refs = apps(60);
    const beforeJoin = ownerMap(a, refs);
    const { shard: c } = await replica('gamma', ns);
    await until(() => sameMembers([a, b, c], ['alpha', 'beta', 'gamma']), 'all three to see all three');
    const afterJoin = ownerMap(a, refs);
    assert.deepEqual(ownerMap(b, refs), afterJoin);
    assert.deepEqual(ownerMap(c, refs), afterJoin);
    let moved = 0;
    refs.forEach((ref, i) => {
      if (afterJoin[i] === beforeJoin[i]) return;
      moved++;
      assert.equal(afterJoin[i], 'gamma', `${ref.app}/${ref.env} moved from ${beforeJoin[i]} to ${afterJoin[i]}`);
    });
    assert.ok(moved >= 10 && moved <= 30, `${moved} of 60 apps moved`);
    assert.equal(refs.filter((r) => c.owns(r)).length, moved);
  });

  test('onChange fires on join and on leave, not at start', async () => {
    const ns = await namespace();
    const { shard: a } = await replica('alpha', ns);
    const seen: string[][] = [];
    const off = a.onChange(() => seen.push(a.members()));
    let ofB = 0;
    const b = new ShardCoordinator({ client, identity: 'beta', namespace: ns, group: 'agents', leaseDurationMs: leaseMs });
    running.push(b);
    b.onChange(() => ofB++);
    await b.start();
    await until(() => seen.length >= 1, 'alpha to be told of the join');
    assert.deepEqual(seen, [['alpha', 'beta']]);
    await b.stop();
    await until(() => seen.length >= 2, 'alpha to be told of the leave');
    assert.deepEqual(seen, [['alpha', 'beta'], ['alpha']]);
    assert.equal(ofB, 0, 'beta saw both members from its start: no change to report');
    off();
    const { shard: c } = await replica('gamma', ns);
    await until(() => a.members().length === 2, 'alpha to see gamma');
    await sleep(tickMs);
    assert.equal(seen.length, 2, 'an unsubscribed listener is not called');
    void c;
  });

  test('injected API faults (30%) do not break membership', async () => {
    const ns = await namespace();
    // a renewal every 3 s and a 9 s lease: a renewal can lose its attempts to injected faults (a timeout costs 300 ms)
    // for 6 s before its replica fences itself; with a 3 s lease, a loaded machine's slow attempts plus a few faults
    // sometimes took longer than the 2 s left
    const leaseDurationMs = 9_000;
    const { shard: a, own: ownA, net: netA } = await replica('alpha', ns, { leaseDurationMs });
    const { shard: b, own: ownB, net: netB } = await replica('beta', ns, { leaseDurationMs });
    await until(() => sameMembers([a, b], ['alpha', 'beta']), 'both replicas to see both');
    let changes = 0;
    a.onChange(() => changes++);
    b.onChange(() => changes++);
    const retriesBefore = ownA.stats().retries + ownB.stats().retries;
    // a `timeout` fault is held 300 ms, then dropped unanswered; seeded, so that faults are drawn among the first requests
    sandbox.setFaults({ rate: 0.3, timeoutMs: 300, seed: 42 });
    try {
      // until both replicas have renewed three times through the faults
      const [fromA, fromB] = [netA.applied, netB.applied];
      const deadline = Date.now() + 60_000;
      while (netA.applied < fromA + 3 || netB.applied < fromB + 3) {
        assert.ok(Date.now() < deadline, `three renewals each within 60 s: alpha ${netA.applied - fromA}, beta ${netB.applied - fromB}`);
        assert.deepEqual(a.members(), ['alpha', 'beta']);
        assert.deepEqual(b.members(), ['alpha', 'beta']);
        await sleep(20);
      }
    } finally {
      sandbox.setFaults({ rate: 0 });
    }
    assert.equal(changes, 0);
    const retried = ownA.stats().retries + ownB.stats().retries - retriesBefore;
    assert.ok(retried >= 3, `faults were injected and retried (${retried} retries)`);
  });

  test('names that cannot make a Lease are refused up front', () => {
    assert.throws(
      () => new ShardCoordinator({ client, identity: 'Agent_1', group: 'agents' }),
      (error: unknown) =>
        error instanceof ValidationError &&
        error.message ===
          `ShardCoordinator Agent_1 Lease name "agents-Agent_1" (<group>-<identity>) must be a lowercase RFC 1123 subdomain of at most 253 characters: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit`,
    );
    assert.throws(() => new ShardCoordinator({ client, identity: 'a', leaseDurationMs: 0 }), /leaseDurationMs must be a positive number of milliseconds, got 0/);
    const generated = new ShardCoordinator({ client });
    assert.match(generated.identity, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?-[0-9a-f]{6}$/);
    assert.equal(generated.leaseName, `capstan-agent-${generated.identity}`);
    assert.equal(generated.namespace, 'capstan-system');
  });
});
