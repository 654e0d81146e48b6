import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import os from 'node:os';
import { TransientError } from '../core/index.ts';

/** Runs async work one at a time per key, in call order, within this process. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(() => work());
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

export interface FileLockOptions {
  /** Give up waiting after this long (TransientError). */
  timeoutMs: number;
  /** A lock older than this is taken over even if its process still seems alive. */
  staleMs: number;
  /** For messages: what is locked. */
  subject: string;
}

interface LockOwner {
  pid: number;
  host: string;
  time: number;
  token: string;
}

/**
 * A lock file shared by processes (created with O_EXCL). A lock left by a process that died (same
 * host, pid gone) or older than `staleMs` is taken over.
 */
export async function withFileLock<T>(file: string, options: FileLockOptions, work: () => Promise<T>): Promise<T> {
  const release = await acquireFileLock(file, options);
  try {
    return await work();
  } finally {
    await release();
  }
}

export async function acquireFileLock(file: string, options: FileLockOptions): Promise<() => Promise<void>> {
  const me: LockOwner = { pid: process.pid, host: os.hostname(), time: Date.now(), token: randomBytes(8).toString('hex') };
  const deadline = Date.now() + options.timeoutMs;
  let delay = 20;
  for (;;) {
    if (await tryCreate(file, me)) {
      return async () => {
        const current = await readOwner(file);
        if (current?.token === me.token) await unlink(file).catch(() => undefined);
      };
    }
    const owner = await readOwner(file);
    if (owner?.token === 'gone') continue; // released meanwhile
    if (owner === undefined || isStale(owner, options.staleMs)) {
      await takeOver(file, owner);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new TransientError(`${options.subject} is locked by process ${owner.pid} on ${owner.host} since ${new Date(owner.time).toISOString()}`);
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 250);
  }
}

async function tryCreate(file: string, owner: LockOwner): Promise<boolean> {
  try {
    const handle = await open(file, 'wx', 0o600);
    try {
      await handle.writeFile(JSON.stringify(owner));
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

async function readOwner(file: string): Promise<LockOwner | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { pid: 0, host: '', time: Date.now(), token: 'gone' };
    throw error;
  }
  try {
    const owner = JSON.parse(text) as LockOwner;
    return typeof owner.pid === 'number' ? owner : undefined;
  } catch {
    // Being written right now (created, not yet filled) or torn by a crash: judge by age below.
    return undefined;
  }
}

function isStale(owner: LockOwner, staleMs: number): boolean {
  if (Date.now() - owner.time > staleMs) return true;
  if (owner.host !== os.hostname()) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Moves a stale lock aside; if what was moved turns out not to be the stale lock we judged (another
 * process replaced it meanwhile), it is put back.
 */
async function takeOver(file: string, judged: LockOwner | undefined): Promise<void> {
  if (judged === undefined) {
    // Unreadable content: give a writer a moment, then treat it as torn.
    await new Promise((r) => setTimeout(r, 100));
    const again = await readOwner(file);
    if (again !== undefined) return;
  }
  const aside = `${file}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = await readOwner(aside);
  if (judged !== undefined && moved !== undefined && moved.token !== judged.token && moved.token !== 'gone') {
    await link(aside, file).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
}
