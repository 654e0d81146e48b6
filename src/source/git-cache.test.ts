import assert from 'node:assert/strict';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { CapstanError, NotFoundError, TransientError, ValidationError } from '../core/index.ts';
import { GitCache } from './index.ts';
import { commit, git, makeRepo, tempDir } from './testing.ts';

function cache(options: { keepTrees?: number } = {}): GitCache {
  return new GitCache({ dir: tempDir('capstan-cache-'), timeoutMs: 20_000, ...options });
}

test('a local path remote: branch, tag, HEAD, full and abbreviated SHA resolve to the full commit SHA', async () => {
  const { dir, sha: first } = await makeRepo({ 'a.yaml': 'a: 1\n' });
  await git(dir, 'tag', 'v1');
  await git(dir, 'tag', '-a', 'v1-annotated', '-m', 'release');
  const second = await commit(dir, { 'a.yaml': 'a: 2\n' });
  await git(dir, 'branch', 'feature', first);
  const c = cache();
  const remote = { url: dir };
  assert.equal(await c.resolveRevision(remote, 'main'), second);
  assert.equal(await c.resolveRevision(remote, 'refs/heads/main'), second);
  assert.equal(await c.resolveRevision(remote, 'HEAD'), second);
  assert.equal(await c.resolveRevision(remote, 'feature'), first);
  assert.equal(await c.resolveRevision(remote, 'v1'), first);
  assert.equal(await c.resolveRevision(remote, 'v1-annotated'), first, 'an annotated tag is peeled to its commit');
  assert.equal(await c.resolveRevision(remote, first), first);
  assert.equal(await c.resolveRevision(remote, first.toUpperCase()), first);
  assert.equal(await c.resolveRevision(remote, first.slice(0, 9)), first);
});

test('the default branch is the one the remote\'s HEAD names, also when it is not main', async () => {
  const { dir } = await makeRepo({ 'a.yaml': 'a: 1\n' });
  await git(dir, 'branch', 'trunk');
  await git(dir, 'switch', '--quiet', 'trunk');
  assert.equal(await cache().defaultBranch({ url: dir }), 'trunk');
});

test('a commit resolved once resolves again (a checkout of it) without another git process', async () => {
  const { dir, sha } = await makeRepo({ 'a.yaml': 'a: 1\n' });
  const c = cache();
  const remote = { url: dir };
  assert.equal(await c.resolveRevision(remote, 'main'), sha);
  const savedPath = process.env.PATH;
  process.env.PATH = ''; // any git process would fail to start now
  try {
    assert.equal(await c.resolveRevision(remote, sha, { fetch: 'never' }), sha);
    assert.equal(await c.resolveRevision(remote, sha.toUpperCase(), { fetch: 'if-missing' }), sha);
  } finally {
    process.env.PATH = savedPath;
  }
  // a commit it has not seen still goes to git
  const other = await commit(dir, { 'a.yaml': 'a: 2\n' });
  await assert.rejects(c.resolveRevision(remote, other, { fetch: 'never' }), NotFoundError);
});

test('a file:// remote works like a path', async () => {
  const { dir, sha } = await makeRepo({ 'a.yaml': 'a: 1\n' });
  const c = cache();
  const remote = { url: pathToFileURL(dir).href };
  assert.equal(await c.resolveRevision(remote, 'main'), sha);
  assert.equal(await c.readFile(remote, sha, 'a.yaml'), 'a: 1\n');
});

test('HEAD follows the remote default branch, even when it is not main', async () => {
  const { dir, sha } = await makeRepo({ 'a.yaml': 'a\n' });
  await git(dir, 'branch', '-m', 'main', 'trunk');
  const c = cache();
  assert.equal(await c.resolveRevision({ url: dir }, 'HEAD'), sha);
});

test('a revision that does not exist is a NotFoundError naming the revision and the remote', async () => {
  const { dir } = await makeRepo({ 'a.yaml': 'a\n' });
  const c = cache();
  await assert.rejects(c.resolveRevision({ url: dir }, 'no-such-branch'), (error: unknown) => {
    assert.ok(error instanceof NotFoundError);
    assert.equal(error.message, `revision "no-such-branch" not found in ${dir}`);
    return true;
  });
  await assert.rejects(c.resolveRevision({ url: dir }, 'deadbeef'), NotFoundError);
  await assert.rejects(c.resolveRevision({ url: dir }, '0'.repeat(40)), NotFoundError);
});

test('revisions that are options or revision syntax are refused before git sees them', async () => {
  const { dir } = await makeRepo({ 'a.yaml': 'a\n' });
  const c = cache();
  for (const bad of ['--upload-pack=touch /tmp/x', '-n', 'main~1', 'main^', 'HEAD:a.yaml', 'a..b', 'main@{1}', 'a b', '', 'x\ny']) {
    await assert.rejects(c.resolveRevision({ url: dir }, bad), ValidationError, JSON.stringify(bad));
  }
});

test('a name that is both a branch and a tag is ambiguous; the full ref name picks one', async () => {
  const { dir, sha: first } = await makeRepo({ 'a.yaml': 'a\n' });
  await git(dir, 'tag', 'prod');
  const second = await commit(dir, { 'a.yaml': 'b\n' });
  await git(dir, 'branch', 'prod', second);
  const c = cache();
  await assert.rejects(c.resolveRevision({ url: dir }, 'prod'), /revision "prod" is ambiguous in .*: both a branch and a tag have that name; use refs\/heads\/prod or refs\/tags\/prod/);
  assert.equal(await c.resolveRevision({ url: dir }, 'refs/tags/prod'), first);
  assert.equal(await c.resolveRevision({ url: dir }, 'refs/heads/prod'), second);
});

test('an incremental fetch picks up new commits and prunes deleted branches and tags', async () => {
  const { dir, sha: first } = await makeRepo({ 'a.yaml': 'a: 1\n' });
  await git(dir, 'branch', 'old');
  await git(dir, 'tag', 'gone');
  const c = cache();
  const remote = { url: dir };
  assert.equal(await c.resolveRevision(remote, 'main'), first);
  const second = await commit(dir, { 'a.yaml': 'a: 2\n' });
  await git(dir, 'branch', '-D', 'old');
  await git(dir, 'tag', '-d', 'gone');
  assert.equal(await c.resolveRevision(remote, 'main', { fetch: 'never' }), first, 'without a fetch the cache answers');
  await c.fetch(remote);
  assert.equal(await c.resolveRevision(remote, 'main', { fetch: 'never' }), second);
  await assert.rejects(c.resolveRevision(remote, 'old', { fetch: 'never' }), NotFoundError);
  await assert.rejects(c.resolveRevision(remote, 'gone', { fetch: 'never' }), NotFoundError);
  const third = await commit(dir, { 'a.yaml': 'a: 3\n' });
  assert.equal(await c.resolveRevision(remote, 'main', { fetch: 'always' }), third);
  const fourth = await commit(dir, { 'a.yaml': 'a: 4\n' });
  assert.equal(await c.resolveRevision(remote, fourth), fourth, 'an unknown SHA triggers one fetch (if-missing)');
});

test('never fetching an unfetched remote is a NotFoundError', async () => {
  const { dir } = await makeRepo({ 'a.yaml': 'a\n' });
  await assert.rejects(cache().resolveRevision({ url: dir }, 'main', { fetch: 'never' }), /revision "main" not found in .*: the remote has not been fetched yet/);
});

test('concurrent fetches of one remote, from one cache and from a second cache on the same dir, all succeed', async () => {
  const { dir } = await makeRepo({ 'a.yaml': 'a\n' });
  const cacheDir = tempDir('capstan-cache-');
  const a = new GitCache({ dir: cacheDir });
  const b = new GitCache({ dir: cacheDir });
  const remote = { url: dir };
  await Promise.all([a.fetch(remote), a.fetch(remote), a.fetch(remote), b.fetch(remote), b.fetch(remote)]);
  const sha = await commit(dir, { 'a.yaml': 'b\n' });
  await Promise.all([a.fetch(remote), b.fetch(remote)]);
  assert.equal(await a.resolveRevision(remote, 'main', { fetch: 'never' }), sha);
  assert.equal(readdirSync(cacheDir).length, 1, 'one cache directory per remote');
  assert.ok(!existsSync(path.join(cacheDir, readdirSync(cacheDir)[0], 'lock')), 'the lock file is released');
});

test('a checkout has the commit files, is read-only, and is reused for the same commit', async () => {
  const { dir, sha } = await makeRepo({ 'app/deploy.yaml': 'kind: Deployment\n', 'run.sh': '#!/bin/sh\n', 'link.yaml': { symlink: 'app/deploy.yaml' } });
  chmodSync(path.join(dir, 'run.sh'), 0o755);
  await commit(dir, { 'run.sh': '#!/bin/sh\necho\n' });
  chmodSync(path.join(dir, 'run.sh'), 0o755);
  const head = await commit(dir, {});
  const c = cache();
  const remote = { url: dir };
  const tree = await c.checkout(remote, 'main');
  assert.equal(path.basename(tree), head);
  assert.equal(readFileSync(path.join(tree, 'app/deploy.yaml'), 'utf8'), 'kind: Deployment\n');
  assert.equal(readFileSync(path.join(tree, 'link.yaml'), 'utf8'), 'kind: Deployment\n');
  assert.ok(!existsSync(path.join(tree, '.git')), 'no git metadata in a tree');
  assert.equal(statSync(path.join(tree, 'app/deploy.yaml')).mode & 0o777, 0o444);
  assert.equal(statSync(path.join(tree, 'app')).mode & 0o777, 0o555);
  assert.equal(statSync(tree).mode & 0o777, 0o555);
  const before = statSync(path.join(tree, 'app/deploy.yaml'));
  const [again, concurrent] = await Promise.all([c.checkout(remote, head), c.checkout(remote, head.slice(0, 10))]);
  assert.equal(again, tree);
  assert.equal(concurrent, tree);
  const after = statSync(path.join(tree, 'app/deploy.yaml'));
  assert.equal(after.ino, before.ino, 'the tree was reused, not re-created');
  assert.equal(after.ctimeMs, before.ctimeMs);
  const older = await c.checkout(remote, sha);
  assert.notEqual(older, tree);
  assert.equal(path.basename(older), sha);
});

test('trees beyond keepTrees are pruned, least recently used first', async () => {
  const { dir, sha: a } = await makeRepo({ 'f': '1' });
  const b = await commit(dir, { f: '2' });
  const c3 = await commit(dir, { f: '3' });
  const c = cache({ keepTrees: 2 });
  const remote = { url: dir };
  const treeA = await c.checkout(remote, a);
  await new Promise((r) => setTimeout(r, 20));
  const treeB = await c.checkout(remote, b);
  await new Promise((r) => setTimeout(r, 20));
  await c.checkout(remote, a); // a is now more recently used than b
  await new Promise((r) => setTimeout(r, 20));
  const treeC = await c.checkout(remote, c3);
  assert.ok(existsSync(treeA));
  assert.ok(!existsSync(treeB), 'the least recently used tree is gone');
  assert.ok(existsSync(treeC));
  assert.equal(await c.checkout(remote, b), treeB, 'a pruned tree is made again on demand');
  assert.equal(readFileSync(path.join(treeB, 'f'), 'utf8'), '2');
});

test('hooks, filters and config of the fetched repository (or the caller environment) never run', async () => {
  const marker = path.join(tempDir(), 'marker');
  const hook = `#!/bin/sh\ntouch '${marker}-$(basename "$0")'\n`;
  const { dir, sha } = await makeRepo({ '.gitattributes': '* filter=evil\n*.yaml filter=lfs diff=lfs merge=lfs\n', 'b.yaml': 'b: 1\n', '.githooks/post-checkout': hook });
  // The repository's own hooks and config are installed after committing, so only capstan meets them.
  for (const name of ['post-checkout', 'post-merge', 'reference-transaction', 'pre-auto-gc', 'post-index-change']) {
    writeFileSync(path.join(dir, '.git/hooks', name), hook, { mode: 0o755 });
  }
  chmodSync(path.join(dir, '.githooks/post-checkout'), 0o755);
  await git(dir, 'config', 'core.hooksPath', '.githooks');
  await git(dir, 'config', 'filter.evil.smudge', `touch '${marker}-smudge'; cat`);
  await git(dir, 'config', 'filter.evil.process', `touch '${marker}-process'`);
  await git(dir, 'config', 'filter.evil.required', 'true');
  await git(dir, 'config', 'core.fsmonitor', `touch '${marker}-fsmonitor'`);
  const saved = process.env.GIT_CONFIG_PARAMETERS;
  process.env.GIT_CONFIG_PARAMETERS = `'filter.evil.smudge'='touch ${marker}-env' 'core.hookspath'='${dir}/.git/hooks'`;
  try {
    const c = cache();
    const remote = { url: dir };
    const tree = await c.checkout(remote, sha);
    assert.equal(readFileSync(path.join(tree, 'b.yaml'), 'utf8'), 'b: 1\n', 'no filter changed the content');
    assert.equal(await c.readFile(remote, sha, 'b.yaml'), 'b: 1\n');
    await c.changedFiles(remote, sha.slice(0, 8), 'main');
    await c.fetch(remote);
    await c.checkout(remote, 'main');
  } finally {
    if (saved === undefined) delete process.env.GIT_CONFIG_PARAMETERS;
    else process.env.GIT_CONFIG_PARAMETERS = saved;
  }
  const ran = readdirSync(path.dirname(marker));
  assert.deepEqual(ran, [], `nothing ran: ${ran.join(', ')}`);
});

test('readFile reads at a commit, follows symlinks inside the repo, and refuses escapes', async () => {
  const { dir, sha: first } = await makeRepo({
    'apps/web/values.yaml': 'replicas: 1\n',
    'shared': { symlink: 'apps/web' },
    'values-link.yaml': { symlink: 'apps/web/values.yaml' },
    'up.yaml': { symlink: '../outside.yaml' },
    'abs.yaml': { symlink: '/etc/passwd' },
  });
  const second = await commit(dir, { 'apps/web/values.yaml': 'replicas: 3\n' });
  const c = cache();
  const remote = { url: dir };
  assert.equal(await c.readFile(remote, first, 'apps/web/values.yaml'), 'replicas: 1\n');
  assert.equal(await c.readFile(remote, second, 'apps/web/values.yaml'), 'replicas: 3\n');
  assert.equal(await c.readFile(remote, second, './apps//web/values.yaml'), 'replicas: 3\n');
  assert.equal(await c.readFile(remote, second, 'values-link.yaml'), 'replicas: 3\n');
  assert.equal(await c.readFile(remote, second, 'shared/values.yaml'), 'replicas: 3\n', 'through a symlinked directory');
  await assert.rejects(c.readFile(remote, second, 'up.yaml'), new ValidationError('symlink "up.yaml" points outside the repository'));
  await assert.rejects(c.readFile(remote, second, 'abs.yaml'), new ValidationError('symlink "abs.yaml" points outside the repository'));
  await assert.rejects(c.readFile(remote, second, '../x.yaml'), new ValidationError('path "../x.yaml" leaves the repository'));
  await assert.rejects(c.readFile(remote, second, 'apps/../../x.yaml'), new ValidationError('path "apps/../../x.yaml" leaves the repository'));
  await assert.rejects(c.readFile(remote, second, '/etc/passwd'), /path "\/etc\/passwd" is absolute/);
  await assert.rejects(c.readFile(remote, second, 'apps'), /path "apps" at [0-9a-f]{12} in .* is a directory, not a file/);
  await assert.rejects(c.readFile(remote, second, 'apps/web/missing.yaml'), (error: unknown) => {
    assert.ok(error instanceof NotFoundError);
    assert.equal(error.message, `file "apps/web/missing.yaml" not found at ${second.slice(0, 12)} in ${dir}`);
    return true;
  });
});

test('changedFiles lists what differs between two commits, both sides of a rename included', async () => {
  const { dir, sha: a } = await makeRepo({ 'apps/web/deploy.yaml': '1', 'apps/api/deploy.yaml': '1', 'README.md': 'x' });
  const b = await commit(dir, { 'apps/web/deploy.yaml': '2', 'apps/db/new.yaml': 'n' });
  const c = await commit(dir, { 'apps/api/deploy.yaml': null, 'apps/api/deployment.yaml': '1' });
  const gc = cache();
  const remote = { url: dir };
  assert.deepEqual(await gc.changedFiles(remote, a, b), ['apps/db/new.yaml', 'apps/web/deploy.yaml']);
  assert.deepEqual(await gc.changedFiles(remote, b, c), ['apps/api/deploy.yaml', 'apps/api/deployment.yaml']);
  assert.deepEqual(await gc.changedFiles(remote, a, 'main'), ['apps/api/deploy.yaml', 'apps/api/deployment.yaml', 'apps/db/new.yaml', 'apps/web/deploy.yaml']);
  assert.deepEqual(await gc.changedFiles(remote, c, c), []);
});

test('log lists commits newest first, optionally from a commit and for a path', async () => {
  const { dir, sha: a } = await makeRepo({ 'x/a': '1' });
  const b = await commit(dir, { 'y/b': '1' }, 'add b\n\nwith a body');
  const c = await commit(dir, { 'x/a': '2' }, 'change a');
  const gc = cache();
  const remote = { url: dir };
  const all = await gc.log(remote, 'main');
  assert.deepEqual(all.map((e) => e.sha), [c, b, a]);
  assert.equal(all[1].subject, 'add b');
  assert.equal(all[1].message, 'add b\n\nwith a body');
  assert.deepEqual(all[1].parents, [a]);
  assert.equal(all[1].author.name, 'Test');
  assert.equal(all[1].author.email, 'test@example.com');
  assert.match(all[1].author.date, /^\d{4}-\d\d-\d\dT/);
  assert.deepEqual(all[2].parents, []);
  assert.deepEqual((await gc.log(remote, 'main', { from: a })).map((e) => e.sha), [c, b]);
  assert.deepEqual((await gc.log(remote, 'main', { path: 'x' })).map((e) => e.sha), [c, a]);
  assert.deepEqual((await gc.log(remote, 'main', { maxCount: 1 })).map((e) => e.sha), [c]);
});

test('commit describes one commit by a full or abbreviated SHA, remembers it, and refuses what is not one', async () => {
  const { dir, sha: a } = await makeRepo({ 'x/a': '1' });
  const b = await commit(dir, { 'y/b': '1' }, 'add b\n\nwith a body');
  const gc = cache();
  const remote = { url: dir };
  await assert.rejects(gc.commit(remote, b), NotFoundError, 'never fetched: the cache has no commit');
  await gc.fetch(remote);
  const full = await gc.commit(remote, b);
  assert.deepEqual([full.sha, full.subject, full.author.name, full.author.email], [b, 'add b', 'Test', 'test@example.com']);
  assert.match(full.author.date, /^\d{4}-\d\d-\d\dT/);
  assert.equal((await gc.commit(remote, a.slice(0, 7).toUpperCase())).sha, a);
  await assert.rejects(gc.commit(remote, '0123456789abcdef0123456789abcdef01234567'), (error: unknown) => error instanceof NotFoundError && /^commit 0123456789abcdef0123456789abcdef01234567 not found in /.test(error.message));
  for (const bad of ['abc12', 'main', `${b}0`, '--all', 'HEAD~1', `${b.slice(0, 8)}^{tree}`]) {
    await assert.rejects(gc.commit(remote, bad), (error: unknown) => error instanceof ValidationError && error.message === `"${bad}" is not a commit SHA: 7 to 40 hexadecimal characters`, bad);
  }
  // a tree is no commit
  const tree = (await git(dir, 'rev-parse', `${b}^{tree}`)).trim();
  await assert.rejects(gc.commit(remote, tree), NotFoundError);
  // answers are remembered: with the cache's repository gone, the same SHA is still answered
  rmSync(path.join(gc.dir, readdirSync(gc.dir).find((n) => !n.startsWith('.'))!, 'repo.git'), { recursive: true, force: true });
  assert.equal((await gc.commit(remote, b)).subject, 'add b');
});

test('a remote that is not a repository is a NotFoundError', async () => {
  const missing = path.join(tempDir(), 'nope');
  await assert.rejects(cache().fetch({ url: missing }), (error: unknown) => {
    assert.ok(error instanceof NotFoundError);
    assert.match(error.message, new RegExp(`^repository not found: ${missing} \\(or no access to it\\)\n`));
    return true;
  });
});

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

test('an https remote that does not answer is a TransientError, and the token never appears', async () => {
  const port = await closedPort();
  const token = 'ghp_SuperSecretToken1234567890';
  for (const remote of [
    { url: `https://127.0.0.1:${port}/org/repo.git`, token },
    { url: `https://deploy:${token}@127.0.0.1:${port}/org/repo.git` },
    { url: `https://${token}@127.0.0.1:${port}/org/repo.git` },
  ]) {
    const error = await cache().fetch(remote).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof TransientError, String(error));
    assert.ok(!error.message.includes(token), error.message);
    assert.ok(!String(error.stack).includes(token));
    assert.match(error.message, new RegExp(`^git fetch https://\\*\\*\\*@127\\.0\\.0\\.1:${port}/org/repo\\.git failed: the remote did not answer\n`));
    assert.match(error.message, /Failed to connect|Connection refused|Couldn't connect/i, 'git stderr is included');
  }
});

test('an ssh remote with a key file that does not answer is a TransientError', async () => {
  const port = await closedPort();
  const key = path.join(tempDir(), "my key's file");
  writeFileSync(key, 'not a key', { mode: 0o600 });
  const error = await cache().fetch({ url: `ssh://git@127.0.0.1:${port}/org/repo.git`, sshKeyFile: key }).then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof TransientError, String(error));
  assert.match(error.message, /^git fetch ssh:\/\/git@127\.0\.0\.1:\d+\/org\/repo\.git failed: the remote did not answer\n.*connect to host 127\.0\.0\.1 port \d+: Connection refused/s);
});

test('a timeout kills git and is a TransientError', async () => {
  // A server that accepts and never answers.
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => sockets.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  try {
    const c = new GitCache({ dir: tempDir('capstan-cache-'), timeoutMs: 500 });
    const started = Date.now();
    await assert.rejects(c.fetch({ url: `https://127.0.0.1:${port}/repo.git`, token: 'secret-token-value' }), (error: unknown) => {
      assert.ok(error instanceof TransientError);
      assert.match(error.message, /^git fetch https:\/\/\*\*\*@127\.0\.0\.1:\d+\/repo\.git timed out after 500 ms/);
      assert.ok(!error.message.includes('secret-token-value'));
      return true;
    });
    assert.ok(Date.now() - started < 30_000, 'git was killed at the timeout, not left hanging'); // the server never answers
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
});

test('errors keep the CapstanError hierarchy', () => {
  assert.ok(new TransientError('x') instanceof CapstanError);
});
