/**
 * bench/agent: the agent (pull mode) as it runs in production, a `capstan agent` process of its
 * own against a sandbox, in one run:
 *  1. commit-to-applied latency of a 20-object app, over 20 commits through `git push` to the
 *     agent and 20 through a signed webhook: p50 and p95 (goal: p50 under 1 s);
 *  2. 200 apps of 25 objects each, all in sync: the time of one full reconcile pass that finds
 *     nothing to change, the API writes it made (goal: 0), and the agent's resident memory
 *     (goals: under 2 s, under 250 MB).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createKubeClient } from '../../src/kube/index.ts';
import { startSandbox } from '../../src/sandbox/index.ts';

const run = promisify(execFile);
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'capstan.js');
const apps = Number(process.env.BENCH_APPS ?? 200);
const perApp = 25;
const commits = Number(process.env.BENCH_COMMITS ?? 20);
const token = 'bench-admin-token-0123456789';
const secret = 'bench-webhook-secret';

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

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'capstan-bench-agent-'));
  const work = path.join(dir, 'work');
  const gitDir = path.join(dir, 'git');
  mkdirSync(work);
  mkdirSync(gitDir);
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
  const bare = path.join(gitDir, 'config.git');
  await git(dir, 'clone', '--quiet', '--bare', work, bare);

  const sandbox = await startSandbox({ port: 0, token: 'bench-sandbox', podReadyDelayMs: 50, watchHistory: 20_000 });
  const kubeconfig = path.join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, sandbox.kubeconfig);
  writeFileSync(path.join(dir, 'tokens'), `admin bench ${token}\n`);
  writeFileSync(path.join(dir, 'webhook-secret'), secret);
  const client = await createKubeClient({ kubeconfig: sandbox.kubeconfig });
  let agent: ChildProcess | undefined;
  try {
    const started = Date.now();
    agent = spawn(
      process.execPath,
      [bin, 'agent', '--repo', bare, '--branch', 'main', '--kubeconfig', kubeconfig, '--listen', '127.0.0.1:0', '--tokens-file', path.join(dir, 'tokens'), '--webhook-secret-file', path.join(dir, 'webhook-secret'), '--git-dir', gitDir, '--poll-interval', '0', '--log-level', process.env.BENCH_LOG_LEVEL ?? 'warn'],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, CAPSTAN_CACHE_DIR: path.join(dir, 'cache'), NODE_OPTIONS: process.env.BENCH_AGENT_NODE_OPTIONS ?? '' } },
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
      return states.length === apps + 1 && states.every((s) => s.sync === 'Synced' && s.health === 'Healthy') ? true : undefined;
    }, 600_000, 500);
    const firstPass = (Date.now() - started) / 1000;

    // 2. a full reconcile pass that finds nothing to change
    const passes: { seconds: number; writes: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const writes = sandbox.stats().writes;
      const t0 = performance.now();
      await api(`${url}/api/v1/refresh`, 'POST');
      passes.push({ seconds: (performance.now() - t0) / 1000, writes: sandbox.stats().writes - writes });
    }
    const rss = rssMb(agent.pid!);
    const heap = await heapUsedMb(url);

    // 1. commit-to-applied latency
    const latencyRepo = path.join(dir, 'latency-clone');
    await git(dir, 'clone', '--quiet', `http://bench:${token}@${url.replace(/^http:\/\//, '')}/git/config`, latencyRepo);
    const applied = (value: string) => async (): Promise<true | undefined> => {
      const object = await client.get('v1', { group: '', kind: 'ConfigMap', namespace: 'latency', name: 'latency-config-0' });
      return (object?.data as { value?: string } | undefined)?.value === value ? true : undefined;
    };
    const viaPush: number[] = [];
    for (let i = 1; i <= commits; i++) {
      writeFileSync(path.join(latencyRepo, 'apps', 'latency', 'objects.yaml'), appManifests('latency', 20, `push-${i}`));
      await git(latencyRepo, 'commit', '--quiet', '-am', `latency: push ${i}`);
      const t0 = performance.now();
      await git(latencyRepo, 'push', '--quiet', 'origin', 'main');
      await until(`push ${i} applied`, applied(`push-${i}`));
      viaPush.push((performance.now() - t0) / 1000);
    }
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
      await until(`webhook ${i} applied`, applied(`hook-${i}`));
      viaWebhook.push((performance.now() - t0) / 1000);
    }
    const rssAfter = rssMb(agent.pid!);
    const heapAfter = await heapUsedMb(url);

    console.log(`bench/agent: a capstan agent process against a sandbox; ${apps} apps of ${perApp} objects plus a 20-object app`);
    console.log(`first pass (start-up to all ${apps + 1} apps Synced and Healthy): ${firstPass.toFixed(1)} s`);
    console.log('| measure | figure | goal |');
    console.log('| --- | ---: | --- |');
    console.log(`| commit-to-applied via git push, p50 / p95 (${commits} commits) | ${percentile(viaPush, 50).toFixed(3)} s / ${percentile(viaPush, 95).toFixed(3)} s | p50 < 1 s: ${percentile(viaPush, 50) < 1 ? 'met' : 'NOT met'} |`);
    console.log(`| commit-to-applied via webhook, p50 / p95 (${commits} commits) | ${percentile(viaWebhook, 50).toFixed(3)} s / ${percentile(viaWebhook, 95).toFixed(3)} s | p50 < 1 s: ${percentile(viaWebhook, 50) < 1 ? 'met' : 'NOT met'} |`);
    for (const [i, p] of passes.entries()) console.log(`| full reconcile pass ${i + 1}, nothing to change (${apps + 1} apps, ${apps * perApp + 20} objects) | ${p.seconds.toFixed(2)} s, ${p.writes} writes | < 2 s: ${p.seconds < 2 ? 'met' : 'NOT met'}; 0 writes: ${p.writes === 0 ? 'met' : 'NOT met'} |`);
    console.log(`| agent resident memory with the ${apps} apps in sync (after the passes) | ${rss.toFixed(0)} MB (V8 heap in use ${heap.toFixed(0)} MB) | < 250 MB: ${rss < 250 ? 'met' : 'NOT met'} |`);
    console.log(`| agent resident memory after the ${2 * commits} latency commits | ${rssAfter.toFixed(0)} MB (V8 heap in use ${heapAfter.toFixed(0)} MB) | — |`);
  } finally {
    agent?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    client.close();
    await sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
