// git's smart HTTP protocol for `git push http://host:port/git/<repo> main` to the agent (and
// clone/fetch of what was pushed), served by git's own CGI program, `git http-backend`.
import { lstat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import nodePath from 'node:path';
import { createGunzip } from 'node:zlib';
import { listRefs, startHttpBackend, type HttpBackendRequest } from '../source/index.ts';
import { GitExchange, killGroup, sendText, Spool, type GitLog, type Received } from './git-exchange.ts';
import { isZeroId, parsePushRequest, pushRefusalBody, refusalOf, type PushCommand, type PushRefusal, type PushRequest } from './push-request.ts';

export { defaultGitMaxBodyBytes, defaultGitTimeoutMs, type GitLog } from './git-exchange.ts';

export interface GitRefUpdate {
  ref: string;
  /** The commit before the push; all zeros when the ref was created. */
  before: string;
  /** The commit after the push; all zeros when the ref was deleted. */
  after: string;
}

export interface GitReceiveOptions {
  /** Directory holding the bare repositories served, as `<name>.git`. */
  reposDir: string;
  /** Called after a push updated refs of a repository: `ref` → new commit SHA. */
  onPush(repo: string, updates: { ref: string; before: string; after: string }[]): void;
  /** Who is pushing (e.g. the token's name): git's REMOTE_USER, the committer of reflog entries. */
  user?: string;
  /**
   * Accept pushes that rewrite history (`git push --force`) and move tags. Default false: the
   * config repo's history is capstan's audit log, so branches only fast-forward
   * (`receive.denyNonFastForwards`) and an existing tag never moves.
   */
  allowForcePush?: boolean;
  /** Accept pushes that delete branches or tags. Default false (`receive.denyDeletes`, and tags are checked here). */
  allowDeletes?: boolean;
  /**
   * The time limit of one request, from its arrival to its answer's last byte: receiving the body,
   * git's work and sending the answer. Then git is killed and the request ended. Default 10 min.
   */
  timeoutMs?: number;
  /** The largest request body (a push's pack) taken, in bytes, after gzip decoding. Default 100 MB. */
  maxBodyBytes?: number;
  /** Aborting it ends every request in flight at once: git killed, the client answered 503 or cut off. */
  signal?: AbortSignal;
  log?: GitLog;
}

const SAFE_NAME = /^[A-Za-z0-9._-]+$/;
const SERVICES = new Set(['git-upload-pack', 'git-receive-pack']);
const MAX_CGI_HEADER = 64 * 1024;
/** How much of a push body the list of refs to update may take. */
const MAX_COMMAND_LIST = 4 * 1024 * 1024;

/** The repository and endpoint a `/git/…` path names, when it is one we serve. */
export interface GitRequestTarget {
  repo: string;
  /** `info/refs`, `git-upload-pack` or `git-receive-pack`. */
  endpoint: string;
}

/**
 * Maps `<name>/<endpoint>` and `<name>.git/<endpoint>` to a repository name and a smart-HTTP
 * endpoint. Names are `[A-Za-z0-9._-]+` without `..` or a leading dot; anything else (other
 * endpoints, dumb-HTTP file paths, extra segments) is undefined.
 */
export function parseGitPath(requestPath: string): GitRequestTarget | undefined {
  const clean = requestPath.split('?')[0].replace(/^\/+/, '');
  const slash = clean.indexOf('/');
  if (slash < 0) return undefined;
  let repo = clean.slice(0, slash);
  const endpoint = clean.slice(slash + 1);
  if (repo.endsWith('.git')) repo = repo.slice(0, -'.git'.length);
  if (!SAFE_NAME.test(repo) || repo.includes('..') || repo.startsWith('.')) return undefined;
  if (endpoint !== 'info/refs' && !SERVICES.has(endpoint)) return undefined;
  return { repo, endpoint };
}

/**
 * Serves git's smart HTTP protocol for `/git/<name>/...` (info/refs, git-upload-pack,
 * git-receive-pack) by running `git http-backend` with an argument array; `path` is the part
 * after `/git/`. Unknown repositories are 404. Hooks of the served repositories never run.
 * Authentication is the caller's job (the server checks the token before calling this).
 *
 * A request body is first received whole into an unlinked temporary file beside the repositories
 * (at most `maxBodyBytes`), and git starts only then: a client that stalls holds no git process
 * and no lock, and a push over the limit is refused before anything is stored. A push is then
 * checked (only branches and tags; tags never move nor are deleted) and refused as a whole, in
 * git's protocol, so `git push` shows why; git refuses non-fast-forward branch updates and branch
 * deletions, unless the options allow them. Pushes are not serialized: git's own ref locks keep
 * concurrent ones consistent.
 *
 * Every request ends within `timeoutMs`, when `signal` aborts, or when its client goes away: git
 * (its whole process group) is killed and the promise resolves. git reads the body from a pipe to
 * its end (never a length, at which `git http-backend` spins forever if the pipe closes early), so
 * if this process dies, even by SIGKILL, git sees the end of its input or a broken pipe and exits.
 *
 * After a push that moved refs, `onPush` is called once, when the response has been sent, with the
 * refs of the push that now hold what it asked for; an error it throws rejects the returned
 * promise. If the refs cannot be read then, the promise rejects (the answer was already sent).
 */
export async function handleGitRequest(req: IncomingMessage, res: ServerResponse, path: string, options: GitReceiveOptions): Promise<void> {
  const target = parseGitPath(path);
  if (!target) {
    sendText(res, 404, 'repository not found\n');
    return;
  }
  const query = queryOf(path, req.url);
  const method = req.method ?? 'GET';
  if (target.endpoint === 'info/refs') {
    if (method !== 'GET') {
      sendText(res, 405, 'method not allowed\n', { Allow: 'GET' });
      return;
    }
    const service = new URLSearchParams(query).get('service');
    if (service === null || !SERVICES.has(service)) {
      sendText(res, 403, "only git's smart HTTP protocol is served: use git 1.6.6 or later\n");
      return;
    }
  } else if (method !== 'POST') {
    sendText(res, 405, 'method not allowed\n', { Allow: 'POST' });
    return;
  }
  const encoding = contentEncoding(req);
  if (encoding === undefined) {
    sendText(res, 415, 'the request body\'s Content-Encoding is not supported: send it plain or gzip\n');
    return;
  }

  const reposDir = nodePath.resolve(options.reposDir);
  const gitDir = nodePath.join(reposDir, `${target.repo}.git`);
  if (!(await isBareRepository(gitDir))) {
    sendText(res, 404, 'repository not found\n');
    return;
  }

  const exchange = new GitExchange(req, res, { ...options, repo: target.repo, endpoint: target.endpoint });
  const backend: Backend = { req, res, reposDir, target, query, options, exchange };
  try {
    if (target.endpoint === 'info/refs') {
      await runBackend(backend, undefined);
      return;
    }
    const body = await Spool.create(reposDir);
    try {
      const received = await exchange.receive(encoding === 'gzip' ? req.pipe(createGunzip()) : req, body);
      if (received === 'ended') return;
      if (received === 'unreadable') sendText(res, 400, 'the request body is not valid gzip\n');
      else if (target.endpoint === 'git-upload-pack') await serveFetch(backend, body, received);
      else await servePush(backend, gitDir, body, received);
    } finally {
      await body.close();
    }
  } finally {
    exchange.dispose();
  }
}

async function serveFetch(backend: Backend, body: Spool, received: Received): Promise<void> {
  if (received === 'too-large') sendText(backend.res, 413, `${backend.exchange.tooLarge().message}\n`);
  else await runBackend(backend, body);
}

/** A push is refused as a whole when it is too large or any of its refs is refused; else git takes it. */
async function servePush(backend: Backend, gitDir: string, body: Spool, received: Received): Promise<void> {
  const { res, exchange, options, target } = backend;
  const push = parsePushRequest(await body.head(MAX_COMMAND_LIST));
  if ('error' in push) {
    if (received === 'too-large') sendText(res, 413, `${exchange.tooLarge().message}\n`);
    else sendText(res, 400, `the push could not be read: ${push.error}\n`);
    return;
  }
  const refusal = received === 'too-large' ? tooLargeRefusal(push, exchange.tooLarge().message) : refRefusal(push, options);
  if (refusal) {
    refusePush(res, push, refusal);
    return;
  }
  await runBackend(backend, body);
  const updates = appliedUpdates(push.commands, await listRefs(gitDir));
  if (updates.length > 0) options.onPush(target.repo, updates);
}

function tooLargeRefusal(push: PushRequest, reason: string): PushRefusal {
  return { unpack: 'push too large', reasons: new Map(push.commands.map((c) => [c.ref, reason])), message: `push refused: ${reason}` };
}

function refRefusal(push: PushRequest, options: GitReceiveOptions): PushRefusal | undefined {
  const reasons = new Map<string, string>();
  for (const command of push.commands) {
    const reason = refusalOf(command, options);
    if (reason !== undefined) reasons.set(command.ref, reason);
  }
  if (reasons.size === 0) return undefined;
  const detail = [...reasons].map(([ref, reason]) => `${ref}: ${reason}`).join('\n');
  return { reasons, message: `push refused, nothing was updated:\n${detail}` };
}

function contentEncoding(req: IncomingMessage): 'identity' | 'gzip' | undefined {
  const value = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (value === '' || value === 'identity') return 'identity';
  if (value === 'gzip' || value === 'x-gzip') return 'gzip';
  return undefined;
}

/** A bare repository laid out on disk: a real directory (not a symlink) with HEAD, objects and refs. */
async function isBareRepository(dir: string): Promise<boolean> {
  try {
    const [self, head, objects, refs] = await Promise.all([lstat(dir), lstat(nodePath.join(dir, 'HEAD')), lstat(nodePath.join(dir, 'objects')), lstat(nodePath.join(dir, 'refs'))]);
    return self.isDirectory() && head.isFile() && objects.isDirectory() && refs.isDirectory();
  } catch {
    return false;
  }
}

function queryOf(requestPath: string, url: string | undefined): string {
  const fromPath = requestPath.indexOf('?');
  if (fromPath >= 0) return requestPath.slice(fromPath + 1);
  const fromUrl = url?.indexOf('?') ?? -1;
  return fromUrl >= 0 && url ? url.slice(fromUrl + 1) : '';
}

function refusePush(res: ServerResponse, push: PushRequest, refusal: PushRefusal): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(200, { 'Content-Type': 'application/x-git-receive-pack-result', 'Cache-Control': 'no-cache' });
  res.end(pushRefusalBody(push, refusal));
}

/** The request as the CGI variables git http-backend reads; source validates and passes them on. */
function backendRequest(req: IncomingMessage, target: GitRequestTarget, query: string, user: string | undefined): HttpBackendRequest {
  const single = (name: string): string | undefined => {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  return {
    method: req.method ?? 'GET',
    pathInfo: `/${target.repo}.git/${target.endpoint}`,
    query,
    contentType: single('content-type') ?? '',
    remoteAddr: req.socket.remoteAddress ?? '',
    gitProtocol: single('git-protocol'),
    remoteUser: user,
  };
}

interface Backend {
  req: IncomingMessage;
  res: ServerResponse;
  reposDir: string;
  target: GitRequestTarget;
  query: string;
  options: GitReceiveOptions;
  exchange: GitExchange;
}

/**
 * Runs `git http-backend` on a received body (none for info/refs): the body streams to its stdin;
 * its CGI answer (a `Status:` line and headers, a blank line, the body) streams into the response.
 * Resolves when git has exited and the response is finished (or the request ended).
 */
function runBackend({ req, res, reposDir, target, query, options, exchange }: Backend, body: Spool | undefined): Promise<void> {
  if (exchange.signal.aborted) return Promise.resolve();
  const request = backendRequest(req, target, query, options.user);
  return new Promise((resolve) => {
    // detached: git and the receive-pack / index-pack it starts share a process group, killed together.
    const child = startHttpBackend({ projectRoot: reposDir, request, input: body !== undefined, allowForcePush: options.allowForcePush, allowDeletes: options.allowDeletes });
    exchange.watch(child);
    const stdout = child.stdout!;
    let exited = false;
    let responded = false;
    const settle = (): void => {
      if (exited && responded) resolve();
    };
    const respondedOnce = (): void => {
      responded = true;
      settle();
    };
    if (res.writableFinished || res.destroyed) responded = true;
    else res.once('close', respondedOnce);
    exchange.signal.addEventListener('abort', respondedOnce, { once: true });

    if (body && child.stdin) {
      child.stdin.on('error', () => {
        // git may stop reading early (a refusal, a bad request); the rest of the body is not needed.
      });
      const input = body.stream();
      input.on('error', () => killGroup(child));
      input.pipe(child.stdin);
    }
    child.stderr!.resume();

    let head: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const end = headerEnd(head);
      if (!end) {
        if (head.length > MAX_CGI_HEADER) {
          stdout.off('data', onData);
          killGroup(child);
          failResponse(res, 'git http-backend sent an oversized header\n');
        }
        return;
      }
      stdout.off('data', onData);
      if (exchange.signal.aborted) return;
      const { status, headers } = parseCgiHeaders(head.subarray(0, end.index).toString('latin1'));
      res.writeHead(status, headers);
      const rest = head.subarray(end.index + end.length);
      if (rest.length > 0) res.write(rest);
      stdout.pipe(res);
    };
    stdout.on('data', onData);
    stdout.on('end', () => {
      if (!res.headersSent && !exchange.signal.aborted) failResponse(res, 'git http-backend gave no answer\n');
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      exited = true;
      failResponse(res, error.code === 'ENOENT' ? 'git is not installed on the server\n' : 'git http-backend could not be started\n');
      settle();
    });
    child.on('close', () => {
      exited = true;
      if (!res.headersSent && !exchange.signal.aborted) failResponse(res, 'git http-backend gave no answer\n');
      settle();
    });
  });
}

function failResponse(res: ServerResponse, text: string): void {
  if (res.writableEnded) return;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendText(res, 500, text);
}

function headerEnd(buffer: Buffer): { index: number; length: number } | undefined {
  const crlf = buffer.indexOf('\r\n\r\n');
  const lf = buffer.indexOf('\n\n');
  if (crlf < 0 && lf < 0) return undefined;
  if (lf >= 0 && (crlf < 0 || lf < crlf)) return { index: lf, length: 2 };
  return { index: crlf, length: 4 };
}

/** CGI response headers: `Status: 404 Not Found` becomes the status; the rest are passed on. */
export function parseCgiHeaders(text: string): { status: number; headers: Record<string, string | string[]> } {
  let status = 200;
  const headers: Record<string, string | string[]> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') {
      const code = Number.parseInt(value, 10);
      if (code >= 100 && code <= 599) status = code;
      continue;
    }
    const existing = headers[name];
    headers[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return { status, headers };
}

/**
 * The updates of a push that took effect: its commands whose ref now holds what they asked for (a
 * deleted ref: is gone), sorted by ref. A ref that another push moved on since is left to that push.
 */
export function appliedUpdates(commands: PushCommand[], refsAfter: Map<string, string>): GitRefUpdate[] {
  const updates = new Map<string, GitRefUpdate>();
  for (const command of commands) {
    if (command.old === command.new) continue;
    const now = refsAfter.get(command.ref);
    const applied = isZeroId(command.new) ? now === undefined : now === command.new;
    if (applied) updates.set(command.ref, { ref: command.ref, before: command.old, after: command.new });
  }
  return [...updates.values()].sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
}
