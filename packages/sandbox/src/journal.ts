import { closeSync, existsSync, fdatasync, fsyncSync, ftruncateSync, openSync, readFileSync, renameSync, rmSync, write, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import path from 'node:path';
import type { KubeObject } from './types.ts';

const writeAsync = promisify(write) as (fd: number, buffer: Buffer, offset: number, length: number, position: null) => Promise<{ bytesWritten: number }>;
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
 *
 * A write that fails (a full disk, an I/O error) fails every record of its batch and every record
 * queued behind it, since those were decided on state that included the failed ones: the file is
 * cut back to its last acknowledged byte, so no torn record stays in the middle of it, and each
 * record's `undo` runs, newest first, so the caller's memory goes back to what the file holds. If
 * even that cut fails, the journal is `broken` and refuses every later record.
 */
export class Journal {
  private fd: number | undefined;
  private pending: Pending[] = [];
  private flushing = false;
  private records = 0;
  /** Bytes of the file that are acknowledged records. */
  private size = 0;
  private failure: Error | undefined;

  private constructor(private readonly file: string) {}

  /** Reads the file (if any), repairs a torn tail, and opens it for appending. */
  static async open(file: string): Promise<{ journal: Journal; state: JournalState }> {
    const journal = new Journal(path.resolve(file));
    const state = journal.load();
    journal.fd = openSync(journal.file, 'a');
    return { journal, state };
  }

  /** One record as the line `append` takes; throws (a value too deep for JSON.stringify, say) before anything is written. */
  static encode(record: JournalRecord): string {
    return JSON.stringify(record) + '\n';
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
    this.size = goodBytes;
    if (goodBytes < Buffer.byteLength(text, 'utf8')) {
      const fd = openSync(this.file, 'r+');
      ftruncateSync(fd, goodBytes);
      fsyncSync(fd);
      closeSync(fd);
    }
    return { objects, resourceVersion };
  }

  /** Why the journal refuses records, once a failed write could not even be cut off the file. */
  get broken(): Error | undefined {
    return this.failure;
  }

  /**
   * Queues a line made by `encode`; the promise resolves once it is on disk, and rejects (after
   * `undo` has run) when it could not be written.
   */
  append(line: string, undo?: () => void): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    this.records++;
    const done = new Promise<void>((resolve, reject) => this.pending.push({ line, undo, resolve, reject }));
    if (!this.flushing) void this.flush();
    return done;
  }

  get recordCount(): number {
    return this.records;
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.pending.length > 0 && this.fd !== undefined) {
      const batch = this.pending;
      this.pending = [];
      const chunk = Buffer.from(batch.map((p) => p.line).join(''), 'utf8');
      try {
        await writeAll(this.fd, chunk);
        await datasyncAsync(this.fd);
        this.size += chunk.length;
        for (const p of batch) p.resolve();
      } catch (error) {
        this.fail(batch, error as Error);
      }
    }
    this.flushing = false;
  }

  /** A batch could not be written: it and everything queued behind it fail, and the file loses what part of it got there. */
  private fail(batch: Pending[], error: Error): void {
    const failed = [...batch, ...this.pending];
    this.pending = [];
    this.records -= failed.length;
    try {
      ftruncateSync(this.fd as number, this.size);
      fsyncSync(this.fd as number);
    } catch (cutError) {
      this.failure = new Error(`the data file ${this.file} can no longer be written: ${(cutError as Error).message} (after ${error.message})`, { cause: cutError });
    }
    for (const p of [...failed].reverse()) p.undo?.();
    for (const p of failed) p.reject(error);
  }

  /**
   * Rewrites the journal as a snapshot of the state `snapshot` returns (atomically) once the queue is
   * drained. A snapshot that cannot be written leaves the journal as it was.
   */
  async compact(snapshot: () => JournalState): Promise<void> {
    while (this.flushing || this.pending.length > 0) await new Promise((r) => setImmediate(r));
    if (this.failure) return;
    const state = snapshot(); // read only now: writes made while draining are in it
    const tmp = `${this.file}.tmp-${process.pid}`;
    const fd = openSync(tmp, 'w');
    let count = 0;
    let size = 0;
    try {
      const lines: string[] = [];
      for (const [r, bucket] of state.objects) {
        for (const [k, o] of bucket) {
          lines.push(JSON.stringify({ t: 'put', r, k, o, v: state.resourceVersion } satisfies JournalRecord));
          count++;
          if (lines.length >= 1000) size += writeAllSync(fd, lines.splice(0).join('\n') + '\n');
        }
      }
      if (lines.length > 0) size += writeAllSync(fd, lines.join('\n') + '\n');
      if (count === 0) size += writeAllSync(fd, JSON.stringify({ t: 'del', r: '', k: '', v: state.resourceVersion }) + '\n');
      fsyncSync(fd);
    } catch (error) {
      closeSync(fd);
      rmSync(tmp, { force: true });
      throw error;
    }
    closeSync(fd);
    // from here to the reopen nothing awaits, so no append can slip between snapshot and rename
    try {
      renameSync(tmp, this.file);
    } catch (error) {
      rmSync(tmp, { force: true });
      throw error;
    }
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = openSync(this.file, 'a');
    this.records = Math.max(count, 1);
    this.size = size;
    const dir = openSync(path.dirname(this.file), 'r');
    fsyncSync(dir);
    closeSync(dir);
  }

  async close(): Promise<void> {
    while (this.flushing || this.pending.length > 0) await new Promise((r) => setImmediate(r));
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

interface Pending {
  line: string;
  undo?: () => void;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** write(2) may take only part of a buffer (a disk about to fill up does that): write the rest until done or an error. */
async function writeAll(fd: number, buffer: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buffer.length) {
    const { bytesWritten } = await writeAsync(fd, buffer, offset, buffer.length - offset, null);
    offset += bytesWritten;
  }
}

function writeAllSync(fd: number, text: string): number {
  const buffer = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset);
  return buffer.length;
}
