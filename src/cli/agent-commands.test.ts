// The commands that talk to an agent, as users run them: `login` saves a context that `sync`,
// `get` and `wait` then use with no flag or variable; `get` shows the app and its object tree;
// `wait` ends when the app is as asked, or after its timeout saying what it still waited for.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { AppState } from '../agent/index.ts';
import { startSandbox, type Sandbox } from '@capstan/sandbox';
import { TokenStore } from '../server/index.ts';
import { git, makeRepo } from '../source/testing.ts';
import { startAgent, type RunningAgent } from './start-agent.ts';
import { until } from './cli-testing.ts';

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'capstan.js');
const tokens = { deploy: 'deploy-token-0123456789abcdef', read: 'read-token-0123456789abcdef' };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const deployment = (name: string, image: string, replicas: number): string => `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name} }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers:
        - { name: ${name}, image: "${image}" }
`;

/** `web` (automated): a ConfigMap and a Deployment of two pods; `manual` (sync: manual): one pod, never synced by itself. */
const files = {
  'capstan.yaml': `apiVersion: capstan.dev/v1alpha1
kind: Project
environments:
  - name: dev
apps:
  - name: web
    source: apps/web
    namespace: web
    createNamespace: true
  - name: manual
    source: apps/manual
    namespace: manual
    createNamespace: true
    environments:
      dev: { sync: manual }
`,
  'apps/web/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web-config }\ndata: { greeting: hello }\n',
  'apps/web/web.yaml': deployment('web', 'nginx:1.27', 2),
  'apps/manual/manual.yaml': deployment('manual', 'nginx:1.27', 1),
};

/** A port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('login, get, wait and sync against an agent', () => {
  let sandbox: Sandbox;
  let agent: RunningAgent;
  let work: string;
  let contextFile: string;
  let head: string;

  /** capstan with no server or token in its environment: only flags and the context file tell it which agent. */
  function capstan(args: string[], env: Record<string, string> = {}): Promise<Run> {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CAPSTAN_SERVER' && k !== 'CAPSTAN_TOKEN')) as Record<string, string>;
    return new Promise((resolve) => {
      execFile(process.execPath, [bin, ...args], { cwd: work, env: { ...clean, CAPSTAN_CONFIG: contextFile, ...env } }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }
  const state = async (app: string): Promise<AppState> =>
    (await (await fetch(`${agent.url}/api/v1/apps/dev/${app}`, { headers: { authorization: `Bearer ${tokens.read}` } })).json()) as AppState;

  before(async () => {
    sandbox = await startSandbox({ port: 0, token: 'agent-commands', podReadyDelayMs: 30 });
    work = mkdtempSync(path.join(os.tmpdir(), 'capstan-agent-commands-'));
    contextFile = path.join(work, 'config', 'capstan.json');
    writeFileSync(path.join(work, 'deploy.token'), `${tokens.deploy}\n`);
    writeFileSync(path.join(work, 'wrong.token'), 'not-a-token-of-this-agent\n');
    const repo = await makeRepo(files);
    head = await git(repo.dir, 'rev-parse', 'HEAD');
    agent = await startAgent({
      repo: { url: repo.dir },
      branch: 'main',
      envs: ['dev'],
      host: '127.0.0.1',
      port: 0,
      kubeconfig: sandbox.kubeconfig,
      tokens: new TokenStore([
        { name: 'ci', role: 'deploy', token: tokens.deploy },
        { name: 'viewer', role: 'read', token: tokens.read },
      ]),
      webhookSecrets: {},
      pollIntervalMs: 0,
      cacheDir: path.join(work, 'cache'),
      version: 'test',
    });
    await until('the first pass', async () => (agent.agent.ready() ? true : undefined));
    await until('web synced and healthy', async () => {
      const web = await state('web');
      return web.sync === 'Synced' && web.health === 'Healthy' ? true : undefined;
    });
  });
  after(async () => {
    await agent?.stop();
    await sandbox?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('login refuses a token the agent does not know, and saves one it knows as the current context', async () => {
    const wrong = await capstan(['login', '--server', agent.url, '--token-file', 'wrong.token']);
    assert.equal(wrong.code, 1);
    assert.equal(wrong.stderr, `error: the agent at ${agent.url} refused the token (the token is not valid): pass a token of its --tokens-file (or --tokens-secret)\n`);

    const host = new URL(agent.url).host;
    const ok = await capstan(['login', '--server', `${agent.url}/`, '--token-file', 'deploy.token']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, `logged in to ${agent.url} as "ci" (role deploy): context "${host}" saved in ${contextFile} and made current\n`);
    assert.equal(statSync(contextFile).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(readFileSync(contextFile, 'utf8')), { current: host, contexts: [{ name: host, server: agent.url, token: tokens.deploy }] });
  });

  test('get shows sync, health, revisions, the last sync and the object tree with health', async () => {
    const result = await capstan(['get', 'web', '--env', 'dev']);
    assert.equal(result.code, 0, result.stderr);
    const short = head.slice(0, 12);
    const [summary, tree] = result.stdout.split('\n\n');
    assert.match(
      summary!,
      new RegExp(
        [
          '^Name:               web',
          'Environment:        dev',
          'Sync Policy:        automated \\(prune\\)',
          'Sync Status:        Synced',
          'Health Status:      Healthy',
          `Applied Revision:   ${short}`,
          `Target Revision:    ${short}`,
          `Last Sync:          Succeeded \\d+s ago by \\S+ \\(\\S+\\) at ${short}: 3 created$`,
        ].join('\n'),
      ),
    );
    const lines = tree!.trimEnd().split('\n');
    assert.match(lines[0]!, /^KIND\/NAME +SYNC +HEALTH +MESSAGE$/);
    const rows = lines.slice(1).map((line) => line.split(/ {3,}/).join(' | '));
    assert.deepEqual(
      rows.map((row) => row.replace(/web-[0-9a-z]{10}(-[0-9a-z]{5})?\b/g, (name, pod: string | undefined) => (pod ? 'web-<rs>-<pod>' : 'web-<rs>'))),
      ['Namespace/web | Synced | Healthy', 'ConfigMap/web/web-config | Synced | Healthy', 'Deployment/web/web | Synced | Healthy', '└─ReplicaSet/web/web-<rs> | Healthy', '  ├─Pod/web/web-<rs>-<pod> | Healthy', '  └─Pod/web/web-<rs>-<pod> | Healthy'],
    );
  });

  test('get -o json is the agent state with the resources, each with what it owns', async () => {
    const result = await capstan(['get', 'web', '--env', 'dev', '-o', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const details = JSON.parse(result.stdout) as AppState & { resources: { key: { kind: string }; children?: { key: { kind: string }; health: string; children?: { key: { kind: string } }[] }[] }[] };
    assert.equal(details.app, 'web');
    assert.equal(details.revision, head);
    const web = details.resources.find((r) => r.key.kind === 'Deployment');
    assert.deepEqual(web?.children?.map((c) => [c.key.kind, c.health, c.children?.map((p) => p.key.kind)]), [['ReplicaSet', 'Healthy', ['Pod', 'Pod']]]);
  });

  test('get names a missing app and environment in one line', async () => {
    const missing = await capstan(['get', 'nope', '--env', 'dev']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'error: app "nope" is not in environment "dev"\n');
    const noEnv = await capstan(['get', 'web']);
    assert.equal(noEnv.code, 1);
    assert.equal(noEnv.stderr, "error: required option '--env <name>' not specified (capstan get --help lists the options)\n");
  });

  test('wait ends at once for an app that is synced and healthy', async () => {
    const result = await capstan(['wait', 'web', '--env', 'dev']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `web (dev): Synced, Healthy at ${head.slice(0, 12)}\n`);
  });

  test('wait times out with exit 1, naming what it still waits for', async () => {
    const result = await capstan(['wait', 'manual', '--env', 'dev', '--sync', '--timeout', '1s']);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `error: timed out after 1s waiting for app "manual" in environment "dev": sync is OutOfSync (applied nothing, target ${head.slice(0, 12)})\n`);
  });

  test('wait --sync ends when a sync (here: capstan sync, with the context) brings the app in sync; sync -o json is the sync report', async () => {
    const waiting = spawn(process.execPath, [bin, 'wait', 'manual', '--env', 'dev', '--sync', '--timeout', '10m'], {
      cwd: work,
      env: { ...process.env, CAPSTAN_SERVER: '', CAPSTAN_TOKEN: '', CAPSTAN_CONFIG: contextFile },
    });
    let out = '';
    waiting.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const exited = new Promise<number | null>((resolve) => waiting.on('exit', resolve));

    const sync = await capstan(['sync', 'manual', '--env', 'dev', '-o', 'json']);
    assert.equal(sync.code, 0, sync.stderr);
    const report = JSON.parse(sync.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(report).sort(), ['app', 'changes', 'counts', 'env', 'result', 'revision']);
    assert.deepEqual([report.app, report.env, report.revision, report.result], ['manual', 'dev', head, 'Succeeded']);
    assert.deepEqual(report.counts, { created: 2, configured: 0, unchanged: 0, deleted: 0, skipped: 0, failed: 0 });

    assert.equal(await exited, 0);
    assert.equal(out, `manual (dev): Synced, Healthy at ${head.slice(0, 12)}\n`);
  });

  test('$CAPSTAN_SERVER and --server override the context; an agent that does not answer is one line', async () => {
    const closed = await closedPort();
    const down = await capstan(['get', 'web', '--env', 'dev'], { CAPSTAN_SERVER: `http://127.0.0.1:${closed}` });
    assert.equal(down.code, 1);
    assert.equal(down.stderr, `error: cannot reach the agent at http://127.0.0.1:${closed} ($CAPSTAN_SERVER): ECONNREFUSED: is it running? Pass --server <url> or run capstan login\n`);
    const read = await capstan(['sync', 'web', '--env', 'dev', '--server', agent.url], { CAPSTAN_TOKEN: tokens.read });
    assert.equal(read.code, 1);
    assert.equal(read.stderr, `error: the agent at ${agent.url} refused (403): token "viewer" has role read; this needs role deploy\n`);
  });
});
