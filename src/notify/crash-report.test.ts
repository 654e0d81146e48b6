import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Manifest } from '../core/index.ts';
import { containerCrashes, maskSecretValues, readCrashLog, secretMask } from './index.ts';

const now = new Date('2024-05-01T12:00:00Z');

function pod(containerStatuses: unknown[], initContainerStatuses?: unknown[]): Manifest {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'web' }, status: { containerStatuses, ...(initContainerStatuses ? { initContainerStatuses } : {}) } };
}

const crashed = { terminated: { exitCode: 1, reason: 'Error', finishedAt: '2024-05-01T11:59:00Z', containerID: 'containerd://1' } };

test('each crash state is found, with its restarts, exit code and message', () => {
  const found = containerCrashes(
    pod(
      [
        { name: 'loop', restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } }, lastState: crashed },
        { name: 'config', restartCount: 0, state: { waiting: { reason: 'CreateContainerConfigError', message: 'secret "db" not found' } }, lastState: {} },
        { name: 'pull', restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "nope:1"' } } },
        { name: 'pull2', restartCount: 0, state: { waiting: { reason: 'ErrImagePull' } } },
        { name: 'oom', restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', containerID: 'containerd://2' } } },
        { name: 'fine', restartCount: 0, state: { running: { startedAt: '2024-05-01T11:00:00Z' } } },
        { name: 'starting', restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } },
      ],
      [{ name: 'init', restartCount: 1, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: crashed }],
    ),
    now,
  );
  assert.deepEqual(found, [
    { container: 'init', init: true, reason: 'CrashLoopBackOff', restartCount: 1, terminated: true, exitCode: 1 },
    { container: 'loop', init: false, reason: 'CrashLoopBackOff', restartCount: 3, terminated: true, exitCode: 1, message: 'back-off 40s' },
    { container: 'config', init: false, reason: 'CreateContainerConfigError', restartCount: 0, terminated: false, message: 'secret "db" not found' },
    { container: 'pull', init: false, reason: 'ImagePullBackOff', restartCount: 0, terminated: false, message: 'Back-off pulling image "nope:1"' },
    { container: 'pull2', init: false, reason: 'ErrImagePull', restartCount: 0, terminated: false },
    { container: 'oom', init: false, reason: 'OOMKilled', restartCount: 2, terminated: true, exitCode: 137 },
  ]);
});

test('an OOMKilled run counts while recent; a container running long after an old OOMKill is fine', () => {
  const status = (finishedAt: string): unknown[] => [{ name: 'app', restartCount: 1, state: { running: { startedAt: finishedAt } }, lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt, containerID: 'c' } } }];
  assert.equal(containerCrashes(pod(status('2024-05-01T11:58:00Z')), now)[0]?.reason, 'OOMKilled');
  assert.deepEqual(containerCrashes(pod(status('2024-05-01T09:00:00Z')), now), []);
});

test('every value of the app\'s Secrets is masked in the log lines: decoded, base64, line by line', () => {
  const pem = '-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END KEY-----';
  const secrets: Manifest[] = [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'web' }, data: { password: Buffer.from('hunter2-pass').toString('base64'), key: Buffer.from(pem).toString('base64'), short: Buffer.from('ab').toString('base64') } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'api', namespace: 'web' }, stringData: { token: 'tok_live_123456' } },
  ];
  const lines = [
    'connecting with password hunter2-pass to db',
    `env: PASSWORD=${Buffer.from('hunter2-pass').toString('base64')}`,
    'loaded MIIEvQIBADANBgkqhkiG9w0BAQEFAASC from disk',
    'Authorization: Bearer tok_live_123456',
    'about a cab',
  ];
  assert.deepEqual(maskSecretValues(lines, secrets), [
    `connecting with password ${secretMask} to db`,
    `env: PASSWORD=${secretMask}`,
    `loaded ${secretMask} from disk`,
    `Authorization: Bearer ${secretMask}`,
    'about a cab',
  ]);
});

test('the log of the run that crashed is read (previous), falling back to the current run', async () => {
  const asked: Array<{ previous?: boolean }> = [];
  const client = {
    async logs(_ns: string, _pod: string, options: { previous?: boolean }, onLine: (line: string) => void) {
      asked.push({ previous: options.previous });
      if (options.previous) throw new Error('previous terminated container "app" in pod "web-1" not found');
      for (const line of ['a', 'b', '']) onLine(line);
      return { stop() {}, done: Promise.resolve() };
    },
  };
  const crash = { container: 'app', init: false, reason: 'CrashLoopBackOff' as const, restartCount: 1, terminated: true };
  const read = await readCrashLog(client as never, pod([]), crash);
  assert.deepEqual(read, { lines: ['a', 'b'] });
  assert.deepEqual(asked, [{ previous: true }, { previous: undefined }]);
  const never = await readCrashLog({} as never, pod([]), crash);
  assert.deepEqual(never, { lines: [], note: 'this cluster client cannot read logs' });
});
