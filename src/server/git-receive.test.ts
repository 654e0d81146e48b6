import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { gzipSync } from 'node:zlib';
import { appliedUpdates, handleGitRequest, parseCgiHeaders, parseGitPath, type GitReceiveOptions, type GitRefUpdate } from './git-receive.ts';
import { gitProcesses, stalledPush, unreadFetch, waitFor } from './git-testing.ts';

const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'capstan-git-receive-'));
  made.push(dir);
  return dir;
}

/** An environment for the test's own git client: none of the caller's GIT_* variables or config. */
function clientEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  return { ...env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...extra };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cwd: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const argv = ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args];
  return new Promise((resolve) => {
    execFile('git', argv, { cwd, env: clientEnv(env), maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
    });
  });
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const result = await run(cwd, args);
  assert.equal(result.code, 0, `git ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout.trim();
}

async function commit(repo: string, files: Record<string, string | Buffer>, message = 'change'): Promise<string> {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(repo, name)), { recursive: true });
    writeFileSync(path.join(repo, name), content);
  }
  await git(repo, 'add', '--all');
  await git(repo, 'commit', '--quiet', '-m', message);
  return git(repo, 'rev-parse', 'HEAD');
}

interface Pushed {
  repo: string;
  updates: GitRefUpdate[];
  responseFinished: boolean;
}

interface Served {
  url: string;
  reposDir: string;
  /** A bare repository `config.git` holding one commit on main. */
  bare: string;
  /** A working clone of it, to commit and push from. */
  work: string;
  initial: string;
  pushes: Pushed[];
  requests: { method: string; url: string; headers: http.IncomingHttpHeaders }[];
  /** Resolves when every request handled so far is done (onPush runs just after git's client has its answer). */
  idle(): Promise<void>;
}

/** A bare repo in a temp dir, served by a tiny node:http server that hands `/git/*` to handleGitRequest. */
async function serve(t: TestContext, options: Partial<GitReceiveOptions> = {}): Promise<Served> {
  const root = tempDir();
  const reposDir = path.join(root, 'repos');
  mkdirSync(reposDir);
  const bare = path.join(reposDir, 'config.git');
  await git(root, 'init', '--quiet', '--bare', bare);
  const work = path.join(root, 'work');
  await git(root, 'init', '--quiet', work);
  const initial = await commit(work, { 'capstan.yaml': 'apiVersion: capstan.dev/v1alpha1\nkind: Project\n' }, 'initial');
  await git(work, 'push', '--quiet', bare, 'main');

  const pushes: Pushed[] = [];
  const requests: Served['requests'] = [];
  let lastResponse: http.ServerResponse | undefined;
  const pending = new Set<Promise<void>>();
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    requests.push({ method: req.method ?? '', url, headers: req.headers });
    if (!url.startsWith('/git/')) {
      res.writeHead(404).end();
      return;
    }
    lastResponse = res;
    const handled = handleGitRequest(req, res, url.slice('/git/'.length), {
      reposDir,
      user: 'ci-token',
      onPush: (repo, updates) => pushes.push({ repo, updates, responseFinished: lastResponse?.writableFinished === true }),
      ...options,
    }).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
    pending.add(handled);
    void handled.finally(() => pending.delete(handled));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  const idle = async (): Promise<void> => {
    while (pending.size > 0) await Promise.all([...pending]);
  };
  return { url: `http://127.0.0.1:${port}/git`, reposDir, bare, work, initial, pushes, requests, idle };
}

/** A raw request, so paths such as `/git/../x` reach the server as written. */
function rawRequest(url: string, requestPath: string, init: { method?: string; headers?: Record<string, string>; body?: Buffer } = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: requestPath, method: init.method ?? 'GET', headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

function pktLine(text: string): string {
  return (text.length + 4).toString(16).padStart(4, '0') + text;
}

test('git clone over smart HTTP works with protocol v2 and v0', async (t) => {
  const s = await serve(t);
  for (const version of ['2', '0']) {
    const dest = path.join(tempDir(), 'clone');
    await git(os.tmpdir(), '-c', `protocol.version=${version}`, 'clone', '--quiet', `${s.url}/config`, dest);
    assert.equal(await git(dest, 'rev-parse', 'HEAD'), s.initial, `protocol v${version}`);
    assert.equal(readFileSync(path.join(dest, 'capstan.yaml'), 'utf8'), 'apiVersion: capstan.dev/v1alpha1\nkind: Project\n');
  }
  // `.git` in the URL names the same repository.
  const dest = path.join(tempDir(), 'clone');
  await git(os.tmpdir(), 'clone', '--quiet', `${s.url}/config.git`, dest);
  assert.equal(await git(dest, 'rev-parse', 'HEAD'), s.initial);
  await s.idle();
  assert.deepEqual(s.pushes, [], 'a clone is not a push');
});

test('protocol v2 is really spoken: the Git-Protocol header reaches the backend', async (t) => {
  const s = await serve(t);
  const v2 = await run(os.tmpdir(), ['-c', 'protocol.version=2', 'ls-remote', `${s.url}/config`], { GIT_TRACE_PACKET: '1' });
  assert.equal(v2.code, 0, v2.stderr);
  assert.match(v2.stderr, /< version 2/);
  assert.match(v2.stdout, new RegExp(`^${s.initial}\\trefs/heads/main$`, 'm'));
  const v0 = await run(os.tmpdir(), ['-c', 'protocol.version=0', 'ls-remote', `${s.url}/config`], { GIT_TRACE_PACKET: '1' });
  assert.equal(v0.code, 0, v0.stderr);
  assert.doesNotMatch(v0.stderr, /< version 2/);
});

test('git push of a new commit and a tag: onPush once, after the response, with every ref and its SHAs', async (t) => {
  const s = await serve(t);
  await git(s.bare, 'config', 'core.logAllRefUpdates', 'true');
  const next = await commit(s.work, { 'apps/guestbook/deployment.yaml': 'kind: Deployment\n' }, 'add guestbook');
  await git(s.work, 'tag', 'v1');
  const pushed = await run(s.work, ['push', `${s.url}/config`, 'main', 'v1']);
  assert.equal(pushed.code, 0, pushed.stderr);
  assert.equal(await git(s.bare, 'rev-parse', 'refs/heads/main'), next);
  await s.idle();
  assert.deepEqual(s.pushes, [{
    repo: 'config',
    updates: [
      { ref: 'refs/heads/main', before: s.initial, after: next },
      { ref: 'refs/tags/v1', before: '0'.repeat(40), after: next },
    ],
    responseFinished: true,
  }]);
  // REMOTE_USER and REMOTE_ADDR reached git: they are the reflog's identity.
  assert.equal(await git(s.bare, 'reflog', 'show', '--format=%gn <%ge>', 'refs/heads/main', '-n', '1'), 'ci-token <ci-token@http.127.0.0.1>');
});

test('a push that changes nothing does not call onPush', async (t) => {
  const s = await serve(t);
  const pushed = await run(s.work, ['push', `${s.url}/config`, 'main']);
  assert.equal(pushed.code, 0, pushed.stderr);
  assert.match(pushed.stderr, /Everything up-to-date/);
  await s.idle();
  assert.deepEqual(s.pushes, []);
});

test('an unknown repository is 404 and git says it was not found', async (t) => {
  const s = await serve(t);
  const cloned = await run(os.tmpdir(), ['clone', `${s.url}/nope`, path.join(tempDir(), 'x')]);
  assert.notEqual(cloned.code, 0);
  assert.match(cloned.stderr, /repository '.*\/git\/nope\/' not found/);
  const pushed = await run(s.work, ['push', `${s.url}/nope`, 'main']);
  assert.notEqual(pushed.code, 0);
  assert.match(pushed.stderr, /not found/);
  const response = await rawRequest(s.url, '/git/nope/info/refs?service=git-upload-pack');
  assert.equal(response.status, 404);
});

test('names with "..", a leading dot, odd characters, symlinks and non-bare directories are 404', async (t) => {
  const s = await serve(t);
  const root = path.dirname(s.reposDir);
  // Real bare repositories behind each name, so only the name rule can refuse them.
  await git(root, 'init', '--quiet', '--bare', path.join(root, 'outside.git'));
  await git(root, 'init', '--quiet', '--bare', path.join(s.reposDir, 'a..b.git'));
  await git(root, 'init', '--quiet', '--bare', path.join(s.reposDir, '.hidden.git'));
  await git(root, 'init', '--quiet', '--bare', path.join(s.reposDir, 'sp ace.git'));
  symlinkSync(s.bare, path.join(s.reposDir, 'link.git'));
  await git(root, 'init', '--quiet', path.join(s.reposDir, 'worktree.git'));
  const paths = [
    '/git/../outside/info/refs',
    '/git/..%2Foutside/info/refs',
    '/git/%2e%2e/outside/info/refs',
    '/git/../repos/config/info/refs',
    '/git/a..b/info/refs',
    '/git/.hidden/info/refs',
    '/git/sp%20ace/info/refs',
    '/git/link/info/refs',
    '/git/worktree/info/refs',
    '/git/config/../config/info/refs',
    '/git//info/refs',
    '/git/.git/info/refs',
  ];
  for (const p of paths) {
    const response = await rawRequest(s.url, `${p}?service=git-upload-pack`);
    assert.equal(response.status, 404, p);
  }
  // The control: the served repository answers on the same kind of request.
  assert.equal((await rawRequest(s.url, '/git/config/info/refs?service=git-upload-pack')).status, 200);
});

test('only smart-HTTP endpoints are served: dumb-HTTP files are 404, info/refs without a service 403, wrong methods 405', async (t) => {
  const s = await serve(t);
  for (const p of ['/git/config/HEAD', '/git/config/config', '/git/config/objects/info/packs', '/git/config/info/refs/extra']) {
    assert.equal((await rawRequest(s.url, p)).status, 404, p);
  }
  const dumb = await rawRequest(s.url, '/git/config/info/refs');
  assert.equal(dumb.status, 403);
  assert.equal(dumb.body.toString(), "only git's smart HTTP protocol is served: use git 1.6.6 or later\n");
  assert.equal((await rawRequest(s.url, '/git/config/git-upload-pack')).status, 405);
  assert.equal((await rawRequest(s.url, '/git/config/info/refs?service=git-upload-pack', { method: 'POST' })).status, 405);
});

test('hooks of the served repository never run, even when its config points at them', async (t) => {
  const s = await serve(t);
  const markers = path.join(tempDir(), 'markers');
  mkdirSync(markers);
  for (const hook of ['pre-receive', 'update', 'post-receive', 'post-update', 'reference-transaction']) {
    const file = path.join(s.bare, 'hooks', hook);
    writeFileSync(file, `#!/bin/sh\ntouch '${path.join(markers, hook)}'\nexit 0\n`);
    chmodSync(file, 0o755);
  }
  await git(s.bare, 'config', 'core.hooksPath', path.join(s.bare, 'hooks'));

  // The control: a local push (no capstan in between) does run them.
  await commit(s.work, { 'a.yaml': 'a: 1\n' });
  await git(s.work, 'push', '--quiet', s.bare, 'main');
  assert.ok(existsSync(path.join(markers, 'pre-receive')), 'the hooks work when git runs them');
  rmSync(markers, { recursive: true });
  mkdirSync(markers);

  const next = await commit(s.work, { 'a.yaml': 'a: 2\n' });
  const pushed = await run(s.work, ['push', `${s.url}/config`, 'main']);
  assert.equal(pushed.code, 0, pushed.stderr);
  assert.equal(await git(s.bare, 'rev-parse', 'main'), next);
  assert.deepEqual(readdirSync(markers), [], 'no hook ran');
});

test('a non-fast-forward push is refused, the ref stays, onPush is not called', async (t) => {
  const s = await serve(t);
  const first = await commit(s.work, { 'a.yaml': 'a: 1\n' });
  await git(s.work, 'push', '--quiet', `${s.url}/config`, 'main');
  await s.idle();
  assert.equal(s.pushes.length, 1);
  await git(s.work, 'reset', '--quiet', '--hard', s.initial);
  await commit(s.work, { 'a.yaml': 'a: rewritten\n' });
  const forced = await run(s.work, ['push', '--force', `${s.url}/config`, 'main']);
  assert.notEqual(forced.code, 0);
  assert.match(forced.stderr, /\[remote rejected\] +main -> main \(non-fast-forward\)/);
  assert.equal(await git(s.bare, 'rev-parse', 'main'), first);
  await s.idle();
  assert.equal(s.pushes.length, 1);
});

test('deleting a branch is refused', async (t) => {
  const s = await serve(t);
  await git(s.work, 'push', '--quiet', `${s.url}/config`, 'main:refs/heads/feature');
  const deleted = await run(s.work, ['push', `${s.url}/config`, ':refs/heads/feature']);
  assert.notEqual(deleted.code, 0);
  assert.match(deleted.stderr, /\[remote rejected\] +feature \(deletion prohibited\)/);
  assert.equal(await git(s.bare, 'rev-parse', 'refs/heads/feature'), s.initial);
});

test('allowForcePush and allowDeletes let rewrites and deletions through, and report them', async (t) => {
  const s = await serve(t, { allowForcePush: true, allowDeletes: true });
  await git(s.work, 'push', '--quiet', `${s.url}/config`, 'main:refs/heads/feature');
  await s.idle();
  const pushedFirst = await commit(s.work, { 'a.yaml': 'a: 1\n' });
  await git(s.work, 'push', '--quiet', `${s.url}/config`, 'main');
  await s.idle();
  await git(s.work, 'reset', '--quiet', '--hard', s.initial);
  const rewritten = await commit(s.work, { 'a.yaml': 'a: rewritten\n' });
  await git(s.work, 'push', '--quiet', '--force', `${s.url}/config`, 'main', ':refs/heads/feature');
  await s.idle();
  assert.deepEqual(s.pushes.map((p) => p.updates), [
    [{ ref: 'refs/heads/feature', before: '0'.repeat(40), after: s.initial }],
    [{ ref: 'refs/heads/main', before: s.initial, after: pushedFirst }],
    [
      { ref: 'refs/heads/feature', before: s.initial, after: '0'.repeat(40) },
      { ref: 'refs/heads/main', before: pushedFirst, after: rewritten },
    ],
  ]);
});

test('a large push (a few MB, sent chunked) works and clones back byte for byte', async (t) => {
  const s = await serve(t);
  const big = randomBytes(6 * 1024 * 1024);
  const next = await commit(s.work, { 'charts/blob.bin': big }, 'big file');
  const pushed = await run(s.work, ['push', `${s.url}/config`, 'main']);
  assert.equal(pushed.code, 0, pushed.stderr);
  const posts = s.requests.filter((r) => r.method === 'POST' && r.url.endsWith('/git-receive-pack'));
  assert.ok(posts.some((p) => p.headers['transfer-encoding'] === 'chunked' && p.headers['content-length'] === undefined), 'git sent the pack without a length');
  await s.idle();
  assert.equal(s.pushes[0]?.updates[0]?.after, next);
  const dest = path.join(tempDir(), 'clone');
  await git(os.tmpdir(), 'clone', '--quiet', `${s.url}/config`, dest);
  const digest = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  assert.equal(digest(readFileSync(path.join(dest, 'charts/blob.bin'))), digest(big));
});

test('a gzip-encoded upload-pack request (Content-Encoding: gzip) is inflated', async (t) => {
  const s = await serve(t);
  const request = pktLine(`want ${s.initial} multi_ack_detailed side-band-64k ofs-delta agent=test\n`) + '0000' + pktLine('done\n');
  const body = gzipSync(Buffer.from(request));
  const headers = { 'Content-Type': 'application/x-git-upload-pack-request', 'Accept': 'application/x-git-upload-pack-result', 'Content-Encoding': 'gzip', 'Content-Length': String(body.length) };
  const response = await rawRequest(s.url, '/git/config/git-upload-pack', { method: 'POST', headers, body });
  assert.equal(response.status, 200);
  assert.equal(response.headers['content-type'], 'application/x-git-upload-pack-result');
  assert.equal(response.body.subarray(0, 8).toString(), '0008NAK\n');
  assert.ok(response.body.includes('PACK'), 'a pack follows');
});

/** git's stderr, each line without the padding git adds after `remote:` messages. */
function lines(stderr: string): string[] {
  return stderr.split('\n').map((line) => line.trimEnd()).filter((line) => line !== '');
}

/** Every file under a repository's objects/ (loose objects, packs, and any temporary pack). */
function objectFiles(bare: string): string[] {
  return (readdirSync(path.join(bare, 'objects'), { recursive: true }) as string[]).filter((f) => statSync(path.join(bare, 'objects', f)).isFile()).sort();
}

test('tags never move nor are deleted, only branches and tags can be pushed, and a push with a refused ref updates nothing', async (t) => {
  const s = await serve(t);
  await git(s.work, 'tag', 'v1');
  const created = await run(s.work, ['push', `${s.url}/config`, 'v1', 'main:refs/tags/t1']);
  assert.equal(created.code, 0, created.stderr);
  await s.idle();
  assert.equal(s.pushes.length, 1, 'new tags are pushed');

  const next = await commit(s.work, { 'a.yaml': 'a: 1\n' });
  const moved = await run(s.work, ['push', '--force', `${s.url}/config`, 'main', `${next}:refs/tags/v1`, `${next}:refs/capstan/x`]);
  assert.notEqual(moved.code, 0);
  assert.deepEqual(lines(moved.stderr), [
    'remote: push refused, nothing was updated:',
    'remote: refs/tags/v1: tags never move: push a new tag',
    'remote: refs/capstan/x: only branches (refs/heads/) and tags (refs/tags/) can be pushed',
    `To ${s.url}/config`,
    ' ! [remote rejected] main -> main (not updated: another ref of this push was refused)',
    ` ! [remote rejected] ${next} -> v1 (tags never move: push a new tag)`,
    ` ! [remote rejected] ${next} -> refs/capstan/x (only branches (refs/heads/) and tags (refs/tags/) can be pushed)`,
    `error: failed to push some refs to '${s.url}/config'`,
  ]);
  const deleted = await run(s.work, ['push', `${s.url}/config`, ':refs/tags/t1']);
  assert.notEqual(deleted.code, 0);
  assert.match(deleted.stderr, /remote: refs\/tags\/t1: tags are never deleted/);
  assert.match(deleted.stderr, / ! \[remote rejected\] t1 \(tags are never deleted\)/);
  for (const ref of ['refs/notes/commits', 'refs/remotes/origin/main', 'refs/pull/1/head']) {
    const other = await run(s.work, ['push', `${s.url}/config`, `main:${ref}`]);
    assert.notEqual(other.code, 0, ref);
    assert.match(other.stderr, /only branches \(refs\/heads\/\) and tags \(refs\/tags\/\) can be pushed/, ref);
  }

  assert.equal(await git(s.bare, 'rev-parse', 'refs/heads/main'), s.initial, 'main did not move with the refused refs');
  assert.equal(await git(s.bare, 'rev-parse', 'refs/tags/v1'), s.initial);
  assert.equal(await git(s.bare, 'rev-parse', 'refs/tags/t1'), s.initial);
  assert.equal(await git(s.bare, 'for-each-ref', '--format=%(refname)'), 'refs/heads/main\nrefs/tags/t1\nrefs/tags/v1');
  await s.idle();
  assert.equal(s.pushes.length, 1);
});

test('allowForcePush moves tags and allowDeletes deletes them; other refs stay refused', async (t) => {
  const s = await serve(t, { allowForcePush: true, allowDeletes: true });
  await git(s.work, 'tag', 'v1');
  await git(s.work, 'push', '--quiet', `${s.url}/config`, 'v1', 'main:refs/tags/t1');
  const next = await commit(s.work, { 'a.yaml': 'a: 1\n' });
  await git(s.work, 'push', '--quiet', '--force', `${s.url}/config`, `${next}:refs/tags/v1`, ':refs/tags/t1');
  assert.equal(await git(s.bare, 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/tags'), `refs/tags/v1 ${next}`);
  const other = await run(s.work, ['push', `${s.url}/config`, 'main:refs/capstan/x']);
  assert.match(other.stderr, /only branches \(refs\/heads\/\) and tags \(refs\/tags\/\) can be pushed/);
});

test('a push larger than maxBodyBytes is refused with its reason before anything is stored', async (t) => {
  const s = await serve(t, { maxBodyBytes: 1_000_000 });
  const objectsBefore = objectFiles(s.bare);
  await commit(s.work, { 'charts/blob.bin': randomBytes(3 * 1024 * 1024) }, 'big file');
  const pushed = await run(s.work, ['push', `${s.url}/config`, 'main']);
  assert.notEqual(pushed.code, 0);
  const reason = 'the git request to "config" is larger than 1 MB, the agent\'s --git-max-push-size: push fewer or smaller files at a time, or raise the limit';
  assert.deepEqual(lines(pushed.stderr), [
    `remote: push refused: ${reason}`,
    'error: remote unpack failed: push too large',
    `To ${s.url}/config`,
    ` ! [remote rejected] main -> main (${reason})`,
    `error: failed to push some refs to '${s.url}/config'`,
  ]);
  assert.equal(await git(s.bare, 'rev-parse', 'main'), s.initial);
  assert.deepEqual(objectFiles(s.bare), objectsBefore, 'no object, pack or temporary pack was written');
  assert.deepEqual(readdirSync(s.reposDir), ['config.git'], 'the received body is not left beside the repositories');
  // A fetch request over the limit is refused too, as a plain 413.
  const fetched = await rawRequest(s.url, '/git/config/git-upload-pack', { method: 'POST', headers: { 'content-type': 'application/x-git-upload-pack-request' }, body: Buffer.alloc(1_000_001, 'a') });
  assert.equal(fetched.status, 413);
  assert.equal(fetched.body.toString(), `${reason}\n`);
  await s.idle();
  assert.deepEqual(s.pushes, []);
});

test('a push with an unsupported Content-Encoding is 415; one whose commands cannot be read is 400', async (t) => {
  const s = await serve(t);
  const headers = { 'content-type': 'application/x-git-receive-pack-request' };
  const encoded = await rawRequest(s.url, '/git/config/git-receive-pack', { method: 'POST', headers: { ...headers, 'content-encoding': 'br' }, body: Buffer.from('0000') });
  assert.equal(encoded.status, 415);
  assert.equal(encoded.body.toString(), "the request body's Content-Encoding is not supported: send it plain or gzip\n");
  const signed = await rawRequest(s.url, '/git/config/git-receive-pack', { method: 'POST', headers, body: Buffer.from(`${pktLine('push-cert\0report-status\n')}0000`) });
  assert.equal(signed.status, 400);
  assert.equal(signed.body.toString(), 'the push could not be read: signed pushes are not accepted\n');
  const gzipped = await rawRequest(s.url, '/git/config/git-receive-pack', { method: 'POST', headers: { ...headers, 'content-encoding': 'gzip' }, body: Buffer.from('not gzip') });
  assert.equal(gzipped.status, 400);
  assert.equal(gzipped.body.toString(), 'the request body is not valid gzip\n');
});

test('a push whose client stalls holds up no other push; a client that goes away ends its request and its git at once', async (t) => {
  const s = await serve(t);
  // One stalls announcing a length it never sends, one stalls chunked, one is a fetch nobody reads.
  const withLength = stalledPush(`${s.url}/config/git-receive-pack`, s.initial, { contentLength: 100_000 });
  const chunked = stalledPush(`${s.url}/config/git-receive-pack`, s.initial);
  await waitFor('both stalled pushes to reach the server', () => s.requests.filter((r) => r.url.endsWith('/git-receive-pack')).length === 2);

  const next = await commit(s.work, { 'a.yaml': 'a: 1\n' });
  const pushed = await run(s.work, ['push', `${s.url}/config`, 'main']);
  assert.equal(pushed.code, 0, pushed.stderr);
  assert.equal(await git(s.bare, 'rev-parse', 'main'), next);
  const clone = path.join(tempDir(), 'clone');
  await git(os.tmpdir(), 'clone', '--quiet', `${s.url}/config`, clone);
  assert.equal(await git(clone, 'rev-parse', 'HEAD'), next);
  assert.equal(withLength.answered() || chunked.answered(), false, 'the stalled pushes still wait');
  assert.deepEqual(gitProcesses(s.reposDir), [], 'a stalled push runs no git');

  await commit(s.work, { 'charts/blob.bin': randomBytes(24 * 1024 * 1024) }, 'big file');
  await git(s.work, 'push', '--quiet', s.bare, 'main');
  const fetch = unreadFetch(`${s.url}/config/git-upload-pack`, await git(s.work, 'rev-parse', 'main'));
  await waitFor('git to answer the fetch', () => gitProcesses(s.reposDir).length > 0);

  withLength.abort();
  chunked.abort();
  fetch.abort();
  await s.idle();
  await waitFor('no git process left', () => gitProcesses(s.reposDir).length === 0);
});

test('a request that outlives timeoutMs is ended: a stalled push is answered 408 with the limit', async (t) => {
  const s = await serve(t, { timeoutMs: 300 });
  const withLength = stalledPush(`${s.url}/config/git-receive-pack`, s.initial, { contentLength: 100_000 });
  const chunked = stalledPush(`${s.url}/config/git-receive-pack`, s.initial);
  const message = 'the git request to "config" took longer than 300ms, the agent\'s --git-timeout (while its body was still arriving): it was ended; retry, or raise the limit\n';
  assert.deepEqual(await withLength.answer, { status: 408, body: message });
  assert.deepEqual(await chunked.answer, { status: 408, body: message });
  await s.idle();
  assert.deepEqual(gitProcesses(s.reposDir), []);
});

test('aborting the signal (shutdown) ends every request in flight: stalled pushes answered 503, running git killed', async (t) => {
  const shutdown = new AbortController();
  const s = await serve(t, { signal: shutdown.signal });
  await commit(s.work, { 'charts/blob.bin': randomBytes(24 * 1024 * 1024) }, 'big file');
  await git(s.work, 'push', '--quiet', s.bare, 'main');
  const stalled = stalledPush(`${s.url}/config/git-receive-pack`, s.initial, { contentLength: 100_000 });
  const fetch = unreadFetch(`${s.url}/config/git-upload-pack`, await git(s.work, 'rev-parse', 'main'));
  await waitFor('git to answer the fetch', () => gitProcesses(s.reposDir).length > 0);
  await waitFor('the stalled push to reach the server', () => s.requests.some((r) => r.url.endsWith('/git-receive-pack')));

  shutdown.abort();
  assert.deepEqual(await stalled.answer, { status: 503, body: 'the agent is shutting down: try the git request again in a moment\n' });
  await fetch.closed;
  await s.idle();
  await waitFor('no git process left', () => gitProcesses(s.reposDir).length === 0);
  // A request that arrives after the shutdown is answered at once.
  assert.equal((await rawRequest(s.url, '/git/config/info/refs?service=git-upload-pack')).status, 503);
});

test('parseGitPath maps names with and without .git to the endpoints served', () => {
  assert.deepEqual(parseGitPath('config/info/refs'), { repo: 'config', endpoint: 'info/refs' });
  assert.deepEqual(parseGitPath('/config.git/git-receive-pack'), { repo: 'config', endpoint: 'git-receive-pack' });
  assert.deepEqual(parseGitPath('my_repo-2.x/git-upload-pack?x=1'), { repo: 'my_repo-2.x', endpoint: 'git-upload-pack' });
  for (const p of ['..', '../x/info/refs', 'a..b/info/refs', '.x/info/refs', 'a/b/info/refs', 'a%2fb/info/refs', 'config', 'config/HEAD', '.git/info/refs']) {
    assert.equal(parseGitPath(p), undefined, p);
  }
});

test('parseCgiHeaders: Status becomes the status code, other headers pass, repeated ones are kept', () => {
  assert.deepEqual(parseCgiHeaders('Status: 403 Forbidden\r\nContent-Type: text/plain\r\nSet-Thing: a\r\nSet-Thing: b'), {
    status: 403, headers: { 'Content-Type': 'text/plain', 'Set-Thing': ['a', 'b'] },
  });
  assert.deepEqual(parseCgiHeaders('Content-Type: application/x-git-receive-pack-result\nCache-Control: no-cache'), {
    status: 200, headers: { 'Content-Type': 'application/x-git-receive-pack-result', 'Cache-Control': 'no-cache' },
  });
});

test('appliedUpdates: the commands whose ref holds what they asked for, sorted; unchanged ones and ones moved on since left out', () => {
  const [a, b, c, zero] = ['a', 'b', 'c', '0'].map((x) => x.repeat(40));
  const commands = [
    { ref: 'refs/heads/main', old: a, new: b },
    { ref: 'refs/heads/new', old: zero, new: b },
    { ref: 'refs/heads/old', old: a, new: zero },
    { ref: 'refs/heads/same', old: a, new: a },
    { ref: 'refs/heads/raced', old: a, new: b },
    { ref: 'refs/heads/refused', old: a, new: b },
  ];
  const after = new Map([['refs/heads/main', b], ['refs/heads/new', b], ['refs/heads/same', a], ['refs/heads/raced', c], ['refs/heads/refused', a]]);
  assert.deepEqual(appliedUpdates(commands, after), [
    { ref: 'refs/heads/main', before: a, after: b },
    { ref: 'refs/heads/new', before: zero, after: b },
    { ref: 'refs/heads/old', before: a, after: zero },
  ]);
});
