/**
 * bench/apply: one app of 1,000 objects, applied cold and then again unchanged, by `capstan apply`
 * and by `kubectl apply --server-side` of the same rendered files, on one sandbox, in one run.
 * Both run as the CLIs users run (process start-up included). The two tools use two namespaces
 * of the same sandbox so that neither sees the other's objects.
 *
 * Goals (issue 3): cold apply at least 3x faster than kubectl; an unchanged re-apply writes 0
 * objects. capstan also waits for every object to be healthy; kubectl does not wait. Each round
 * also runs capstan's cold apply with its render cache off, into a namespace of its own.
 *
 * Timings on a small shared machine vary by a second from one run to the next, so the passes are
 * repeated BENCH_ROUNDS times (default 5), each round into namespaces of its own, and the medians
 * are compared; every round's figures are printed too.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { startSandboxProcess } from '../sandbox-process.ts';

const run = promisify(execFile);
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'capstan.js');
const total = Number(process.env.BENCH_OBJECTS ?? 1000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);

/** The mix of one app: mostly configuration, some services, accounts and workloads. */
function manifests(count: number): string[] {
  const docs: string[] = [];
  const deployments = Math.round(count * 0.05);
  const services = Math.round(count * 0.15);
  const accounts = Math.round(count * 0.1);
  const secrets = Math.round(count * 0.1);
  const configMaps = count - deployments - services - accounts - secrets;
  for (let i = 0; i < configMaps; i++) docs.push(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config-${i}\n  labels: { tier: config }\ndata:\n  settings.json: '{"index": ${i}, "feature": true}'\n  mode: production\n`);
  for (let i = 0; i < secrets; i++) docs.push(`apiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-${i}\ntype: Opaque\nstringData:\n  token: not-a-real-token-${i}\n`);
  for (let i = 0; i < accounts; i++) docs.push(`apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: account-${i}\n`);
  for (let i = 0; i < services; i++) docs.push(`apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-${i}\nspec:\n  selector: { app: app-${i % deployments} }\n  ports:\n    - { name: http, port: 80, targetPort: 8080, protocol: TCP }\n`);
  for (let i = 0; i < deployments; i++) {
    docs.push(
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-${i}\nspec:\n  replicas: 1\n  selector:\n    matchLabels: { app: app-${i} }\n  template:\n    metadata:\n      labels: { app: app-${i} }\n    spec:\n      containers:\n        - name: app\n          image: registry.example.com/app:1.${i}\n          ports: [{ containerPort: 8080, protocol: TCP }]\n`,
    );
  }
  return docs;
}

function writeRepo(dir: string): void {
  const docs = manifests(total);
  mkdirSync(path.join(dir, 'apps', 'big'), { recursive: true });
  const perFile = 50;
  for (let f = 0; f * perFile < docs.length; f++) writeFileSync(path.join(dir, 'apps', 'big', `part-${String(f).padStart(3, '0')}.yaml`), docs.slice(f * perFile, (f + 1) * perFile).join('---\n'));
  writeFileSync(
    path.join(dir, 'capstan.yaml'),
    [
      'apiVersion: capstan.dev/v1alpha1',
      'kind: Project',
      'environments:',
      '  - name: bench',
      'apps:',
      // one app per tool and round, each in a namespace of its own, so every round starts cold
      ...Array.from({ length: rounds }, (_, r) => [
        `  - { name: big-${r}, source: apps/big, namespace: bench-capstan-${r}, createNamespace: true }`,
        `  - { name: big-kubectl-${r}, source: apps/big, namespace: bench-kubectl-${r}, createNamespace: true }`,
        `  - { name: big-uncached-${r}, source: apps/big, namespace: bench-uncached-${r}, createNamespace: true }`,
      ]).flat(),
      '',
    ].join('\n'),
  );
}

async function git(cwd: string, ...args: string[]): Promise<void> {
  await run('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd });
}

/** Writes the sandbox has served so far, from its stats endpoint. */
async function writes(kubeconfig: string): Promise<number> {
  const config = parse(readFileSync(kubeconfig, 'utf8')) as { clusters: { cluster: { server: string } }[]; users: { user: { token: string } }[] };
  const server = config.clusters[0]!.cluster.server;
  const token = config.users[0]!.user.token;
  const { stdout } = await run('curl', ['-sk', '-H', `Authorization: Bearer ${token}`, `${server}/sandbox/v1/stats`]);
  return (JSON.parse(stdout) as { writes: number }).writes;
}

/** The sandbox's write count once it has stopped changing (its controllers are done), checked every 200 ms. */
async function quiet(kubeconfig: string): Promise<number> {
  let last = await writes(kubeconfig);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const now = await writes(kubeconfig);
    if (now === last) return now;
    last = now;
  }
}

async function timed(label: string, command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<number> {
  const started = performance.now();
  try {
    await run(command, args, { ...options, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`${label} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
  return (performance.now() - started) / 1000;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'capstan-bench-apply-'));
  const repo = path.join(dir, 'repo');
  mkdirSync(repo);
  writeRepo(repo);
  await git(repo, 'init', '--quiet');
  await git(repo, 'add', '--all');
  await git(repo, 'commit', '--quiet', '-m', 'bench');
  // NODE_EXTRA_CA_CERTS is left out: some machines (this one) set it to the system's CA bundle, and
  // Node then reads and parses those certificates at every start (node -e 0: 134 ms instead of
  // 44 ms here), a cost of that machine's setup rather than of capstan; kubectl ignores it anyway.
  const { NODE_EXTRA_CA_CERTS: _extraCerts, ...inherited } = process.env;
  const env = { ...inherited, CAPSTAN_CACHE_DIR: path.join(dir, 'cache') };
  // the same render, for kubectl: one file per object, the Namespace first (_cluster sorts first)
  for (let r = 0; r < rounds; r++) {
    await timed('render', process.execPath, [bin, 'render', `big-kubectl-${r}`, '--env', 'bench', '--show-secrets', '--output-dir', path.join(dir, `rendered-${r}`)], { cwd: repo, env });
  }

  const kubeconfig = path.join(dir, 'kubeconfig');
  const child = await startSandboxProcess(kubeconfig, ['--pod-ready-delay', '100']);
  try {
    const kubectl = (r: number) => ['apply', '--server-side', '--field-manager', 'bench', '-R', '-f', path.join(dir, `rendered-${r}`), '--kubeconfig', kubeconfig];
    // BENCH_CPU_PROFILE=<dir> writes a CPU profile of each capstan run there
    const profile = process.env.BENCH_CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`] : [];
    const capstan = (r: number, app = `big-${r}`) => [...profile, bin, 'apply', app, '--env', 'bench', '--kubeconfig', kubeconfig, '-o', 'json'];
    // Each pass starts with the sandbox quiet and counts its writes until the sandbox is quiet
    // again: kubectl returns before its Deployments roll out, and without this the rollouts it
    // started would run (and be counted) in the pass after it.
    const pass = async (label: string, command: string, args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<[number, number]> => {
      const before = await quiet(kubeconfig);
      const seconds = await timed(label, command, args, { cwd, env: { ...env, ...extraEnv } });
      return [seconds, (await quiet(kubeconfig)) - before];
    };
    const figures: { kubectlCold: number; capstanCold: number; capstanUncached: number; kubectlAgain: number; capstanAgain: number; capstanColdWrites: number; capstanUncachedWrites: number; kubectlColdWrites: number; capstanAgainWrites: number; kubectlAgainWrites: number }[] = [];
    for (let r = 0; r < rounds; r++) {
      const [kubectlCold, kubectlColdWrites] = await pass('kubectl cold', 'kubectl', kubectl(r), dir);
      const [capstanCold, capstanColdWrites] = await pass('capstan cold', process.execPath, capstan(r), repo);
      // the same cold apply rendering its commit itself, as round 1 and a first apply of a commit do
      const [capstanUncached, capstanUncachedWrites] = await pass('capstan cold, render cache off', process.execPath, capstan(r, `big-uncached-${r}`), repo, { CAPSTAN_RENDER_CACHE: '0' });
      const [kubectlAgain, kubectlAgainWrites] = await pass('kubectl unchanged', 'kubectl', kubectl(r), dir);
      const [capstanAgain, capstanAgainWrites] = await pass('capstan unchanged', process.execPath, capstan(r), repo);
      figures.push({ kubectlCold, capstanCold, capstanUncached, kubectlAgain, capstanAgain, capstanColdWrites, capstanUncachedWrites, kubectlColdWrites, capstanAgainWrites, kubectlAgainWrites });
    }
    const median = (values: number[]): number => {
      const sorted = [...values].sort((a, b) => a - b);
      const mid = sorted.length >> 1;
      return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    };
    const of = (field: keyof (typeof figures)[number]) => figures.map((f) => f[field]);
    const seconds = (values: number[]) => values.map((v) => v.toFixed(2)).join(' / ');
    const [kubectlCold, capstanCold, capstanUncached, kubectlAgain, capstanAgain] = [median(of('kubectlCold')), median(of('capstanCold')), median(of('capstanUncached')), median(of('kubectlAgain')), median(of('capstanAgain'))];
    const mostAgainWrites = Math.max(...of('capstanAgainWrites'));
    console.log(`bench/apply: one app of ${total} objects, capstan apply vs kubectl apply --server-side of the same rendered files, on one sandbox (HTTPS), ${rounds} rounds`);
    console.log('| pass | kubectl s (median) | capstan s (median) | capstan speed-up | kubectl s, each round | capstan s, each round | kubectl store writes | capstan store writes |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    console.log(`| cold apply | ${kubectlCold.toFixed(2)} | ${capstanCold.toFixed(2)} | ${(kubectlCold / capstanCold).toFixed(2)}x | ${seconds(of('kubectlCold'))} | ${seconds(of('capstanCold'))} | ${of('kubectlColdWrites').join(' / ')} | ${of('capstanColdWrites').join(' / ')} |`);
    console.log(`| cold apply, render cache off | ${kubectlCold.toFixed(2)} | ${capstanUncached.toFixed(2)} | ${(kubectlCold / capstanUncached).toFixed(2)}x | ${seconds(of('kubectlCold'))} | ${seconds(of('capstanUncached'))} | ${of('kubectlColdWrites').join(' / ')} | ${of('capstanUncachedWrites').join(' / ')} |`);
    console.log(`| unchanged re-apply | ${kubectlAgain.toFixed(2)} | ${capstanAgain.toFixed(2)} | ${(kubectlAgain / capstanAgain).toFixed(2)}x | ${seconds(of('kubectlAgain'))} | ${seconds(of('capstanAgain'))} | ${of('kubectlAgainWrites').join(' / ')} | ${of('capstanAgainWrites').join(' / ')} |`);
    console.log("store writes count every write the sandbox stored, its controllers' included (ReplicaSets, Pods, status), until it was quiet again.");
    console.log('both tools run with NODE_EXTRA_CA_CERTS unset; each pass starts with the sandbox quiet; round 1 includes the first clone into the git cache and the first render of the commit, which later rounds read from the render cache (the "render cache off" row renders every time).');
    console.log(`cold ${(kubectlCold / capstanCold).toFixed(2)}x (goal 3x: ${kubectlCold / capstanCold >= 3 ? 'met' : 'NOT met'}; ${(kubectlCold / capstanUncached).toFixed(2)}x with the render cache off), unchanged re-apply wrote at most ${mostAgainWrites} (goal 0: ${mostAgainWrites === 0 ? 'met' : 'NOT met'})`);
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
