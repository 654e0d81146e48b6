// One git request's life in the agent: its time limit, the server's shutdown and its client
// leaving end it; its body is received whole, within a size limit, before git sees it.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import nodePath from 'node:path';
import { Readable } from 'node:stream';
import { TimeoutError, TransientError, ValidationError, type CapstanError } from '../core/index.ts';

export const defaultGitTimeoutMs = 10 * 60_000;
export const defaultGitMaxBodyBytes = 100 * 1000 * 1000;

/** Where git requests cut short are reported (the request's logger). */
export interface GitLog {
  warn(details: Record<string, unknown>, message: string): void;
}

export interface GitExchangeOptions {
  /** The repository and endpoint, for messages and the log. */
  repo: string;
  endpoint: string;
  /** Who asks (the token's name), for the log. */
  user?: string;
  /** Default 10 min. */
  timeoutMs?: number;
  /** Default 100 MB. */
  maxBodyBytes?: number;
  /** The server's shutdown. */
  signal?: AbortSignal;
  log?: GitLog;
}

/** How receiving a body ended. */
export type Received = 'complete' | 'too-large' | 'unreadable' | 'ended';

/**
 * One git request: its time limit, the server's shutdown and its client leaving all end it through
 * one AbortController. Ending kills the git processes it runs (their whole process group) and
 * answers the client (408 while its body was still arriving, 504 while git ran, 503 at shutdown),
 * or cuts the connection when the answer had begun; a client that left is simply let go.
 */
export class GitExchange {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly onShutdown = (): void => this.end(new TransientError('the agent is shutting down: try the git request again in a moment'));
  private readonly children = new Set<ChildProcess>();
  private receiving = false;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly options: GitExchangeOptions,
  ) {
    const limit = options.timeoutMs ?? defaultGitTimeoutMs;
    this.timer = setTimeout(() => {
      const when = this.receiving ? 'while its body was still arriving' : 'while git was answering';
      this.end(new TimeoutError(`the git request to "${options.repo}" took longer than ${formatMs(limit)}, the agent's --git-timeout (${when}): it was ended; retry, or raise the limit`));
    }, limit);
    if (options.signal?.aborted) this.onShutdown();
    else options.signal?.addEventListener('abort', this.onShutdown, { once: true });
    res.on('close', () => {
      // The client went away: nothing to answer, nothing to report; its git is stopped at once.
      if (!res.writableFinished) this.stop(new TransientError('the client went away'));
    });
  }

  /** Aborted when the request has ended. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Kills this git process group when the request ends (at once when it has ended already). */
  watch(child: ChildProcess): void {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    if (this.signal.aborted) killGroup(child);
  }

  tooLarge(): ValidationError {
    const limit = this.options.maxBodyBytes ?? defaultGitMaxBodyBytes;
    return new ValidationError(`the git request to "${this.options.repo}" is larger than ${formatBytes(limit)}, the agent's --git-max-push-size: push fewer or smaller files at a time, or raise the limit`);
  }

  /**
   * Receives the request body (`source`: the request, or a gunzip stream it is piped into) into
   * `spool`, at most `maxBodyBytes`; past that the rest is read and dropped, so that the client,
   * done sending, reads the refusal.
   */
  async receive(source: Readable, spool: Spool): Promise<Received> {
    const limit = this.options.maxBodyBytes ?? defaultGitMaxBodyBytes;
    this.receiving = true;
    let size = 0;
    // A gunzip stream piped from the request does not hear that the request ended: end it too.
    const endSource = (): void => {
      if (source !== this.req) source.destroy();
    };
    this.signal.addEventListener('abort', endSource, { once: true });
    try {
      for await (const chunk of source.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
        if (this.signal.aborted) return 'ended';
        size += chunk.length;
        if (size > limit) break;
        await spool.append(chunk);
      }
      if (this.signal.aborted) return 'ended';
      if (size <= limit) return 'complete';
      // Out of the loop, so the iterator no longer holds the request: it can flow to its end.
      if (source !== this.req) {
        this.req.unpipe();
        source.destroy();
      }
      await drain(this.req, this.signal);
      return this.signal.aborted ? 'ended' : 'too-large';
    } catch (error) {
      if (this.signal.aborted) return 'ended';
      if (source !== this.req && (error as NodeJS.ErrnoException).code?.startsWith('Z_')) return 'unreadable';
      throw error;
    } finally {
      this.receiving = false;
      this.signal.removeEventListener('abort', endSource);
    }
  }

  /** Ends the request: git killed, the client answered while it still can be, the end logged. */
  end(reason: CapstanError): void {
    if (!this.stop(reason)) return;
    const { req, res, options } = this;
    options.log?.warn({ repo: options.repo, endpoint: options.endpoint, user: options.user, reason: reason.message }, 'git request ended');
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    const status = reason instanceof TimeoutError ? (this.receiving ? 408 : 504) : 503;
    // The client may still be sending, or stalling: once it has the answer the connection goes,
    // and with it the reading of the body (which a finished response leaves to us).
    res.once('finish', () => req.destroy());
    sendText(res, status, `${reason.message}\n`, { Connection: 'close' });
  }

  /** Aborts the request and kills its git; false when it had ended already. */
  private stop(reason: CapstanError): boolean {
    if (this.signal.aborted) return false;
    this.controller.abort(reason);
    for (const child of this.children) killGroup(child);
    return true;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.options.signal?.removeEventListener('abort', this.onShutdown);
  }
}

/** Reads and drops what is left of a request body; resolves at its end or when the request ends. */
function drain(req: IncomingMessage, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (req.readableEnded || signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    req.once('end', done);
    req.once('close', done);
    signal.addEventListener('abort', done, { once: true });
    req.on('data', () => undefined);
    req.resume();
  });
}

/** Kills a git started with `detached: true` and every process it started (its process group). */
export function killGroup(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/**
 * A request body kept in a file that is unlinked as soon as it is opened: nothing is in memory,
 * and nothing is left behind whatever happens to this process.
 */
export class Spool {
  size = 0;

  private constructor(private readonly handle: FileHandle) {}

  static async create(dir: string): Promise<Spool> {
    const file = nodePath.join(dir, `.capstan-request-${randomBytes(8).toString('hex')}`);
    const handle = await open(file, 'wx+', 0o600);
    try {
      await unlink(file);
    } catch (error) {
      await handle.close();
      throw error;
    }
    return new Spool(handle);
  }

  async append(chunk: Buffer): Promise<void> {
    for (let written = 0; written < chunk.length; ) {
      const { bytesWritten } = await this.handle.write(chunk, written, chunk.length - written, this.size + written);
      written += bytesWritten;
    }
    this.size += chunk.length;
  }

  /** The first `max` bytes (fewer when the body is shorter). */
  async head(max: number): Promise<Buffer> {
    const buffer = Buffer.alloc(Math.min(max, this.size));
    for (let read = 0; read < buffer.length; ) {
      const { bytesRead } = await this.handle.read(buffer, read, buffer.length - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return buffer;
  }

  stream(): Readable {
    if (this.size === 0) return Readable.from([]);
    return this.handle.createReadStream({ start: 0, end: this.size - 1, autoClose: false });
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache', ...headers });
  res.end(text);
}

/** `1.5 GB`, `100 MB`, `512 kB`, `10 bytes`. */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [['GB', 1e9], ['MB', 1e6], ['kB', 1e3]] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`;
  }
  return `${bytes} bytes`;
}

/** `10m`, `1m30s`, `2s`, `250ms`. */
export function formatMs(ms: number): string {
  if (ms < 1000 || ms % 1000 !== 0) return `${ms}ms`;
  const seconds = ms / 1000;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}
