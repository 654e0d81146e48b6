import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { backendConfig, backendEnvironment } from './http-backend.ts';
import { startHttpBackend, type HttpBackendRequest } from './index.ts';
import { git, makeRepo, tempDir } from './testing.ts';

const request: HttpBackendRequest = { method: 'GET', pathInfo: '/example.git/info/refs', query: 'service=git-receive-pack', contentType: '', remoteAddr: '127.0.0.1' };

test('backendConfig: hooks never run, receive-pack is served, no dumb-HTTP files, branches only fast-forward unless allowed', () => {
  const settings = (argv: string[]): string[] => argv.filter((_, i) => argv[i - 1] === '-c');
  const strict = settings(backendConfig());
  for (const s of ['core.hooksPath=/dev/null', 'http.receivepack=true', 'http.getanyfile=false', 'receive.denyNonFastForwards=true', 'receive.denyDeletes=true']) assert.ok(strict.includes(s), s);
  const loose = settings(backendConfig({ allowForcePush: true, allowDeletes: true }));
  assert.ok(loose.includes('receive.denyNonFastForwards=false') && loose.includes('receive.denyDeletes=false'));
});

test("backendEnvironment: the request's CGI variables, none inherited, no GIT_* steering, Git-Protocol only when well-formed", (t) => {
  const saved = { ...process.env };
  t.after(() => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  });
  Object.assign(process.env, { REMOTE_USER: 'mallory', HTTP_X: '1', GIT_CONFIG_PARAMETERS: "'core.hooksPath'='/tmp'", PATH_INFO: '/other.git' });
  const env = backendEnvironment('/srv/git', { ...request, gitProtocol: 'version=2' });
  assert.equal(env.REMOTE_USER, undefined);
  assert.equal(env.HTTP_X, undefined);
  assert.equal(env.GIT_CONFIG_PARAMETERS, undefined);
  assert.equal(env.PATH_INFO, '/example.git/info/refs');
  assert.equal(env.GIT_PROJECT_ROOT, '/srv/git');
  assert.equal(env.HTTP_GIT_PROTOCOL, 'version=2');
  assert.equal(env.GIT_CONFIG_GLOBAL, '/dev/null');
  const odd = backendEnvironment('/srv/git', { ...request, gitProtocol: 'version=2\nX: y', remoteUser: 'ci' });
  assert.equal(odd.HTTP_GIT_PROTOCOL, undefined);
  assert.equal(odd.REMOTE_USER, 'ci');
});

test("startHttpBackend: git http-backend answers with CGI headers and the repository's refs", async () => {
  const { dir, sha } = await makeRepo({ 'a.yaml': 'a: 1\n' });
  const root = tempDir();
  await git(root, 'clone', '--quiet', '--bare', dir, path.join(root, 'example.git'));
  const child = startHttpBackend({ projectRoot: root, request, input: false });
  assert.equal(child.stdin, null);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0);
  assert.match(out, /^Content-Type: application\/x-git-receive-pack-advertisement\r?\n/m);
  assert.match(out, new RegExp(`${sha} refs/heads/main`));
});
