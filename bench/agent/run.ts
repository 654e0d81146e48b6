/**
 * bench/agent: the agent (pull mode) as it runs in production, a `capstan agent` process of its
 * own against a sandbox, 200 apps of 25 objects each plus a 20-object app (201 apps, 5,020
 * objects), in one run, once per cost model of the sandbox (BENCH_COST: `real,off` by default;
 * `real` holds each answer until a kube-apiserver v1.19 on 2 cores would have given it):
 *  1. `capstan apply --all --env bench` of the config repo into a fresh sandbox: the time and the
 *     requests by verb (issue 13);
 *  2. the agent's first full sync of the same repo into another fresh sandbox, from its start to
 *     every app Synced and Healthy: time and requests by verb, and the ratios to (1) (goal,
 *     issue 13: within 2x in time and in requests, with the real cost model);
 *  3. three full reconcile passes that find nothing to change: time, requests by verb, writes
 *     (goals: 0 writes and 0 dry-runs, issue 13; under 2 s, issue 4), and the agent's resident
 *     memory (goal: under 250 MB);
 *  4. commit-to-applied latency of the 20-object app, over 20 commits through `git push` to the
 *     agent and 20 through a signed webhook: p50 and p95 (goal: p50 under 1 s), and the requests
 *     of one commit.
 * Requests are what the sandbox counted from capstan's User-Agent (the benchmark's own reads say
 * `bench`); where they went (inventories, lock Leases, Namespaces, the apps' objects) is read by
 * request-trace.ts (BENCH_REQUEST_LOG=<file> also logs each one with its time). Each pass also
 * gives the CPU seconds of the capstan process and of this one (mostly the sandbox's), so that a
 * pass's time can be told apart into work and waiting, and the machine's load average, because
 * other work on a 2-core machine moves every time.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createKubeClient } from '../../src/kube/index.ts';
import { realCostProfile, startSandbox, type Sandbox, type SandboxStats } from '@capstan/sandbox';
import { RequestTrace, type RequestTally } from './request-trace.ts';

const run = promisify(execFile);
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'capstan.js');
const apps = Number(process.env.BENCH_APPS ?? 200);
const perApp = 25;
const commits = Number(process.env.BENCH_COMMITS ?? 20);
const token = 'bench-admin-token-0123456789';
const secret = 'bench-webhook-secret';
const costModes = (process.env.BENCH_COST ?? 'real,off').split(',').map((m) => m.trim());
for (const mode of costModes) if (mode !== 'real' && mode !== 'off') throw new Error(`BENCH_COST: unknown cost model "${mode}": use real, off or real,off`);
const totalApps = apps + 1;
const totalObjects = apps * perApp + 20;
// NODE_EXTRA_CA_CERTS is left out of the agent's and apply's environment, as bench/apply does: this
// machine points it at the system's CA bundle, which costs every Node process ~90 ms at start.
const { NODE_EXTRA_CA_CERTS: _extraCerts, ...inherited } = process.env;

function appManifests(name: string, objects: number, value = 'v0'): string {
  const docs: string[] = [];
  docs.push(`apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${name}\n`);
  for (let i = 0; i < 4; i++) docs.push(`apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}-${i}\nspec:\n  selector: { app: ${name} }\n  ports: [{ name: http, port: 80, targetPort: 8080, protocol: TCP }]\n`);
  for (let i = 0; docs.length < objects; i++) docs.push(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}-config-${i}\ndata:\n  value: "${i === 0 ? value : 'static'}"\n  index: "${i}"\n`);
  return docs.join('---\n');
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', '-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args], { cwd });
  return stdout.trim();
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The agent's V8 heap in use, from its own /metrics (prom-client's default process metrics). */
async function heapUsedMb(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(text);
  return match ? Number(match[1]) / 1024 / 1024 : NaN;
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

async function api(url: string, method = 'GET', body?: unknown): Promise<unknown> {
  const response = await fetch(url, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
  return response.json();
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 300_000, everyMs = 5): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What one pass cost: its time, capstan's requests by verb, the most of them in flight, the store's writes, and where the requests went. */
interface Pass {
  seconds: number;
  /** CPU seconds of the capstan process (the agent, or apply) and of the benchmark's process, which is mostly the sandbox's. */
  cpu: { capstan: number; sandbox: number };
  /** The machine's load average over the last minute at the end of the pass (2 cores: above 2, others wanted the CPU too). */
  load: number;
  requests: Record<string, number>;
  maxInFlight: number;
  storeWrites: number;
  trace: RequestTally;
}

/** CPU seconds (user and system) a process has used so far, from /proc (0 once it is gone). */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    // the fields after the command's name (which may hold spaces): utime and stime are the 12th and 13th, in ticks of 1/100 s
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

const ownCpu = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/**
 * Counts one pass on a sandbox: call `start` at its beginning and `end` at its end. `capstanCpu`
 * is the CPU seconds the capstan process has used so far (for apply, given at `end`).
 */
function meter(sandbox: Sandbox, trace: RequestTrace, capstanCpu: () => number = () => 0): { start(): void; end(capstanSeconds?: number): Pass } {
  let t0 = 0;
  let writes = 0;
  let cpu0 = { capstan: 0, sandbox: 0 };
  return {
    start() {
      sandbox.resetStats();
      trace.reset();
      writes = sandbox.stats().writes;
      cpu0 = { capstan: capstanCpu(), sandbox: ownCpu() };
      t0 = performance.now();
    },
    end(capstanSeconds) {
      const seconds = (performance.now() - t0) / 1000;
      const cpu = { capstan: capstanSeconds ?? capstanCpu() - cpu0.capstan, sandbox: ownCpu() - cpu0.sandbox };
      const stats = sandbox.stats();
      const capstan = stats.clients.capstan ?? { requests: {}, maxInFlight: 0 };
      return { seconds, cpu, load: loadavg()[0]!, requests: capstan.requests, maxInFlight: capstan.maxInFlight, storeWrites: stats.writes - writes, trace: trace.snapshot() };
    },
  };
}

/** Waits until the sandbox has been asked nothing and written nothing for 300 ms (at most `maxMs`). */
async function quiet(sandbox: Sandbox, maxMs = 5_000): Promise<void> {
  const signature = (s: SandboxStats): string => `${s.writes} ${Object.values(s.requests).reduce((a, b) => a + b, 0)} ${s.inFlight}`;
  const deadline = Date.now() + maxMs;
  let last = signature(sandbox.stats());
  while (Date.now() < deadline) {
    await sleep(300);
    const now = signature(sandbox.stats());
    if (now === last && sandbox.stats().inFlight === 0) return;
    last = now;
  }
}

/** A pass's figures divided by `n` (the mean of one commit's). */
function perOne(pass: Pass, n: number): Pass {
  const divide = (r: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v / n]));
  return { seconds: pass.seconds / n, load: pass.load, cpu: { capstan: pass.cpu.capstan / n, sandbox: pass.cpu.sandbox / n }, requests: divide(pass.requests), maxInFlight: pass.maxInFlight, storeWrites: pass.storeWrites / n, trace: Object.fromEntries(Object.entries(pass.trace).map(([k, v]) => [k, divide(v)])) };
}

function newSandbox(mode: string): Promise<Sandbox> {
  return startSandbox({ port: 0, token: 'bench-sandbox', podReadyDelayMs: 50, watchHistory: 20_000, cost: mode === 'real' ? realCostProfile : undefined });
}

/** `capstan apply --all --env bench` of the repo into a fresh sandbox, as a user runs it. */
async function applyAll(mode: string, dir: string, repo: string, trace: RequestTrace): Promise<Pass> {
  const sandbox = await newSandbox(mode);
  const kubeconfig = path.join(dir, 'apply-kubeconfig');
  writeFileSync(kubeconfig, sandbox.kubeconfig);
  try {
    const pass = meter(sandbox, trace);
    pass.start();
    let stdout: string;
    let stderr: string;
    try {
      // through bash, whose `times` says the CPU its child used
      const command = [process.execPath, bin, 'apply', '--all', '--env', 'bench', '--repo', repo, '--kubeconfig', kubeconfig, '-o', 'json'];
      ({ stdout, stderr } = await run('bash', ['-c', '"$@"; s=$?; times >&2; exit $s', 'bash', ...command], { cwd: dir, env: { ...inherited, CAPSTAN_CACHE_DIR: path.join(dir, 'apply-cache') }, maxBuffer: 512 * 1024 * 1024 }));
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string };
      throw new Error(`capstan apply --all failed:\n${(e.stdout ?? '').slice(-2000)}${e.stderr ?? ''}`);
    }
    // the last line of `times`: the children's user and system time, e.g. `0m12.345s 0m1.234s`
    const times = [...(stderr.trim().split('\n').at(-1) ?? '').matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
    const figures = pass.end(times.length === 2 ? times[0]! + times[1]! : NaN);
    const reports = JSON.parse(stdout) as { result: string; counts: Record<string, number> }[];
    const created = reports.reduce((n, r) => n + (r.counts.created ?? 0), 0);
    if (reports.length !== totalApps || reports.some((r) => r.result !== 'Succeeded')) throw new Error(`capstan apply --all: ${reports.length} reports, ${reports.filter((r) => r.result !== 'Succeeded').length} not Succeeded`);
    if (created < totalObjects) throw new Error(`capstan apply --all created ${created} objects, expected at least ${totalObjects}`);
    return figures;
  } finally {
    await sandbox.stop();
  }
}

interface ModeFigures {
  mode: string;
  applyAll: Pass;
  firstSync: Pass;
  noop: Pass[];
  viaPush: number[];
  viaWebhook: number[];
  pushCommit: Pass;
  webhookCommit: Pass;
  rss: number;
  heap: number;
  rssAfter: number;
  heapAfter: number;
}

async function benchMode(mode: string, dir: string, work: string, trace: RequestTrace): Promise<ModeFigures> {
  mkdirSync(dir);
  const gitDir = path.join(dir, 'git');
  mkdirSync(gitDir);
  const bare = path.join(gitDir, 'config.git');
  await git(dir, 'clone', '--quiet', '--bare', work, bare);

  // 1. capstan apply --all of the same repo, cold, in a sandbox of its own
  const applied = await applyAll(mode, dir, bare, trace);

  const sandbox = await newSandbox(mode);
  const kubeconfig = path.join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, sandbox.kubeconfig);
  writeFileSync(path.join(dir, 'tokens'), `admin bench ${token}\n`);
  writeFileSync(path.join(dir, 'webhook-secret'), secret);
  const client = await createKubeClient({ kubeconfig: sandbox.kubeconfig, userAgent: 'bench' });
  let agent: ChildProcess | undefined;
  try {
    // 2. the agent's first full sync, cold
    const cpuOfAgent = (): number => cpuSeconds(agent?.pid);
    const first = meter(sandbox, trace, cpuOfAgent);
    first.start();
    agent = spawn(
      process.execPath,
      [bin, 'agent', '--repo', bare, '--branch', 'main', '--kubeconfig', kubeconfig, '--listen', '127.0.0.1:0', '--tokens-file', path.join(dir, 'tokens'), '--webhook-secret-file', path.join(dir, 'webhook-secret'), '--git-dir', gitDir, '--poll-interval', '0', '--log-level', process.env.BENCH_LOG_LEVEL ?? 'warn'],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...inherited, CAPSTAN_CACHE_DIR: path.join(dir, 'agent-cache'), NODE_OPTIONS: process.env.BENCH_AGENT_NODE_OPTIONS ?? '' } },
    );
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      agent!.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /serving (http:\/\/\S+)/.exec(out);
        if (match) resolve(match[1]!);
      });
      agent!.on('exit', (code) => reject(new Error(`agent exited with ${code}`)));
    });
    await until('every app synced', async () => {
      const states = (await api(`${url}/api/v1/apps`)) as { sync: string; health: string }[];
      return states.length === totalApps && states.every((s) => s.sync === 'Synced' && s.health === 'Healthy') ? true : undefined;
    }, 900_000, 100);
    const firstSync = first.end();

    // 3. full reconcile passes that find nothing to change
    const noop: Pass[] = [];
    for (let i = 0; i < 3; i++) {
      await quiet(sandbox);
      const pass = meter(sandbox, trace, cpuOfAgent);
      pass.start();
      await api(`${url}/api/v1/refresh`, 'POST');
      noop.push(pass.end());
    }
    const rss = rssMb(agent.pid!);
    const heap = await heapUsedMb(url);

    // 4. commit-to-applied latency
    const latencyRepo = path.join(dir, 'latency-clone');
    await git(dir, 'clone', '--quiet', `http://bench:${token}@${url.replace(/^http:\/\//, '')}/git/config`, latencyRepo);
    const appliedValue = (value: string) => async (): Promise<true | undefined> => {
      const object = await client.get('v1', { group: '', kind: 'ConfigMap', namespace: 'latency', name: 'latency-config-0' });
      return (object?.data as { value?: string } | undefined)?.value === value ? true : undefined;
    };
    await quiet(sandbox);
    const pushes = meter(sandbox, trace, cpuOfAgent);
    pushes.start();
    const viaPush: number[] = [];
    for (let i = 1; i <= commits; i++) {
      writeFileSync(path.join(latencyRepo, 'apps', 'latency', 'objects.yaml'), appManifests('latency', 20, `push-${i}`));
      await git(latencyRepo, 'commit', '--quiet', '-am', `latency: push ${i}`);
      const t0 = performance.now();
      await git(latencyRepo, 'push', '--quiet', 'origin', 'main');
      await until(`push ${i} applied`, appliedValue(`push-${i}`));
      viaPush.push((performance.now() - t0) / 1000);
    }
    await quiet(sandbox);
    const pushCommit = perOne(pushes.end(), commits);
    const hooks = meter(sandbox, trace, cpuOfAgent);
    hooks.start();
    const viaWebhook: number[] = [];
    for (let i = 1; i <= commits; i++) {
      writeFileSync(path.join(latencyRepo, 'apps', 'latency', 'objects.yaml'), appManifests('latency', 20, `hook-${i}`));
      await git(latencyRepo, 'commit', '--quiet', '-am', `latency: webhook ${i}`);
      // the commit reaches the repo behind the agent's back (as a push to GitHub would), then the webhook says so
      await git(latencyRepo, 'push', '--quiet', bare, 'main');
      const after = await git(latencyRepo, 'rev-parse', 'HEAD');
      const body = JSON.stringify({ ref: 'refs/heads/main', after, repository: { full_name: 'bench/config' } });
      const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
      const t0 = performance.now();
      const response = await fetch(`${url}/api/v1/webhooks/github`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': String(i), 'x-hub-signature-256': signature }, body });
      if (response.status !== 202) throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
      await until(`webhook ${i} applied`, appliedValue(`hook-${i}`));
      viaWebhook.push((performance.now() - t0) / 1000);
    }
    await quiet(sandbox);
    const webhookCommit = perOne(hooks.end(), commits);
    const rssAfter = rssMb(agent.pid!);
    const heapAfter = await heapUsedMb(url);
    return { mode, applyAll: applied, firstSync, noop, viaPush, viaWebhook, pushCommit, webhookCommit, rss, heap, rssAfter, heapAfter };
  } finally {
    if (agent && agent.exitCode === null) {
      const exited = new Promise((r) => agent!.once('exit', r));
      agent.kill('SIGTERM');
      await Promise.race([exited, sleep(5_000)]);
    }
    client.close();
    await sandbox.stop();
  }
}

/** The columns of the request tables: the issue's verbs, each the sandbox's verbs it sums. */
const columns: [string, string[]][] = [
  ['GET', ['get']],
  ['LIST', ['list']],
  ['WATCH', ['watch']],
  ['dry-run PATCH', ['dry-run apply', 'dry-run patch']],
  ['PATCH/apply', ['apply', 'patch']],
  ['POST', ['create']],
  ['PUT', ['update']],
  ['DELETE', ['delete', 'deletecollection']],
  ['discovery', ['discovery']],
];
const mapped = new Set(columns.flatMap(([, verbs]) => verbs));
const writeVerbs = ['apply', 'patch', 'create', 'update', 'delete', 'deletecollection'];

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
const total = (r: Record<string, number>): number => sum(Object.values(r));
const column = (r: Record<string, number>, verbs: string[]): number => sum(verbs.map((v) => r[v] ?? 0));
const other = (r: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(r).filter(([v, n]) => !mapped.has(v) && n > 0));
const writeRequests = (r: Record<string, number>): number => column(r, writeVerbs);
const dryRuns = (r: Record<string, number>): number => sum(Object.entries(r).filter(([v]) => v.startsWith('dry-run ')).map(([, n]) => n));
const num = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));
const ratio = (a: number, b: number): string => (b === 0 ? (a === 0 ? '—' : '∞') : `${(a / b).toFixed(2)}x`);
const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');

function requestRow(label: string, pass: Pass, time: string): string {
  const rest = other(pass.requests);
  const otherText = Object.keys(rest).length ? Object.entries(rest).map(([v, n]) => `${v} ${num(n)}`).join(', ') : '0';
  return `| ${label} | ${time} | ${pass.cpu.capstan.toFixed(2)} / ${pass.cpu.sandbox.toFixed(2)} | ${pass.load.toFixed(1)} | ${columns.map(([, verbs]) => num(column(pass.requests, verbs))).join(' | ')} | ${otherText} | ${num(total(pass.requests))} | ${pass.maxInFlight} | ${num(pass.storeWrites)} |`;
}

function report(f: ModeFigures): void {
  const model = f.mode === 'real' ? 'cost model real (answers shaped like a kube-apiserver v1.19 on 2 cores)' : 'cost model off (the plain sandbox, kinder than a real server)';
  console.log(`\nbench/agent, ${model}: ${apps} apps of ${perApp} objects plus a 20-object app (${totalApps} apps, ${totalObjects} objects), each pass's requests from capstan's User-Agent`);
  console.log(`| pass | time | CPU s, capstan / sandbox | load | ${columns.map(([name]) => name).join(' | ')} | other | all requests | most in flight | store writes |`);
  console.log(`| --- | ---: | ---: | ---: | ${columns.map(() => '---:').join(' | ')} | ---: | ---: | ---: | ---: |`);
  console.log(requestRow('`capstan apply --all --env bench`, fresh sandbox', f.applyAll, `${f.applyAll.seconds.toFixed(2)} s`));
  console.log(requestRow('agent first full sync, fresh sandbox (start to all Synced and Healthy)', f.firstSync, `${f.firstSync.seconds.toFixed(2)} s`));
  console.log(`| agent first sync / apply --all | ${ratio(f.firstSync.seconds, f.applyAll.seconds)} | ${ratio(f.firstSync.cpu.capstan, f.applyAll.cpu.capstan)} / ${ratio(f.firstSync.cpu.sandbox, f.applyAll.cpu.sandbox)} | | ${columns.map(([, verbs]) => ratio(column(f.firstSync.requests, verbs), column(f.applyAll.requests, verbs))).join(' | ')} | | ${ratio(total(f.firstSync.requests), total(f.applyAll.requests))} | | ${ratio(f.firstSync.storeWrites, f.applyAll.storeWrites)} |`);
  for (const [i, p] of f.noop.entries()) console.log(requestRow(`no-op reconcile pass ${i + 1} (POST /api/v1/refresh)`, p, `${p.seconds.toFixed(2)} s`));
  console.log(requestRow(`one commit via git push (mean of ${commits})`, f.pushCommit, `p50 ${percentile(f.viaPush, 50).toFixed(3)} s`));
  console.log(requestRow(`one commit via webhook (mean of ${commits})`, f.webhookCommit, `p50 ${percentile(f.viaWebhook, 50).toFixed(3)} s`));

  // where the requests went
  const passes: [string, Pass][] = [['apply --all', f.applyAll], ['agent first sync', f.firstSync], ['no-op pass 1', f.noop[0]!], ['one push commit', f.pushCommit]];
  const rows = new Set<string>();
  for (const [, p] of passes) for (const [target, verbs] of Object.entries(p.trace)) for (const verb of Object.keys(verbs)) rows.add(`${target}\t${verb}`);
  console.log(`\nwhere capstan's requests went (${f.mode}): what they touched, by verb; per app = ÷ ${totalApps}`);
  console.log(`| target | verb | ${passes.map(([name]) => name).join(' | ')} | apply --all per app | first sync per app |`);
  console.log(`| --- | --- | ${passes.map(() => '---:').join(' | ')} | ---: | ---: |`);
  for (const row of [...rows].sort()) {
    const [target, verb] = row.split('\t') as [string, string];
    const cell = (p: Pass): number => p.trace[target]?.[verb] ?? 0;
    console.log(`| ${target} | ${verb} | ${passes.map(([, p]) => num(cell(p))).join(' | ')} | ${(cell(f.applyAll) / totalApps).toFixed(2)} | ${(cell(f.firstSync) / totalApps).toFixed(2)} |`);
  }
  const traced = (p: Pass): number => sum(Object.values(p.trace).map(total));
  console.log(`traced / counted by the sandbox: ${passes.map(([name, p]) => `${name} ${num(traced(p))} / ${num(total(p.requests))}`).join('; ')}`);

  console.log(`\nmeasures and goals (${f.mode}):`);
  console.log('| measure | figure | goal |');
  console.log('| --- | ---: | --- |');
  const timeRatio = f.firstSync.seconds / f.applyAll.seconds;
  const requestRatio = total(f.firstSync.requests) / total(f.applyAll.requests);
  const withoutWatches = (r: Record<string, number>): number => total(r) - (r.watch ?? 0);
  console.log(`| agent first full sync / apply --all, time | ${f.firstSync.seconds.toFixed(2)} s / ${f.applyAll.seconds.toFixed(2)} s = ${timeRatio.toFixed(2)}x | ≤ 2x: ${verdict(timeRatio <= 2)} |`);
  console.log(`| agent first full sync / apply --all, requests | ${total(f.firstSync.requests)} / ${total(f.applyAll.requests)} = ${requestRatio.toFixed(2)}x (without watches ${withoutWatches(f.firstSync.requests)} / ${withoutWatches(f.applyAll.requests)} = ${(withoutWatches(f.firstSync.requests) / withoutWatches(f.applyAll.requests)).toFixed(2)}x) | ≤ 2x: ${verdict(requestRatio <= 2)} |`);
  for (const [i, p] of f.noop.entries()) {
    const writes = writeRequests(p.requests);
    const dry = dryRuns(p.requests);
    console.log(`| no-op reconcile pass ${i + 1} (${totalApps} apps, ${totalObjects} objects) | ${p.seconds.toFixed(2)} s; ${writes} write requests, ${dry} dry-runs, ${p.storeWrites} store writes | 0 writes and 0 dry-runs: ${verdict(writes === 0 && dry === 0 && p.storeWrites === 0)}; < 2 s: ${verdict(p.seconds < 2)} |`);
  }
  console.log(`| commit-to-applied via git push, p50 / p95 (${commits} commits) | ${percentile(f.viaPush, 50).toFixed(3)} s / ${percentile(f.viaPush, 95).toFixed(3)} s | p50 < 1 s: ${verdict(percentile(f.viaPush, 50) < 1)} |`);
  console.log(`| commit-to-applied via webhook, p50 / p95 (${commits} commits) | ${percentile(f.viaWebhook, 50).toFixed(3)} s / ${percentile(f.viaWebhook, 95).toFixed(3)} s | p50 < 1 s: ${verdict(percentile(f.viaWebhook, 50) < 1)} |`);
  console.log(`| agent resident memory with the ${apps} apps in sync (after the passes) | ${f.rss.toFixed(0)} MB (V8 heap in use ${f.heap.toFixed(0)} MB) | < 250 MB: ${verdict(f.rss < 250)} |`);
  console.log(`| agent resident memory after the ${2 * commits} latency commits | ${f.rssAfter.toFixed(0)} MB (V8 heap in use ${f.heapAfter.toFixed(0)} MB) | — |`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'capstan-bench-agent-'));
  const work = path.join(dir, 'work');
  mkdirSync(work);
  const names = Array.from({ length: apps }, (_, i) => `app-${String(i).padStart(3, '0')}`);
  const lines = ['apiVersion: capstan.dev/v1alpha1', 'kind: Project', 'environments: [{ name: bench }]', 'apps:', '  - { name: latency, source: apps/latency, namespace: latency, createNamespace: true }'];
  for (const name of names) lines.push(`  - { name: ${name}, source: apps/${name}, namespace: ${name}, createNamespace: true }`);
  writeFileSync(path.join(work, 'capstan.yaml'), `${lines.join('\n')}\n`);
  for (const name of names) {
    mkdirSync(path.join(work, 'apps', name), { recursive: true });
    writeFileSync(path.join(work, 'apps', name, 'objects.yaml'), appManifests(name, perApp));
  }
  mkdirSync(path.join(work, 'apps', 'latency'), { recursive: true });
  writeFileSync(path.join(work, 'apps', 'latency', 'objects.yaml'), appManifests('latency', 20));
  await git(work, 'init', '--quiet');
  await git(work, 'add', '--all');
  await git(work, 'commit', '--quiet', '-m', 'bench');

  // BENCH_REQUEST_LOG=<file> appends every request of capstan's to that file (see request-trace.ts)
  const trace = new RequestTrace('capstan', process.env.BENCH_REQUEST_LOG);
  try {
    const figures: ModeFigures[] = [];
    // each cost model gets a bare clone of the same commit, fresh sandboxes and caches of its own
    for (const mode of costModes) figures.push(await benchMode(mode, path.join(dir, `cost-${mode}`), work, trace));
    console.log(`bench/agent: a capstan agent process against a sandbox (HTTPS, in the benchmark's process), ${costModes.map((m) => `cost model ${m}`).join(', then ')}; the goals of issue 13 are judged with the cost model real`);
    for (const f of figures) report(f);
  } finally {
    trace.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
