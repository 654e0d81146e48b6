// A real smart-HTTP git server (git http-backend behind node:http with basic auth), to check that
// tokens reach the server through the askpass helper and never reach a message.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { CapstanError, NotFoundError, TransientError, ValidationError } from '../core/index.ts';
import { GitCache } from './index.ts';
import { commit, git, makeRepo, tempDir, testEnv } from './testing.ts';

const TOKEN = 'glpat-Very$ecret:Token/42';
let base = '';
let sha = '';
let close: () => Promise<void> = async () => undefined;
const seenUsers: string[] = [];

function backend(projectRoot: string) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const header = req.headers.authorization ?? '';
    const decoded = header.startsWith('Basic ') ? Buffer.from(header.slice(6), 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const [user, password] = colon < 0 ? ['', ''] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
    if (password !== TOKEN) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end();
      return;
    }
    seenUsers.push(user);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const child = spawn('git', ['http-backend'], {
      env: {
        ...testEnv(),
        GIT_PROJECT_ROOT: projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_USER: user,
        REMOTE_ADDR: '127.0.0.1',
      },
    });
    req.pipe(child.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString('utf8').split('\r\n')) {
        const i = line.indexOf(':');
        const name = line.slice(0, i).trim();
        const value = line.slice(i + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(end + 4));
    });
    child.on('close', () => res.end());
  };
}

before(async () => {
  const { dir } = await makeRepo({ 'capstan.yaml': 'kind: Project\n' });
  sha = await commit(dir, { 'apps/web/deploy.yaml': 'kind: Deployment\n' });
  const root = tempDir('capstan-http-');
  await git(root, 'clone', '--quiet', '--bare', dir, path.join(root, 'config.git'));
  const server = createServer(backend(root));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise((resolve) => server.close(() => resolve()));
});

after(() => close());

function cache(): GitCache {
  return new GitCache({ dir: tempDir('capstan-cache-'), timeoutMs: 20_000 });
}

test('a token reaches the server through askpass: fetch, resolve and read over smart HTTP', async () => {
  const c = cache();
  const remote = { url: `${base}/config.git`, token: TOKEN, allowInsecureHttp: true };
  assert.equal(await c.resolveRevision(remote, 'main'), sha);
  assert.equal(await c.readFile(remote, 'main', 'apps/web/deploy.yaml'), 'kind: Deployment\n');
  assert.ok(seenUsers.includes('x-access-token'));
  const embedded = { url: `http://robot:${encodeURIComponent(TOKEN)}@${base.slice('http://'.length)}/config.git`, allowInsecureHttp: true };
  assert.equal(await cache().resolveRevision(embedded, 'main'), sha);
  assert.ok(seenUsers.includes('robot'));
});

test('a wrong or missing token is an authentication error with a hint, and no secret in it', async () => {
  for (const remote of [
    { url: `${base}/config.git`, token: 'wrong-token-123', allowInsecureHttp: true },
    { url: `${base}/config.git`, allowInsecureHttp: true },
  ]) {
    const error = await cache().fetch(remote).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof CapstanError && !(error instanceof TransientError) && !(error instanceof NotFoundError), String(error));
    const display = remote.token ? `http://***@${base.slice('http://'.length)}/config.git` : `${base}/config.git`;
    assert.ok(error.message.startsWith(`authentication failed for ${display}: check the token / key\n`), error.message);
    assert.ok(!error.message.includes('wrong-token-123'));
    assert.ok(!error.message.includes(TOKEN));
  }
});

test('plain http needs an explicit opt-in', async () => {
  await assert.rejects(cache().fetch({ url: `${base}/config.git`, token: TOKEN }), ValidationError);
});
