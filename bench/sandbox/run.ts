/**
 * bench/sandbox: server-side apply throughput of the sandbox through @kubernetes/client-node.
 * 1,000 ConfigMaps at concurrency 16, cold (all created) then unchanged (all no-ops), in memory and
 * with --data (every write fsynced before its response). The sandbox runs in its own process, as
 * it does under `capstan up`, so client and server do not share an event loop.
 * Target (issue 2): at least 2,000 applies per second on a 2-core machine.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CoreV1Api, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { PooledKubeConfig } from '../../src/kube/kube-config.ts';
import { startSandboxProcess } from '../sandbox-process.ts';

const objects = Number(process.env.BENCH_OBJECTS ?? 1000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
const target = 2000;

async function startProcess(args: string[]): Promise<{ child: ChildProcess; kubeconfig: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'capstan-bench-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  const child = await startSandboxProcess(kubeconfig, args.map((a) => a.replace('$DIR', dir)));
  return { child, kubeconfig };
}

async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

/** CPU seconds (user + system) the process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s)
}

interface Result {
  label: string;
  cold: number;
  unchanged: number;
  rssMb: number;
  /** Share of one core the sandbox used while serving the cold pass: below 100% it was not the bottleneck. */
  serverCpu: number;
}

async function measure(label: string, args: string[]): Promise<Result> {
  const { child, kubeconfig } = await startProcess(args);
  const kc = new PooledKubeConfig(); // client-node 1.4 alone opens a new TLS connection per request
  try {
    kc.loadFromString(readFileSync(kubeconfig, 'utf8'));
    const client = KubernetesObjectApi.makeApiClient(kc);
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'bench' } } });
    const manifests: KubernetesObject[] = Array.from({ length: objects }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `cm-${i}`, namespace: 'bench', labels: { app: 'bench', index: String(i) } },
      data: { key: `value-${i}`, other: 'x'.repeat(64) },
    } as KubernetesObject));
    const apply = (m: KubernetesObject) => client.patch(m, undefined, undefined, 'capstan', false, PatchStrategy.ServerSideApply);
    await pool(manifests.slice(0, 16), concurrency, apply); // warm-up: connections, JIT
    let t = performance.now();
    const cpuBefore = cpuSeconds(child.pid as number);
    await pool(manifests, concurrency, apply);
    const coldSeconds = (performance.now() - t) / 1000;
    const serverCpu = (cpuSeconds(child.pid as number) - cpuBefore) / coldSeconds;
    const cold = objects / coldSeconds;
    t = performance.now();
    await pool(manifests, concurrency, apply);
    const unchanged = objects / ((performance.now() - t) / 1000);
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const rssMb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    return { label, cold, unchanged, rssMb, serverCpu };
  } finally {
    kc.closeConnections();
    child.kill('SIGTERM');
  }
}

const results = [
  await measure('https, in memory', []),
  await measure('https, --data (fsync before each response)', ['--data', '$DIR/sandbox.db']),
  await measure('http, in memory', ['--insecure-http']),
];
console.log(`bench/sandbox: server-side apply of ${objects} ConfigMaps via @kubernetes/client-node, concurrency ${concurrency}`);
console.log('| mode | cold applies/s | unchanged applies/s | sandbox CPU (cold) | sandbox RSS | cold vs target 2,000/s |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of results) {
  console.log(
    `| ${r.label} | ${r.cold.toFixed(0)} | ${r.unchanged.toFixed(0)} | ${(r.serverCpu * 100).toFixed(0)}% of a core | ${r.rssMb.toFixed(0)} MB | ${(r.cold / target).toFixed(2)}x |`,
  );
}
