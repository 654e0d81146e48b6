// `capstan up` in process: what it says when something is in the way (a port, a broken app).
// The whole first hour from a fresh clone is up-fresh-clone.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { up } from './up-command.ts';

describe('capstan up', () => {
  let work: string;
  let busy: Server;
  let busyPort: number;
  const cwd = process.cwd();

  before(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'capstan-up-'));
    process.chdir(work);
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as { port: number }).port;
  });
  after(() => {
    process.chdir(cwd);
    busy?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const options = (name: string, ports: { port?: number; sandboxPort?: number } = {}) => ({
    dir: path.join(work, name),
    port: ports.port ?? 0,
    sandboxPort: ports.sandboxPort ?? 0,
    env: 'dev',
    contextFile: path.join(work, `${name}-config.json`),
  });

  test('a port in use names the option that changes it', async () => {
    const lines: string[] = [];
    await assert.rejects(up(options('sandbox-port', { sandboxPort: busyPort }), (line) => lines.push(line)), {
      message: `port ${busyPort} (the sandbox API server) is already in use: stop what listens there, or choose another port with --sandbox-port (e.g. capstan up --sandbox-port ${busyPort + 1})`,
    });
    await assert.rejects(up(options('port', { port: busyPort }), (line) => lines.push(line)), {
      message: `port ${busyPort} (the agent's HTTP API) is already in use: stop what listens there, or choose another port with --port (e.g. capstan up --port ${busyPort + 1})`,
    });
    assert.deepEqual(lines, ['capstan 0.1.0 up in sandbox-port (log: sandbox-port/capstan.log)', 'capstan 0.1.0 up in port (log: port/capstan.log)']);
  });

  test('an app that cannot be synced is not reported as reconciled: its state and why are shown, and the summary says so', async (t) => {
    // a helm that does not exist: the redis chart cannot be rendered, and api depends on redis
    const saved = process.env.CAPSTAN_HELM;
    process.env.CAPSTAN_HELM = path.join(work, 'no-such-helm');
    t.after(() => (saved === undefined ? delete process.env.CAPSTAN_HELM : (process.env.CAPSTAN_HELM = saved)));
    const lines: string[] = [];
    const stop = await up(options('broken'), (line) => lines.push(line));
    await stop();
    const report = lines.slice(lines.indexOf('') + 1, lines.findIndex((l) => l.startsWith('capstan is up')) + 1);
    assert.deepEqual(report, [
      '  web        Synced     Healthy',
      '  guestbook  Synced     Healthy',
      '  redis      Unknown    Unknown',
      `      charts/redis cannot be rendered: ${process.env.CAPSTAN_HELM} does not exist; install helm v3 (https://helm.sh/docs/intro/install/) or set CAPSTAN_HELM to the helm binary`,
      '  api        OutOfSync  Missing',
      '      app "api" depends on "redis", which has never been synced to environment "dev": apply it first (or use --all, which applies apps in dependency order)',
      '  shop       Synced     Healthy',
      '  orders     Synced     Healthy',
      'capstan is up, but 2 of the 6 apps of environment "dev" are not Synced and Healthy (redis, api: why is under each); the agent keeps reconciling, and a fix pushed to the config repo is applied at once',
    ]);
  });
});
