// Helpers for the CLI tests: run bin/capstan.js as users and scripts do.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'capstan.js');

/** Writes `files` (paths relative to `dir`, folders made as needed) and returns `dir`. */
export function writeFolder(dir: string, files: Record<string, string>): string {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs capstan to its end: exit code, stdout, stderr. */
export function runCapstan(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: options.cwd, env: options.env ?? process.env }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * Runs capstan with its stdout on a pipe whose reader is already gone, as `capstan … | head -1` is
 * once head has its line: every write to stdout fails with EPIPE. (A FIFO opened for reading and
 * writing, then closed for reading before capstan starts: no timing involved.)
 */
export function runWithClosedStdout(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<{ code: number | null; stderr: string }> {
  const fifo = path.join(os.tmpdir(), `capstan-closed-pipe-${process.pid}-${Math.random().toString(36).slice(2)}`);
  execFileSync('mkfifo', [fifo]);
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(fifo, constants.O_WRONLY);
  closeSync(reader);
  rmSync(fifo);
  const child = spawn(process.execPath, [bin, ...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', writer, 'pipe'] });
  closeSync(writer);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

/** A running capstan whose stdout is collected as it comes. */
export interface Started {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

export function startCapstan(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Started {
  const child = spawn(process.execPath, [bin, ...args], { cwd: options.cwd, env: options.env ?? process.env });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Polls `check` until it returns a value; the deadline only bounds a test that fails. */
export async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve()
      .then(check)
      .catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
