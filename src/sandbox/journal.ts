import { closeSync, existsSync, fdatasync, fsyncSync, ftruncateSync, openSync, readFileSync, renameSync, write, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import path from 'node:path';
import type { KubeObject } from './types.ts';

const writeAsync = promisify(write) as (fd: number, data: string) => Promise<unknown>;
const datasyncAsync = promisify(fdatasync);

/** One line of the journal. `put` stores an object, `del` removes it; `rv` is the resourceVersion counter after the record. */
export type JournalRecord =
  | { t: 'put'; r: string; k: string; o: KubeObject; v: number }
  | { t: 'del'; r: string; k: string; v: number };

export interface JournalState {
  objects: Map<string, Map<string, KubeObject>>;
  resourceVersion: number;
}

/**
 * Durable state for `capstan sandbox --data <file>`: an append-only file of JSON lines.
 * Writes are group-committed: every caller of `append` waits for the fsync that covers its record,
 * so a write is on disk before its response returns. A crash can at worst leave a torn last line,
 * which `load` discards (it was never acknowledged). Compaction writes a snapshot to a temporary
 * file, fsyncs it and renames it over the journal, so the file is never half-written.
 */
export class Journal {
  private fd: number | undefined;
  private pending: string[] = [];
  private waiters: (() => void)[] = [];
  private failures: ((error: Error) => void)[] = [];
  private flushing = false;
  private records = 0;

  private constructor(private readonly file: string) {}

  /** Reads the file (if any), repairs a torn tail, and opens it for appending. */
  static async open(file: string): Promise<{ journal: Journal; state: JournalState }> {
    const journal = new Journal(path.resolve(file));
    const state = journal.load();
    journal.fd = openSync(journal.file, 'a');
    return { journal, state };
  }

  private load(): JournalState {
    const objects = new Map<string, Map<string, KubeObject>>();
    let resourceVersion = 0;
    if (!existsSync(this.file)) return { objects, resourceVersion };
    const text = readFileSync(this.file, 'utf8');
    let goodBytes = 0;
    let offset = 0;
    while (offset < text.length) {
      const end = text.indexOf('\n', offset);
      if (end < 0) break; // torn tail: never acknowledged
      const line = text.slice(offset, end);
      let record: JournalRecord;
      try {
        record = JSON.parse(line) as JournalRecord;
      } catch {
        break;
      }
      const bucket = objects.get(record.r) ?? new Map<string, KubeObject>();
      objects.set(record.r, bucket);
      if (record.t === 'put') bucket.set(record.k, record.o);
      else bucket.delete(record.k);
      resourceVersion = Math.max(resourceVersion, record.v);
      this.records++;
      offset = end + 1;
      goodBytes += Buffer.byteLength(line, 'utf8') + 1;
    }
    if (goodBytes < Buffer.byteLength(text, 'utf8')) {
      const fd = openSync(this.file, 'r+');
      ftruncateSync(fd, goodBytes);
      fsyncSync(fd);
      closeSync(fd);
    }
    return { objects, resourceVersion };
  }

  /** Queues a record; the promise resolves once it is on disk. */
  append(record: JournalRecord): Promise<void> {
    this.pending.push(JSON.stringify(record) + '\n');
    this.records++;
    const done = new Promise<void>((resolve, reject) => {
      this.waiters.push(resolve);
      this.failures.push(reject);
    });
    if (!this.flushing) void this.flush();
    return done;
  }

  get recordCount(): number {
    return this.records;
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.pending.length > 0 && this.fd !== undefined) {
      const chunk = this.pending.join('');
      const waiters = this.waiters;
      const failures = this.failures;
      this.pending = [];
      this.waiters = [];
      this.failures = [];
      try {
        await writeAsync(this.fd, chunk);
        await datasyncAsync(this.fd);
        for (const resolve of waiters) resolve();
      } catch (error) {
        for (const reject of failures) reject(error as Error);
      }
    }
    this.flushing = false;
  }

  /** Rewrites the journal as a snapshot of the state `snapshot` returns (atomically) once the queue is drained. */
  async compact(snapshot: () => JournalState): Promise<void> {
    while (this.flushing || this.pending.length > 0) await new Promise((r) => setImmediate(r));
    const state = snapshot(); // read only now: writes made while draining are in it
    const tmp = `${this.file}.tmp-${process.pid}`;
    const fd = openSync(tmp, 'w');
    let count = 0;
    const lines: string[] = [];
    for (const [r, bucket] of state.objects) {
      for (const [k, o] of bucket) {
        lines.push(JSON.stringify({ t: 'put', r, k, o, v: state.resourceVersion } satisfies JournalRecord));
        count++;
        if (lines.length >= 1000) writeSync(fd, lines.splice(0).join('\n') + '\n');
      }
    }
    if (lines.length > 0) writeSync(fd, lines.join('\n') + '\n');
    if (count === 0) writeSync(fd, JSON.stringify({ t: 'del', r: '', k: '', v: state.resourceVersion }) + '\n');
    fsyncSync(fd);
    closeSync(fd);
    // from here to the reopen nothing awaits, so no append can slip between snapshot and rename
    if (this.fd !== undefined) closeSync(this.fd);
    renameSync(tmp, this.file);
    const dir = openSync(path.dirname(this.file), 'r');
    fsyncSync(dir);
    closeSync(dir);
    this.fd = openSync(this.file, 'a');
    this.records = Math.max(count, 1);
  }

  async close(): Promise<void> {
    while (this.flushing || this.pending.length > 0) await new Promise((r) => setImmediate(r));
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
