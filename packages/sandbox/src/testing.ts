import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Helpers for tests that drive a sandbox with real clients. */

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

/** Why kubectl tests are skipped, or false when kubectl is available. */
export const kubectlSkip: string | false = hasKubectl ? false : 'kubectl is not on PATH: install kubectl v1.32 to run the kubectl compatibility tests';

export function tempDir(prefix = 'capstan-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function writeTemp(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** Runs kubectl against a kubeconfig with an argument array (never a shell string). */
export function kubectl(kubeconfig: string, args: string[], options: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      'kubectl',
      ['--kubeconfig', kubeconfig, ...args],
      { timeout: options.timeoutMs ?? 60_000, maxBuffer: 32 * 1024 * 1024, env: { ...process.env, KUBECACHEDIR: path.join(path.dirname(kubeconfig), 'cache'), ...options.env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs` (generous: it only bounds a test that fails). */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
