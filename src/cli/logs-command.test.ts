// `capstan logs`: the logs of an app's pods, read from the cluster with the kubeconfig, each line
// prefixed with the pod and the container (as stern prints them); with --follow, pods that start
// later are followed too.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Manifest } from '../core/index.ts';
import { createKubeClient, type KubeClient } from '../kube/index.ts';
import { startSandbox, type Sandbox } from '@capstan/sandbox';
import { commit, makeRepo } from '../source/testing.ts';
import { runCapstan, runWithClosedStdout, startCapstan, until, type Run } from './cli-testing.ts';

const web = (image: string): string => `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - { name: web, image: "${image}", ports: [{ name: http, containerPort: 80 }] }
        - { name: sidecar, image: "busybox:1.36" }
`;

const files = {
  'capstan.yaml': 'apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments:\n  - name: dev\napps:\n  - name: web\n    source: apps/web\n    namespace: web\n    createNamespace: true\n',
  'apps/web/web.yaml': web('nginx:1.27'),
  'apps/web/migrate.yaml': 'apiVersion: batch/v1\nkind: Job\nmetadata: { name: migrate }\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - { name: migrate, image: "busybox:1.36" }\n',
  'apps/web/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web-config }\ndata: { a: b }\n',
};

interface ContainerStatus {
  name: string;
  state?: { running?: { startedAt: string }; terminated?: { startedAt: string; finishedAt: string } };
}

/** The lines the sandbox logs for a container (see sandbox/controllers/pod-logs.ts), prefixed as capstan prints them. */
function expectedLines(pod: Manifest, container: string): string[] {
  const status = ((pod.status as { containerStatuses: ContainerStatus[] }).containerStatuses ?? []).find((s) => s.name === container)!;
  const at = status.state?.running?.startedAt ?? status.state!.terminated!.startedAt;
  const name = pod.metadata.name;
  const prefix = `${name} ${container} `;
  const image = container === 'web' ? ((pod.spec as { containers: { image: string }[] }).containers[0]!.image) : 'busybox:1.36';
  const lines = [`${at} sandbox: starting container "${container}" of pod web/${name} (image ${image})`];
  if (container === 'migrate') lines.push(`${at} sandbox: container "migrate" is doing its work`, `${status.state!.terminated!.finishedAt} sandbox: container "migrate" completed successfully (exit code 0)`);
  else {
    if (container === 'web') lines.push(`${at} sandbox: listening on 80/TCP (http)`);
    lines.push(`${at} sandbox: container "${container}" is ready`);
  }
  return lines.map((line) => `${prefix}${line}`);
}

describe('capstan logs', () => {
  let sandbox: Sandbox;
  let client: KubeClient;
  let work: string;
  let repo: string;
  let kubeconfig: string;
  const capstan = (args: string[]): Promise<Run> => runCapstan([...args, '--repo', repo, '--kubeconfig', kubeconfig], { cwd: work, env: { ...process.env, CAPSTAN_CACHE_DIR: path.join(work, 'cache') } });
  const pods = async (): Promise<Manifest[]> => (await client.list('v1', 'Pod', { namespace: 'web' })).items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));

  before(async () => {
    sandbox = await startSandbox({ port: 0, token: 'logs-test', podReadyDelayMs: 30 });
    client = await createKubeClient({ kubeconfig: sandbox.kubeconfig });
    work = mkdtempSync(path.join(os.tmpdir(), 'capstan-logs-'));
    kubeconfig = path.join(work, 'kubeconfig');
    writeFileSync(kubeconfig, sandbox.kubeconfig);
    repo = (await makeRepo(files)).dir;
  });
  after(async () => {
    client?.close();
    await sandbox?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('an app with nothing applied has no pods to show', async () => {
    const result = await capstan(['logs', 'web', '--env', 'dev']);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'error: app "web" in environment "dev" has nothing applied, so no pods: apply or sync it first\n');
  });

  test("prints every container of every pod the app's Deployment and Job own, each line prefixed with the pod and container", async () => {
    const applied = await capstan(['apply', 'web', '--env', 'dev']);
    assert.equal(applied.code, 0, applied.stderr);
    await until('the Job done', async () => ((await pods()).every((p) => (p.status as { phase?: string }).phase === 'Running' || (p.status as { phase?: string }).phase === 'Succeeded') ? true : undefined));
    const result = await capstan(['logs', 'web', '--env', 'dev']);
    assert.equal(result.code, 0, result.stderr);
    const expected = (await pods()).flatMap((pod) => (pod.metadata.name.startsWith('migrate') ? ['migrate'] : ['web', 'sidecar']).flatMap((c) => expectedLines(pod, c)));
    assert.equal(expected.length, 3 + 2 * 5);
    assert.equal(result.stdout, expected.map((l) => `${l}\n`).join(''));
  });

  test('--container picks one container, --tail the last lines of each', async () => {
    const result = await capstan(['logs', 'web', '--env', 'dev', '-c', 'web', '--tail', '1', '--since', '1h']);
    assert.equal(result.code, 0, result.stderr);
    const expected = (await pods()).filter((p) => p.metadata.name.startsWith('web-')).map((pod) => expectedLines(pod, 'web').at(-1));
    assert.equal(result.stdout, expected.map((l) => `${l}\n`).join(''));
    const none = await capstan(['logs', 'web', '--env', 'dev', '-c', 'nope']);
    assert.equal(none.code, 1);
    assert.equal(none.stderr, 'error: no pod of app "web" in environment "dev" has a container "nope": its pods have migrate, sidecar, web\n');
  });

  test('--follow follows the pods there are, then those a rollout starts; a closed stdout ends it', async () => {
    const env = { ...process.env, CAPSTAN_CACHE_DIR: path.join(work, 'cache') };
    const args = ['logs', 'web', '--env', 'dev', '-f', '-c', 'web', '--repo', repo, '--kubeconfig', kubeconfig];
    const following = startCapstan(args, { cwd: work, env });
    try {
      const before = (await pods()).filter((p) => p.metadata.name.startsWith('web-'));
      await until('the first pods followed', () => (before.every((pod) => following.stdout().includes(`${pod.metadata.name} web `)) ? true : undefined));
      await commit(repo, { 'apps/web/web.yaml': web('nginx:1.28') }, 'web: nginx 1.28');
      const applied = await capstan(['apply', 'web', '--env', 'dev']);
      assert.equal(applied.code, 0, applied.stderr);
      const started = await until('a pod of the rollout followed', async () => {
        const fresh = (await pods()).filter((p) => p.metadata.name.startsWith('web-') && !before.some((b) => b.metadata.uid === p.metadata.uid));
        return fresh.length > 0 && fresh.every((pod) => following.stdout().includes(`${pod.metadata.name} web `)) ? fresh : undefined;
      });
      for (const pod of started) assert.ok(following.stdout().includes(`${expectedLines(pod, 'web')[0]}\n`), following.stdout());
      assert.equal(following.stderr(), '');
    } finally {
      following.child.kill('SIGINT');
      await following.exited;
    }
    const closed = await runWithClosedStdout(args, { cwd: work, env });
    assert.deepEqual(closed, { code: 0, stderr: '' });
  });
});
