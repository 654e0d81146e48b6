/**
 * bench/sandbox: server-side apply throughput of the sandbox through @kubernetes/client-node.
 * 1,000 ConfigMaps at concurrency 16, cold (all created) then unchanged (all no-ops), in memory and
 * with --data (every write fsynced before its response). The sandbox runs in its own process, as
 * it does under `capstan up`, so client and server do not share an event loop.
 * Target (issue 2): at least 2,000 applies per second on a 2-core machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';

const objects = Number(process.env.BENCH_OBJECTS ?? 1000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
const target = 2000;
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

async function startProcess(args: string[]): Promise<{ child: ChildProcess; kubeconfig: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'capstan-bench-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  const child = spawn(process.execPath, [path.join(root, 'bin', 'capstan.js'), 'sandbox', '--port', '0', '--kubeconfig-out', kubeconfig, ...args.map((a) => a.replace('$DIR', dir))], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready at')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`sandbox exited with ${code}`)));
  });
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

async function measure(label: string, args: string[]): Promise<{ label: string; cold: number; unchanged: number; rssMb: number }> {
  const { child, kubeconfig } = await startProcess(args);
  try {
    const kc = new KubeConfig();
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
    await pool(manifests, concurrency, apply);
    const cold = objects / ((performance.now() - t) / 1000);
    t = performance.now();
    await pool(manifests, concurrency, apply);
    const unchanged = objects / ((performance.now() - t) / 1000);
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const rssMb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    return { label, cold, unchanged, rssMb };
  } finally {
    child.kill('SIGTERM');
  }
}

const results = [await measure('in memory', []), await measure('--data (fsync per write batch)', ['--data', '$DIR/sandbox.db'])];
console.log(`bench/sandbox: server-side apply of ${objects} ConfigMaps via @kubernetes/client-node, concurrency ${concurrency}`);
console.log('| mode | cold applies/s | unchanged applies/s | sandbox RSS | cold vs target 2,000/s |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const r of results) {
  console.log(`| ${r.label} | ${r.cold.toFixed(0)} | ${r.unchanged.toFixed(0)} | ${r.rssMb.toFixed(0)} MB | ${(r.cold / target).toFixed(2)}x |`);
}
