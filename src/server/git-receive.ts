// git's smart HTTP protocol for `git push http://host:port/git/<repo> main` to the agent (and
// clone/fetch of what was pushed), served by git's own CGI program, `git http-backend`.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { lstat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import nodePath from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { baseEnvironment, runGit, safeConfig } from '../source/index.ts';

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
   * Accept pushes that rewrite history (`git push --force`). Default false: the config repo's
   * history is capstan's audit log, so git refuses non-fast-forward updates
   * (`receive.denyNonFastForwards`).
   */
  allowForcePush?: boolean;
  /** Accept pushes that delete branches or tags. Default false (`receive.denyDeletes`). */
  allowDeletes?: boolean;
  /** Kill `git http-backend` (and the receive-pack/upload-pack it runs) after this long. */
  timeoutMs?: number;
}

const SAFE_NAME = /^[A-Za-z0-9._-]+$/;
const SERVICES = new Set(['git-upload-pack', 'git-receive-pack']);
const GIT_PROTOCOL_VALUE = /^[A-Za-z0-9=:.,_-]{1,256}$/;
const MAX_CGI_HEADER = 64 * 1024;

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
 * Pushes are refused when they are not fast-forwards or delete a ref, unless the options allow it.
 * After a push that moved refs, `onPush` is called once, when the response has been sent; an error
 * it throws rejects the returned promise. Pushes to one repository are served one at a time, so
 * the refs read before and after each belong to it alone. If the refs of a push's repository cannot
 * be read, the promise rejects before anything is sent, and the caller answers 500.
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

  const reposDir = nodePath.resolve(options.reposDir);
  const gitDir = nodePath.join(reposDir, `${target.repo}.git`);
  if (!(await isBareRepository(gitDir))) {
    sendText(res, 404, 'repository not found\n');
    return;
  }

  const backend = { req, res, reposDir, target, query, options };
  if (target.endpoint !== 'git-receive-pack') {
    await runBackend(backend);
    return;
  }
  const updates = await serialized(gitDir, async () => {
    const before = await readRefs(gitDir);
    await runBackend(backend);
    return refUpdates(before, await readRefs(gitDir));
  });
  if (updates.length > 0) options.onPush(target.repo, updates);
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

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache', ...headers });
  res.end(text);
}

/**
 * The git configuration of every backend run: capstan's safe config (hooks off through
 * core.hooksPath=/dev/null, no global or system config), receive-pack enabled, no dumb-HTTP file
 * access, and the push policy. Given with `-c`, it takes precedence over the served repository's
 * own config and reaches the receive-pack / upload-pack that http-backend starts.
 */
export function backendConfig(options: Pick<GitReceiveOptions, 'allowForcePush' | 'allowDeletes'> = {}): string[] {
  const settings = [
    'core.hooksPath=/dev/null',
    'http.receivepack=true',
    'http.uploadpack=true',
    'http.getanyfile=false',
    `receive.denyNonFastForwards=${options.allowForcePush ? 'false' : 'true'}`,
    `receive.denyDeletes=${options.allowDeletes ? 'false' : 'true'}`,
    'receive.advertisePushOptions=false',
  ];
  return [...safeConfig(), ...settings.flatMap((s) => ['-c', s])];
}

// CGI variables that the agent's own environment must not smuggle into the backend.
const CGI_VARIABLES = new Set([
  'AUTH_TYPE', 'CONTENT_LENGTH', 'CONTENT_TYPE', 'GATEWAY_INTERFACE', 'PATH_INFO', 'PATH_TRANSLATED', 'QUERY_STRING',
  'REMOTE_ADDR', 'REMOTE_HOST', 'REMOTE_USER', 'REQUEST_METHOD', 'SCRIPT_NAME', 'SERVER_NAME', 'SERVER_PORT', 'SERVER_PROTOCOL',
]);

function backendEnvironment(req: IncomingMessage, reposDir: string, target: GitRequestTarget, query: string, user: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(baseEnvironment())) {
    if (CGI_VARIABLES.has(name) || name.startsWith('HTTP_')) continue;
    env[name] = value;
  }
  const single = (name: string): string | undefined => {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const length = single('content-length');
  const encoding = single('content-encoding');
  const protocol = single('git-protocol');
  return {
    ...env,
    GIT_PROJECT_ROOT: reposDir,
    GIT_HTTP_EXPORT_ALL: '1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    PATH_INFO: `/${target.repo}.git/${target.endpoint}`,
    REQUEST_METHOD: req.method ?? 'GET',
    QUERY_STRING: query,
    CONTENT_TYPE: single('content-type') ?? '',
    REMOTE_ADDR: req.socket.remoteAddress ?? '',
    // Without a length (a chunked body) git reads the body to its end.
    ...(length !== undefined && /^\d+$/.test(length) ? { CONTENT_LENGTH: length } : {}),
    ...(encoding ? { HTTP_CONTENT_ENCODING: encoding.trim() } : {}),
    ...(protocol && GIT_PROTOCOL_VALUE.test(protocol) ? { HTTP_GIT_PROTOCOL: protocol } : {}),
    ...(user ? { REMOTE_USER: user } : {}),
  };
}

interface Backend {
  req: IncomingMessage;
  res: ServerResponse;
  reposDir: string;
  target: GitRequestTarget;
  query: string;
  options: GitReceiveOptions;
}

/**
 * Runs `git http-backend`: the request body streams to its stdin; its CGI answer (a `Status:` line
 * and headers, a blank line, the body) streams into the response. Resolves when git has exited and
 * the response is finished (or the client went away).
 */
function runBackend({ req, res, reposDir, target, query, options }: Backend): Promise<void> {
  const env = backendEnvironment(req, reposDir, target, query, options.user);
  return new Promise((resolve) => {
    // detached: git and the receive-pack / index-pack it starts share a process group, killed together.
    const child: ChildProcessByStdio<Writable, Readable, Readable> = spawn('git', [...backendConfig(options), 'http-backend'], {
      cwd: reposDir, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true,
    });
    let exited = false;
    let responded = false;
    const settle = (): void => {
      if (exited && responded) resolve();
    };
    const kill = (): void => {
      if (exited) return;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(kill, options.timeoutMs);
    res.on('close', () => {
      // The client went away (or the response is complete): nothing more to stream.
      if (!res.writableFinished) kill();
      responded = true;
      settle();
    });
    req.on('error', kill);

    child.stdin.on('error', () => {
      // git may stop reading early (a refusal, a bad request); the rest of the body is not needed.
    });
    req.pipe(child.stdin);
    child.stderr.resume();

    let head: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const end = headerEnd(head);
      if (!end) {
        if (head.length > MAX_CGI_HEADER) {
          child.stdout.off('data', onData);
          kill();
          failResponse(res, 'git http-backend sent an oversized header\n');
        }
        return;
      }
      child.stdout.off('data', onData);
      const { status, headers } = parseCgiHeaders(head.subarray(0, end.index).toString('latin1'));
      res.writeHead(status, headers);
      const rest = head.subarray(end.index + end.length);
      if (rest.length > 0) res.write(rest);
      child.stdout.pipe(res);
    };
    child.stdout.on('data', onData);
    child.stdout.on('end', () => {
      if (!res.headersSent) failResponse(res, 'git http-backend gave no answer\n');
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      exited = true;
      if (timer) clearTimeout(timer);
      failResponse(res, error.code === 'ENOENT' ? 'git is not installed on the server\n' : 'git http-backend could not be started\n');
      settle();
    });
    child.on('close', () => {
      exited = true;
      if (timer) clearTimeout(timer);
      if (!res.headersSent) failResponse(res, 'git http-backend gave no answer\n');
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

async function readRefs(gitDir: string): Promise<Map<string, string>> {
  const { stdout } = await runGit(['for-each-ref', '--format=%(objectname) %(refname)'], { gitDir, operation: 'for-each-ref' });
  const refs = new Map<string, string>();
  for (const line of stdout.toString('utf8').split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0) refs.set(line.slice(space + 1), line.slice(0, space));
  }
  return refs;
}

/** What changed between two ref listings, sorted by ref. */
export function refUpdates(before: Map<string, string>, after: Map<string, string>): GitRefUpdate[] {
  const updates: GitRefUpdate[] = [];
  for (const ref of new Set([...before.keys(), ...after.keys()])) {
    const old = before.get(ref);
    const now = after.get(ref);
    if (old === now) continue;
    const zero = '0'.repeat((old ?? now ?? '').length);
    updates.push({ ref, before: old ?? zero, after: now ?? zero });
  }
  return updates.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
}

const queues = new Map<string, Promise<unknown>>();

/** Runs `work` after every earlier one for the same key has finished. */
async function serialized<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const run = previous.then(work);
  const settled = run.catch(() => undefined);
  queues.set(key, settled);
  try {
    return await run;
  } finally {
    if (queues.get(key) === settled) queues.delete(key);
  }
}
