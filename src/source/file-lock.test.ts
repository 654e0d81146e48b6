import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { TransientError } from '../core/index.ts';
import { acquireFileLock, KeyedMutex, withFileLock } from './file-lock.ts';
import { tempDir } from './testing.ts';

const options = { timeoutMs: 300, staleMs: 60_000, subject: 'the git cache of x' };

test('the mutex runs work one at a time per key, in order, and survives failures', async () => {
  const mutex = new KeyedMutex();
  const events: string[] = [];
  const job = (name: string, ms: number, fail = false) => () =>
    new Promise<string>((resolve, reject) => {
      events.push(`start ${name}`);
      setTimeout(() => {
        events.push(`end ${name}`);
        if (fail) reject(new Error(name));
        else resolve(name);
      }, ms);
    });
  const results = await Promise.allSettled([mutex.run('k', job('a', 20, true)), mutex.run('k', job('b', 5)), mutex.run('other', job('c', 1))]);
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'fulfilled', 'fulfilled']);
  assert.deepEqual(events.filter((e) => !e.endsWith('c')), ['start a', 'end a', 'start b', 'end b']);
  assert.ok(events.indexOf('end c') < events.indexOf('end a'), 'other keys do not wait');
});

test('a held lock makes others wait, then times out with a TransientError naming the holder', async () => {
  const file = path.join(tempDir(), 'lock');
  const release = await acquireFileLock(file, options);
  await assert.rejects(acquireFileLock(file, options), (error: unknown) => {
    assert.ok(error instanceof TransientError);
    assert.match(error.message, new RegExp(`^the git cache of x is locked by process ${process.pid} on ${os.hostname()} since `));
    return true;
  });
  const waiting = withFileLock(file, { ...options, timeoutMs: 30_000 }, async () => 'got it'); // a bound for a failing test only
  setTimeout(() => void release(), 50);
  assert.equal(await waiting, 'got it');
  assert.ok(!existsSync(file));
});

test('a lock left by a dead process, or torn, is taken over', async () => {
  const file = path.join(tempDir(), 'lock');
  writeFileSync(file, JSON.stringify({ pid: 2 ** 22 + 17, host: os.hostname(), time: Date.now(), token: 'dead' }));
  assert.equal(await withFileLock(file, options, async () => 'ok'), 'ok');
  writeFileSync(file, '{"pid": 1');
  assert.equal(await withFileLock(file, options, async () => 'ok'), 'ok');
  writeFileSync(file, JSON.stringify({ pid: process.pid, host: 'elsewhere', time: Date.now() - 120_000, token: 'old' }));
  assert.equal(await withFileLock(file, options, async () => 'ok'), 'ok');
});
