import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { contextFilePath, readCliConfig, resolveAgentTarget, writeCliContext } from './cli-context.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'capstan-context-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the context file lives at $CAPSTAN_CONFIG, else under $XDG_CONFIG_HOME or ~/.config', () => {
  assert.equal(contextFilePath({ CAPSTAN_CONFIG: '/tmp/x.json' }), '/tmp/x.json');
  assert.equal(contextFilePath({ XDG_CONFIG_HOME: '/cfg' }), '/cfg/capstan/config.json');
  assert.equal(contextFilePath({}), path.join(os.homedir(), '.config', 'capstan', 'config.json'));
});

test('contexts are written for their owner only, replaced by name, and the newest is current', () => {
  const file = path.join(dir, 'a', 'config.json');
  writeCliContext({ name: 'up', server: 'http://127.0.0.1:8080/', token: 't1' }, { file });
  writeCliContext({ name: 'prod', server: 'https://capstan.example.com', token: 't2' }, { file });
  writeCliContext({ name: 'up', server: 'http://127.0.0.1:9090', token: 't3' }, { file, makeCurrent: false });
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(readCliConfig(file), {
    current: 'prod',
    contexts: [
      { name: 'prod', server: 'https://capstan.example.com', token: 't2' },
      { name: 'up', server: 'http://127.0.0.1:9090', token: 't3' },
    ],
  });
});

test('flags, then $CAPSTAN_SERVER and $CAPSTAN_TOKEN, then the context, then the default', () => {
  const file = path.join(dir, 'b', 'config.json');
  assert.deepEqual(resolveAgentTarget({}, {}, file), { server: 'http://127.0.0.1:8080', token: undefined, from: 'the default' });
  writeCliContext({ name: 'up', server: 'http://127.0.0.1:8181', token: 'from-context' }, { file });
  assert.deepEqual(resolveAgentTarget({}, {}, file), { server: 'http://127.0.0.1:8181', token: 'from-context', from: `context "up" of ${file}` });
  assert.deepEqual(resolveAgentTarget({}, { CAPSTAN_SERVER: 'http://other:1/', CAPSTAN_TOKEN: 'from-env' }, file), { server: 'http://other:1', token: 'from-env', from: '$CAPSTAN_SERVER' });
  const tokenFile = path.join(dir, 'token');
  writeFileSync(tokenFile, 'from-file\n');
  assert.deepEqual(resolveAgentTarget({ server: 'http://flag:2', tokenFile }, { CAPSTAN_TOKEN: 'from-env' }, file), { server: 'http://flag:2', token: 'from-file', from: '--server' });
  assert.throws(() => resolveAgentTarget({ context: 'prod' }, {}, file), { message: `no context "prod" in ${file}: it has up` });
  assert.throws(() => resolveAgentTarget({ tokenFile: path.join(dir, 'missing') }, {}, file), { message: `cannot read the token file ${path.join(dir, 'missing')}: ENOENT` });
  writeFileSync(file, '{ broken');
  assert.throws(() => resolveAgentTarget({}, {}, file), /is not valid JSON .*: fix it, or delete it and run capstan login again$/);
});
