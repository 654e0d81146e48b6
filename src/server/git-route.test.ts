import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleGitRequest, type GitReceiveOptions } from './git-receive.ts';
import { gitProcesses, stalledPush, waitFor } from './git-testing.ts';
import { startTestServer, testTokens } from './testing.ts';

const basic = (password: string, user = 'git') => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('/git/*', () => {
  it('is not served without the git option', async () => {
    const t = await startTestServer();
    try {
      assert.equal((await t.call('/git/config/info/refs', { token: 'deploy' })).status, 404);
    } finally {
      await t.close();
    }
  });

  it('needs a deploy token, as bearer or as the basic-auth password, and challenges git for basic auth', async () => {
    const calls: { path: string; user?: string; body: string }[] = [];
    const t = await startTestServer({
      git: { reposDir: '/nonexistent', onPush() {} },
      handleGitRequest: async (req: IncomingMessage, res: ServerResponse, path: string, options: GitReceiveOptions) => {
        let body = '';
        for await (const chunk of req) body += String(chunk);
        calls.push({ path, user: options.user, body });
        res.writeHead(200, { 'content-type': 'application/x-git-receive-pack-result' });
        res.end('ok');
      },
    });
    try {
      const none = await t.call('/git/config/info/refs?service=git-receive-pack');
      assert.equal(none.status, 401);
      assert.equal(none.headers.get('www-authenticate'), 'Basic realm="capstan", Bearer realm="capstan"');
      assert.equal((await t.call('/git/config/info/refs', { headers: { authorization: basic('wrong-token-0123456789') } })).status, 401);
      assert.equal((await t.call('/git/config/info/refs', { headers: { authorization: basic(testTokens.read) } })).status, 403);
      assert.deepEqual(calls, []);

      const viaBasic = await t.call('/git/config/info/refs?service=git-receive-pack', { headers: { authorization: basic(testTokens.deploy, 'anyone') } });
      assert.equal(viaBasic.status, 200);
      const pack = await t.call('/git/config.git/git-receive-pack', {
        method: 'POST',
        headers: { authorization: `Bearer ${testTokens.admin}`, 'content-type': 'application/x-git-receive-pack-request' },
        body: '0000PACK-bytes',
      });
      assert.equal(pack.status, 200);
      assert.equal(await pack.text(), 'ok');
      assert.deepEqual(calls, [
        { path: 'config/info/refs', user: 'ci-bot', body: '' },
        { path: 'config.git/git-receive-pack', user: 'ops', body: '0000PACK-bytes' },
      ]);
    } finally {
      await t.close();
    }
  });

  it('refreshes the agent after a push to the watched branch, as caused by the pushing token and its commit, and calls the given onPush', async () => {
    const pushed: string[] = [];
    let updates = [{ ref: 'refs/heads/main', before: '0'.repeat(40), after: 'a'.repeat(40) }];
    const t = await startTestServer({
      branch: 'main',
      git: { reposDir: '/nonexistent', onPush: (repo, list) => pushed.push(`${repo}:${list.map((u) => u.ref).join(',')}`) },
      handleGitRequest: async (_req, res, _path, options) => {
        res.end();
        options.onPush('config', updates);
      },
    });
    try {
      const push = () => t.call('/git/config/git-receive-pack', { method: 'POST', token: 'deploy', body: '' });
      await push();
      assert.deepEqual(t.agent.refreshes, [{ trigger: 'push', ref: undefined, who: 'ci-bot', revision: 'a'.repeat(40) }]);
      updates = [{ ref: 'refs/heads/feature', before: '0'.repeat(40), after: 'b'.repeat(40) }];
      await push();
      assert.deepEqual(t.agent.refreshes.length, 1, 'a push to another branch does not refresh');
      assert.deepEqual(pushed, ['config:refs/heads/main', 'config:refs/heads/feature']);
    } finally {
      await t.close();
    }
  });
});

describe('git push through the server', () => {
  it('accepts a real `git push` with the token as the basic-auth password and refreshes the agent', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'capstan-git-route-'));
    // Asynchronous: the server answering the push runs in this process.
    const git = async (cwd: string, ...args: string[]) => (await promisify(execFile)('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', HOME: dir } })).stdout;
    const pushed: string[] = [];
    const t = await startTestServer({ branch: 'main', git: { reposDir: path.join(dir, 'repos'), onPush: (repo, updates) => pushed.push(`${repo} ${updates.map((u) => u.ref).join(',')}`) } });
    try {
      await git(dir, 'init', '--bare', '--initial-branch=main', path.join(dir, 'repos', 'config.git'));
      const work = path.join(dir, 'work');
      await git(dir, 'init', '--initial-branch=main', work);
      writeFileSync(path.join(work, 'capstan.yaml'), 'apps: []\n');
      await git(work, 'add', '.');
      await git(work, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-m', 'first');
      const remote = new URL(`${t.url}/git/config`);
      remote.username = 'anyone';
      remote.password = testTokens.read;
      await assert.rejects(git(work, 'push', remote.href, 'main'), /403/);
      remote.password = testTokens.deploy;
      await git(work, 'push', remote.href, 'main');
      for (const deadline = Date.now() + 30_000; t.agent.refreshes.length === 0 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(pushed, ['config refs/heads/main']);
      const head = (await git(work, 'rev-parse', 'main')).trim();
      assert.deepEqual(t.agent.refreshes, [{ trigger: 'push', ref: undefined, who: 'ci-bot', revision: head }], 'the token\'s name, not the basic-auth user name');
      assert.equal((await git(path.join(dir, 'repos', 'config.git'), 'rev-parse', 'main')).trim(), head);
    } finally {
      await t.close();
      rmSync(dir, { recursive: true, force: true, maxRetries: 10 }); // receive-pack may still run its `gc --auto` after it answered
    }
  });
});

describe('git requests and the server\'s life', () => {
  /** A bare repository `config.git` with one commit on main, in a fresh directory of repositories. */
  async function reposWithConfig(): Promise<{ dir: string; reposDir: string; head: string }> {
    const dir = mkdtempSync(path.join(tmpdir(), 'capstan-git-route-'));
    const run = async (cwd: string, ...args: string[]) => (await promisify(execFile)('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', HOME: dir } })).stdout.trim();
    const work = path.join(dir, 'work');
    await run(dir, 'init', '--initial-branch=main', work);
    writeFileSync(path.join(work, 'capstan.yaml'), 'apps: []\n');
    await run(work, 'add', '.');
    await run(work, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-m', 'first');
    await run(dir, 'clone', '--bare', work, path.join(dir, 'repos', 'config.git'));
    return { dir, reposDir: path.join(dir, 'repos'), head: await run(work, 'rev-parse', 'HEAD') };
  }

  it('closing the server ends a stalled push at once (503) instead of waiting for it', async () => {
    const repos = await reposWithConfig();
    let arrived = 0;
    const t = await startTestServer({
      git: { reposDir: repos.reposDir, onPush() {} },
      handleGitRequest: (req, res, gitPath, options) => {
        arrived += 1;
        return handleGitRequest(req, res, gitPath, options);
      },
    });
    try {
      const stalled = stalledPush(`${t.url}/git/config/git-receive-pack`, repos.head, { contentLength: 100_000, headers: { authorization: basic(testTokens.deploy) } });
      await waitFor('the stalled push to reach the git handler', () => arrived === 1);
      await t.close();
      assert.deepEqual(await stalled.answer, { status: 503, body: 'the agent is shutting down: try the git request again in a moment\n' });
      assert.deepEqual(gitProcesses(repos.reposDir), []);
    } finally {
      await t.close();
      rmSync(repos.dir, { recursive: true, force: true, maxRetries: 10 });
    }
  });

  it('a push cut by its time limit is answered 408 and logged at warn with the repo and the token\'s name', async () => {
    const repos = await reposWithConfig();
    const t = await startTestServer({ git: { reposDir: repos.reposDir, onPush() {}, timeoutMs: 200 } });
    try {
      const stalled = stalledPush(`${t.url}/git/config/git-receive-pack`, repos.head, { headers: { authorization: `Bearer ${testTokens.deploy}` } });
      const reason = 'the git request to "config" took longer than 200ms, the agent\'s --git-timeout (while its body was still arriving): it was ended; retry, or raise the limit';
      assert.deepEqual(await stalled.answer, { status: 408, body: `${reason}\n` });
      await waitFor('the warning', () => t.logs().includes('git request ended'));
      const line = JSON.parse(t.logs().split('\n').find((l) => l.includes('git request ended'))!) as Record<string, unknown>;
      assert.deepEqual([line.level, line.repo, line.endpoint, line.user, line.reason], [40, 'config', 'git-receive-pack', 'ci-bot', reason]);
    } finally {
      await t.close();
      rmSync(repos.dir, { recursive: true, force: true, maxRetries: 10 });
    }
  });
});
