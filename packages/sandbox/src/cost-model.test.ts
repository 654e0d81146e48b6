import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CostModel, parseCostSpec, realCostProfile, type CostProfile } from './cost-model.ts';
import { startSandbox } from './index.ts';

/** A clock the test moves by hand. */
function clock(): { now: () => number; at: (t: number) => void } {
  let t = 0;
  return { now: () => t, at: (next) => (t = next) };
}

test('an idle server answers after the latency floor; a list pays per object', () => {
  const time = clock();
  const model = new CostModel(realCostProfile, time.now);
  assert.equal(model.charge('get', 0), 1.1);
  time.at(100);
  assert.equal(model.charge('list', 100, 1000), 1 + 0.025 * 1000, '26 ms for 1,000 objects');
  time.at(200);
  // an answer the sandbox was slow to make is not held longer
  time.at(210);
  assert.equal(model.charge('get', 200), 0);
});

test('parallel requests gain up to the capacity and no more: 16 dry-runs at once take 16 × work / cores', () => {
  const time = clock();
  const model = new CostModel(realCostProfile, time.now);
  const delays = Array.from({ length: 16 }, () => model.charge('dry-run', 0));
  const { latencyMs, workMs } = realCostProfile.costs['dry-run'];
  assert.equal(delays[0], latencyMs, 'the first ones wait for the floor only');
  assert.ok(Math.abs(Math.max(...delays) - (16 * workMs) / realCostProfile.cores) < 1e-9, `the last one ends when the 2 cores did 16 dry-runs' work: ${Math.max(...delays)} ms`);
  // 1,250 dry-runs/s, the measured 1,100–1,350/s; an apply that creates: 1,000/s
  assert.equal(Math.round((1000 * realCostProfile.cores) / workMs), 1250);
  assert.equal(Math.round((1000 * realCostProfile.cores) / realCostProfile.costs.write.workMs), 1000);
  // one at a time, each pays its floor and nothing more
  const serial = new CostModel(realCostProfile, time.now);
  for (let i = 0; i < 16; i++) {
    time.at(1000 + i * 10);
    assert.equal(serial.charge('dry-run', 1000 + i * 10), latencyMs);
  }
});

test('--cost takes real or off, and names them otherwise', () => {
  assert.equal(parseCostSpec('real'), realCostProfile);
  assert.equal(parseCostSpec('off'), undefined);
  assert.throws(() => parseCostSpec('fast'), { message: 'unknown cost model "fast": use real or off' });
});

test('a sandbox with the cost model holds answers as the model says, counts them by verb and client, and keeps serving watches meanwhile', async () => {
  // the real profile, but writes that take a second: long enough to see a watch served meanwhile
  const slowWrites: CostProfile = { ...realCostProfile, name: 'slow-writes', costs: { ...realCostProfile.costs, write: { latencyMs: 1000, workMs: 1 } } };
  const sandbox = await startSandbox({ port: 0, tls: false, token: 't', cost: slowWrites });
  const headers = { authorization: 'Bearer t' };
  const base = `${sandbox.url}/api/v1/namespaces/default/configmaps`;
  const applyHeaders = { ...headers, 'content-type': 'application/apply-patch+yaml', 'user-agent': 'bench-client/1.0' };
  const configMap = (name: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: '1' } });
  try {
    // 16 dry-run applies at once: no sooner than the capacity allows
    sandbox.resetStats();
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => fetch(`${base}/dry-${i}?fieldManager=t&dryRun=All`, { method: 'PATCH', headers: applyHeaders, body: configMap(`dry-${i}`) })));
    const took = performance.now() - started;
    assert.deepEqual(
      answers.map((a) => a.status),
      Array.from({ length: 16 }, () => 201),
    );
    const bound = (16 * slowWrites.costs['dry-run'].workMs) / slowWrites.cores;
    assert.ok(took >= bound - 1, `16 dry-runs took ${took.toFixed(1)} ms, at least the ${bound} ms the capacity allows`);
    const stats = sandbox.stats();
    assert.equal(stats.requests['dry-run apply'], 16);
    assert.equal(stats.clients['bench-client']?.requests['dry-run apply'], 16);
    assert.ok((stats.clients['bench-client']?.maxInFlightByVerb['dry-run apply'] ?? 0) > 1, 'they were in flight together');
    assert.equal(stats.inFlight, 0);

    // a write's answer waits its second; the watch sees the object long before
    const watch = await fetch(`${base}?watch=true`, { headers });
    const reader = watch.body!.getReader();
    let answered = false;
    const write = fetch(`${base}/slow?fieldManager=t`, { method: 'PATCH', headers: applyHeaders, body: configMap('slow') }).then((r) => {
      answered = true;
      return r;
    });
    let seen = '';
    while (!seen.includes('"ADDED"')) seen += new TextDecoder().decode((await reader.read()).value);
    assert.equal(answered, false, 'the watch event came while the answer was held');
    assert.equal((await write).status, 201);
    await reader.cancel();
    // an apply that changes nothing is charged as such, not as a write
    const again = performance.now();
    assert.equal((await fetch(`${base}/slow?fieldManager=t`, { method: 'PATCH', headers: applyHeaders, body: configMap('slow') })).status, 200);
    assert.ok(performance.now() - again >= slowWrites.costs['unchanged-write'].latencyMs - 1);
    const counts = sandbox.stats().clients['bench-client']!.requests;
    assert.equal(counts.apply, 2);
    assert.equal(sandbox.stats().requests.watch, 1);
  } finally {
    await sandbox.stop();
  }
});
