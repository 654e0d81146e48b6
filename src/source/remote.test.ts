import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ValidationError } from '../core/index.ts';
import { credentialEnvironment, PASSWORD_VARIABLE, shellQuote, sshCommand, USERNAME_VARIABLE } from './credentials.ts';
import { gitInvocation } from './git-runner.ts';
import { parseRemote } from './index.ts';

const run = promisify(execFile);

test('remote kinds: local path, file://, https, ssh URL and scp-like', () => {
  const local = parseRemote({ url: 'some/dir' });
  assert.equal(local.kind, 'local');
  assert.equal(local.url, path.resolve('some/dir'));
  assert.equal(parseRemote({ url: 'file:///srv/git/config.git' }).url, 'file:///srv/git/config.git');
  assert.equal(parseRemote({ url: 'file:///srv/git/config.git' }).kind, 'file');
  const https = parseRemote({ url: 'https://GitHub.com/org/config.git' });
  assert.deepEqual([https.kind, https.url, https.display], ['https', 'https://github.com/org/config.git', 'https://github.com/org/config.git']);
  assert.equal(parseRemote({ url: 'ssh://git@github.com:2222/org/config.git' }).kind, 'ssh');
  const scp = parseRemote({ url: 'git@github.com:org/config.git' });
  assert.deepEqual([scp.kind, scp.url], ['ssh', 'git@github.com:org/config.git']);
  assert.equal(parseRemote({ url: './a:b' }).kind, 'local', 'a colon after a slash is a path, as in git');
  assert.match(parseRemote({ url: 'https://github.com/org/config.git' }).cacheName, /^github\.com-config-[0-9a-f]{16}$/);
});

test('credentials never reach the URL git gets, the display or the cache name', () => {
  const plain = parseRemote({ url: 'https://github.com/org/config.git' });
  const withToken = parseRemote({ url: 'https://github.com/org/config.git', token: 'ghp_secret' });
  const embedded = parseRemote({ url: 'https://bot:ghp_secret@github.com/org/config.git' });
  assert.equal(withToken.cacheName, plain.cacheName, 'the cache is per URL, never per token');
  assert.equal(embedded.cacheName, plain.cacheName);
  assert.equal(embedded.url, 'https://github.com/org/config.git');
  assert.equal(embedded.display, 'https://***@github.com/org/config.git');
  assert.deepEqual([embedded.username, embedded.token], ['bot', 'ghp_secret']);
  assert.deepEqual([withToken.username, withToken.display], ['x-access-token', 'https://***@github.com/org/config.git']);
  const { argv, env } = gitInvocation(['fetch', withToken.url], { remote: withToken });
  assert.ok(!argv.join(' ').includes('ghp_secret'), 'not in argv');
  assert.equal(env[PASSWORD_VARIABLE], 'ghp_secret');
  assert.equal(env[USERNAME_VARIABLE], 'x-access-token');
  assert.ok(env.GIT_ASKPASS);
  assert.equal(env.GIT_TERMINAL_PROMPT, '0');
  assert.equal(env.GIT_CONFIG_NOSYSTEM, '1');
  assert.ok(argv.includes('protocol.allow=never'));
  assert.ok(!argv.includes('protocol.http.allow=always'));
});

test('the askpass helper answers from the environment of its own process', async () => {
  const env = credentialEnvironment(parseRemote({ url: 'https://h/r.git', token: "to'k en$x", username: 'me' }));
  const ask = async (prompt: string): Promise<string> => (await run(env.GIT_ASKPASS, [prompt], { env: { ...process.env, ...env } })).stdout;
  assert.equal(await ask("Username for 'https://h': "), 'me\n');
  assert.equal(await ask("Password for 'https://me@h': "), "to'k en$x\n");
});

test('plain http, odd protocols and misplaced credentials are refused', () => {
  assert.throws(() => parseRemote({ url: 'http://git.local/r.git' }), /uses plain http: .*allow insecure http explicitly/);
  const http = parseRemote({ url: 'http://git.local/r.git', allowInsecureHttp: true });
  assert.ok(gitInvocation(['fetch'], { remote: http }).argv.includes('protocol.http.allow=always'));
  assert.throws(() => parseRemote({ url: 'ext::sh -c touch% /tmp/pwned' }), ValidationError);
  assert.throws(() => parseRemote({ url: 'git://host/r.git' }), /unsupported protocol "git"/);
  assert.throws(() => parseRemote({ url: 'ssh://-oProxyCommand=touch%20x/r' }), /host name cannot start with "-"/);
  assert.throws(() => parseRemote({ url: '-oProxyCommand=x:r' }), ValidationError);
  assert.throws(() => parseRemote({ url: 'https://h/r\n' + 'x' }), /control character/);
  assert.throws(() => parseRemote({ url: '' }), /remote URL is empty/);
  assert.throws(() => parseRemote({ url: 'git@h:r.git', token: 't' }), /a token is only used with https remotes/);
  assert.throws(() => parseRemote({ url: 'https://h/r.git', sshKeyFile: '/k' }), /only used with ssh remotes/);
  assert.throws(() => parseRemote({ url: 'ssh://u:pw@h/r.git' }), (e: unknown) => e instanceof ValidationError && !e.message.includes('pw@'));
});

test('the ssh command quotes the key and known_hosts paths for the shell git runs it with', async () => {
  const remote = { sshKeyFile: "/keys/it's a $key`x`", knownHostsFile: '/etc/ssh/known hosts' };
  const command = sshCommand(remote);
  assert.match(command, /^ssh -o BatchMode=yes -o ConnectTimeout=30 -i '.*' -o IdentitiesOnly=yes -o UserKnownHostsFile='\/etc\/ssh\/known hosts' -o StrictHostKeyChecking=yes$/);
  // The shell splits it back into exactly the intended words.
  const { stdout } = await run('sh', ['-c', `printf '%s\\n' ${command.slice('ssh '.length)}`]);
  assert.deepEqual(stdout.trimEnd().split('\n'), ['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=30', '-i', remote.sshKeyFile, '-o', 'IdentitiesOnly=yes', '-o', 'UserKnownHostsFile=/etc/ssh/known hosts', '-o', 'StrictHostKeyChecking=yes']);
  assert.equal(shellQuote("a'b"), `'a'\\''b'`);
  assert.match(sshCommand({}), /StrictHostKeyChecking=accept-new$/);
});
