// Shared by the benchmarks: a `capstan sandbox` in a process of its own, as under `capstan up`.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'capstan.js');

/**
 * Starts `capstan sandbox --port 0 --kubeconfig-out <kubeconfig> ...args` and resolves once it is
 * ready. BENCH_SANDBOX_PROFILE=<dir> writes a CPU profile of the sandbox there when it exits.
 */
export async function startSandboxProcess(kubeconfig: string, args: string[] = []): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...(process.env.BENCH_SANDBOX_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SANDBOX_PROFILE}`] : []), bin, 'sandbox', '--port', '0', '--kubeconfig-out', kubeconfig, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready at')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`sandbox exited with ${code}`)));
  });
  return child;
}
