// Helpers for tests of the git receiver: clients that stall, and the git processes a server runs.
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';

export function pktLine(text: string): string {
  return (Buffer.byteLength(text) + 4).toString(16).padStart(4, '0') + text;
}

export type StalledAnswer = { status: number; body: string } | { error: string };

export interface StalledRequest {
  /** What the server answered, or how the connection ended. */
  answer: Promise<StalledAnswer>;
  answered(): boolean;
  /** The client goes away. */
  abort(): void;
}

/**
 * A push that sends its command (move `refs/heads/main` from `before`) and the first 4 bytes of
 * its pack, then nothing more, ever: a client that provably stalls. With `contentLength` it
 * announces a body that never comes; without, it is chunked.
 */
export function stalledPush(url: string, before: string, options: { contentLength?: number; headers?: Record<string, string> } = {}): StalledRequest {
  const target = new URL(url);
  const req = http.request({
    hostname: target.hostname,
    port: target.port,
    path: target.pathname,
    method: 'POST',
    headers: {
      'content-type': 'application/x-git-receive-pack-request',
      ...(options.contentLength === undefined ? {} : { 'content-length': String(options.contentLength) }),
      ...options.headers,
    },
  });
  let answered = false;
  const answer = new Promise<StalledAnswer>((resolve) => {
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (error) => resolve({ error: error.message }));
    });
    req.on('error', (error) => resolve({ error: error.message }));
  }).finally(() => (answered = true));
  req.write(`${pktLine(`${before} ${'1'.repeat(before.length)} refs/heads/main\0report-status side-band-64k\n`)}0000PACK`);
  return { answer, answered: () => answered, abort: () => req.destroy() };
}

/**
 * A fetch of `want` that never reads its answer: with a repository larger than the pipe and
 * socket buffers, git blocks writing it and keeps running until it is killed.
 */
export function unreadFetch(url: string, want: string, headers: Record<string, string> = {}): { abort(): void; closed: Promise<void> } {
  const target = new URL(url);
  const body = `${pktLine(`want ${want} multi_ack_detailed side-band-64k ofs-delta agent=test\n`)}0000${pktLine('done\n')}`;
  const req = http.request({
    hostname: target.hostname,
    port: target.port,
    path: target.pathname,
    method: 'POST',
    headers: { 'content-type': 'application/x-git-upload-pack-request', 'content-length': String(Buffer.byteLength(body)), ...headers },
  });
  const closed = new Promise<void>((resolve) => {
    req.on('response', (res) => {
      res.pause();
      res.on('close', () => resolve());
    });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
  });
  req.end(body);
  return { abort: () => req.destroy(), closed };
}

/**
 * The live processes that `git http-backend` ran for the repositories in `reposDir` (found by
 * the GIT_PROJECT_ROOT in their environment, which every git it starts inherits). Linux only.
 */
export function gitProcesses(reposDir: string): number[] {
  const marker = Buffer.from(`\0GIT_PROJECT_ROOT=${reposDir}\0`);
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'Z' || state === 'X') continue;
      const environ = Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${entry}/environ`)]);
      if (environ.includes(marker)) pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

/** Polls `check` until it is true; `timeoutMs` only bounds a test that fails, so it is generous. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
