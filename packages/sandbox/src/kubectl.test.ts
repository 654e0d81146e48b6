import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { startSandbox, type Sandbox } from './index.ts';
import { eventually, kubectl, kubectlSkip, tempDir, writeTemp } from './testing.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const appDir = path.join(here, 'testdata', 'app');

describe('kubectl against the sandbox', { skip: kubectlSkip }, () => {
  let sandbox: Sandbox;
  let dir: string;
  let kubeconfig: string;
  const k = (args: string[], input?: string) => kubectl(kubeconfig, args, { input });

  async function namespace(name: string): Promise<string> {
    const result = await k(['apply', '--server-side', '-f', '-'], `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`);
    assert.equal(result.code, 0, result.stderr);
    return name;
  }

  before(async () => {
    dir = tempDir();
    kubeconfig = path.join(dir, 'kubeconfig');
    sandbox = await startSandbox({ port: 0, token: 'test-token', kubeconfigOut: kubeconfig, podReadyDelayMs: 100 });
  });
  after(async () => {
    await sandbox.stop();
  });

  test('apply --server-side of a directory creates a Deployment, Service, ConfigMap, CRD and custom resource', async () => {
    const ns = await namespace('apply-dir');
    // like on a real cluster, a custom resource can only be mapped once its CRD exists
    const crd = await k(['apply', '--server-side', '-f', path.join(appDir, 'crd.yaml')]);
    assert.equal(crd.code, 0, crd.stderr);
    assert.match(crd.stdout, /customresourcedefinition.apiextensions.k8s.io\/widgets.example.capstan.dev serverside-applied/);
    const result = await k(['apply', '--server-side', '-n', ns, '-f', appDir]);
    assert.equal(result.code, 0, result.stderr);
    for (const line of [
      'configmap/web-config serverside-applied',
      'deployment.apps/web serverside-applied',
      'service/web serverside-applied',
      'widget.example.capstan.dev/gizmo serverside-applied',
    ]) {
      assert.ok(result.stdout.includes(line), `missing "${line}" in:\n${result.stdout}`);
    }
    const widgets = await k(['get', 'widgets', '-n', ns]);
    assert.equal(widgets.code, 0, widgets.stderr);
    assert.match(widgets.stdout, /^NAME\s+SIZE\s+AGE\ngizmo\s+3\s+\d+s\n$/);
  });

  test('get prints tables and -o yaml returns the object with server fields', async () => {
    const ns = await namespace('get-table');
    assert.equal((await k(['apply', '--server-side', '-n', ns, '-f', path.join(appDir, 'configmap.yaml'), '-f', path.join(appDir, 'service.yaml')])).code, 0);
    const table = await k(['get', 'configmaps,services', '-n', ns]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /NAME\s+DATA\s+AGE/);
    assert.match(table.stdout, /configmap\/web-config\s+2\s+\d+s/);
    assert.match(table.stdout, /NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE/);
    assert.match(table.stdout, /service\/web\s+ClusterIP\s+10\.96\.\d+\.\d+\s+<none>\s+80\/TCP\s+\d+s/);
    const yaml = await k(['get', 'configmap', 'web-config', '-n', ns, '-o', 'yaml', '--show-managed-fields']);
    assert.equal(yaml.code, 0, yaml.stderr);
    const object = parseYaml(yaml.stdout) as { metadata: Record<string, unknown>; data: Record<string, string> };
    assert.deepEqual(object.data, { colour: 'blue', greeting: 'hello' });
    assert.match(String(object.metadata.uid), /^[0-9a-f-]{36}$/);
    assert.match(String(object.metadata.resourceVersion), /^\d+$/);
    assert.equal((object.metadata.managedFields as { manager: string; operation: string }[])[0].manager, 'kubectl');
  });

  test('rollout status completes once the pods are ready', async () => {
    const ns = await namespace('rollout');
    assert.equal((await k(['apply', '--server-side', '-n', ns, '-f', path.join(appDir, 'deployment.yaml')])).code, 0);
    const status = await k(['rollout', 'status', 'deployment/web', '-n', ns, '--timeout=30s']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /deployment "web" successfully rolled out/);
    const pods = await k(['get', 'pods', '-n', ns, '-l', 'app=web']);
    assert.equal(pods.stdout.trim().split('\n').filter((l) => /\s1\/1\s+Running\s+0\s/.test(l)).length, 2, pods.stdout);
    // a new image rolls out through a new ReplicaSet
    const changed = readFileSync(path.join(appDir, 'deployment.yaml'), 'utf8').replace('nginx:1.27', 'nginx:1.28');
    const file = writeTemp(tempDir(), 'deployment.yaml', changed);
    assert.equal((await k(['apply', '--server-side', '-n', ns, '-f', file])).code, 0);
    const second = await k(['rollout', 'status', 'deployment/web', '-n', ns, '--timeout=30s']);
    assert.equal(second.code, 0, second.stderr);
    const rs = await k(['get', 'replicasets', '-n', ns, '-o', 'json']);
    const sets = (JSON.parse(rs.stdout) as { items: { spec: { replicas: number } }[] }).items.map((i) => i.spec.replicas).sort();
    assert.deepEqual(sets, [0, 2]);
  });

  test('diff --server-side exits 0 without a change and 1 with one', async () => {
    const ns = await namespace('diff');
    const file = path.join(appDir, 'configmap.yaml');
    assert.equal((await k(['apply', '--server-side', '-n', ns, '-f', file])).code, 0);
    const same = await k(['diff', '--server-side', '-n', ns, '-f', file]);
    assert.equal(same.code, 0, `${same.stdout}${same.stderr}`);
    assert.equal(same.stdout, '');
    const changed = writeTemp(tempDir(), 'cm.yaml', readFileSync(file, 'utf8').replace('colour: blue', 'colour: green'));
    const different = await k(['diff', '--server-side', '-n', ns, '-f', changed]);
    assert.equal(different.code, 1, different.stderr);
    assert.match(different.stdout, /-\s+colour: blue\n\+\s+colour: green/);
    // diff is a dry run: nothing changed
    const live = await k(['get', 'configmap', 'web-config', '-n', ns, '-o', 'jsonpath={.data.colour}']);
    assert.equal(live.stdout, 'blue');
  });

  test('a conflicting apply by a second field manager fails, and --force-conflicts takes the field', async () => {
    const ns = await namespace('conflict');
    const file = path.join(appDir, 'configmap.yaml');
    assert.equal((await k(['apply', '--server-side', '-n', ns, '-f', file])).code, 0);
    const other = writeTemp(tempDir(), 'cm.yaml', readFileSync(file, 'utf8').replace('colour: blue', 'colour: purple'));
    const conflict = await k(['apply', '--server-side', '--field-manager', 'ci-bot', '-n', ns, '-f', other]);
    assert.equal(conflict.code, 1);
    assert.match(conflict.stderr, /Apply failed with 1 conflict: conflict with "kubectl": \.data\.colour/);
    const forced = await k(['apply', '--server-side', '--field-manager', 'ci-bot', '--force-conflicts', '-n', ns, '-f', other]);
    assert.equal(forced.code, 0, forced.stderr);
    const live = await k(['get', 'configmap', 'web-config', '-n', ns, '-o', 'json', '--show-managed-fields']);
    const object = JSON.parse(live.stdout) as { data: Record<string, string>; metadata: { managedFields: { manager: string; fieldsV1: Record<string, Record<string, unknown>> }[] } };
    assert.equal(object.data.colour, 'purple');
    const byManager = Object.fromEntries(object.metadata.managedFields.map((m) => [m.manager, Object.keys(m.fieldsV1['f:data'] ?? {})]));
    assert.ok(byManager['ci-bot'].includes('f:colour'));
    assert.ok(!byManager.kubectl.includes('f:colour'));
  });

  test('removing a field from the applied file removes it from the object', async () => {
    const ns = await namespace('remove-field');
    const work = tempDir();
    const file = writeTemp(work, 'deployment.yaml', readFileSync(path.join(appDir, 'deployment.yaml'), 'utf8'));
    assert.equal((await k(['apply', '--server-side', '-n', ns, '-f', file])).code, 0);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\s+env:\n\s+- name: MODE\n\s+value: production/, '').replace(/\s+labels:\n\s+app: web\nspec:/, '\nspec:'));
    assert.equal((await k(['apply', '--server-side', '-n', ns, '-f', file])).code, 0);
    const live = JSON.parse((await k(['get', 'deployment', 'web', '-n', ns, '-o', 'json'])).stdout) as {
      metadata: { labels?: Record<string, string> };
      spec: { template: { spec: { containers: { env?: unknown }[] } } };
    };
    assert.equal(live.spec.template.spec.containers[0].env, undefined);
    assert.equal(live.metadata.labels, undefined);
  });

  test('deleting a namespace removes its contents', async () => {
    const ns = await namespace('doomed');
    assert.equal((await k(['apply', '--server-side', '-n', ns, '-f', path.join(appDir, 'deployment.yaml'), '-f', path.join(appDir, 'configmap.yaml')])).code, 0);
    await eventually(async () => ((await k(['get', 'pods', '-n', ns, '-o', 'name'])).stdout.trim().split('\n').length === 2 ? true : undefined), 30_000, 'pods');
    const deleted = await k(['delete', 'namespace', ns, '--timeout=30s']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /namespace "doomed" deleted/);
    const gone = await k(['get', 'namespace', ns]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /namespaces "doomed" not found/);
    for (const kind of ['deployments', 'replicasets', 'pods', 'configmaps']) {
      const left = await k(['get', kind, '-n', ns, '-o', 'name']);
      assert.equal(left.stdout, '', `${kind} left in a deleted namespace`);
    }
  });

  test('logs of a crash-looping pod', async () => {
    const ns = await namespace('crash');
    const pod = `apiVersion: v1
kind: Pod
metadata:
  name: broken
spec:
  containers:
    - name: app
      image: busybox:crashloop
`;
    assert.equal((await k(['apply', '--server-side', '-n', ns, '-f', '-'], pod)).code, 0);
    const table = await eventually(async () => {
      const out = (await k(['get', 'pod', 'broken', '-n', ns])).stdout;
      return /CrashLoopBackOff/.test(out) ? out : undefined;
    }, 30_000, 'CrashLoopBackOff');
    assert.match(table, /broken\s+0\/1\s+CrashLoopBackOff\s+\d+/);
    const logs = await k(['logs', 'broken', '-n', ns]);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /crash/i);
  });

  test('get -w sees changes as they happen', async () => {
    const ns = await namespace('watching');
    const child = spawn('kubectl', ['--kubeconfig', kubeconfig, 'get', 'configmaps', '-n', ns, '-w', '--output-watch-events'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    try {
      await eventually(() => (out.includes('kube-root-ca.crt') || out.includes('NAME') || out === '' ? true : undefined), 5_000);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal((await k(['apply', '--server-side', '-n', ns, '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched\ndata:\n  a: "1"\n')).code, 0);
      await eventually(() => (/ADDED\s+watched/.test(out) ? true : undefined), 30_000, 'ADDED event');
      assert.equal((await k(['patch', 'configmap', 'watched', '-n', ns, '-p', '{"data":{"b":"2"}}'])).code, 0);
      await eventually(() => (/MODIFIED\s+watched\s+2/.test(out) ? true : undefined), 30_000, 'MODIFIED event');
      assert.equal((await k(['delete', 'configmap', 'watched', '-n', ns])).code, 0);
      await eventually(() => (/DELETED\s+watched/.test(out) ? true : undefined), 30_000, 'DELETED event');
    } finally {
      child.kill();
    }
  });

  test('typed create commands send protobuf, and what they create reads back', async () => {
    const ns = await namespace('typed-create');
    const created = [
      await k(['create', 'configmap', 'settings', '-n', ns, '--from-literal=colour=blue', '--from-literal=size=large']),
      await k(['create', 'deployment', 'web', '-n', ns, '--image=nginx:1.27', '--replicas=2']),
      await k(['create', 'secret', 'generic', 's', '-n', ns, '--from-literal=password=hunter2']),
      await k(['create', 'serviceaccount', 'builder', '-n', ns]),
    ];
    for (const result of created) assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      created.map((r) => r.stdout.trim()),
      ['configmap/settings created', 'deployment.apps/web created', 'secret/s created', 'serviceaccount/builder created'],
    );
    const get = async <T>(kind: string, name: string): Promise<T> => {
      const result = await k(['get', kind, name, '-n', ns, '-o', 'json']);
      assert.equal(result.code, 0, result.stderr);
      return JSON.parse(result.stdout) as T;
    };
    const configMap = await get<{ data: Record<string, string> }>('configmap', 'settings');
    assert.deepEqual(configMap.data, { colour: 'blue', size: 'large' });
    const deployment = await get<{
      metadata: { labels: Record<string, string> };
      spec: { replicas: number; selector: unknown; template: { spec: { containers: { name: string; image: string }[] } } };
    }>('deployment', 'web');
    assert.deepEqual(deployment.metadata.labels, { app: 'web' });
    assert.equal(deployment.spec.replicas, 2);
    assert.deepEqual(deployment.spec.selector, { matchLabels: { app: 'web' } });
    assert.deepEqual(
      deployment.spec.template.spec.containers.map((c) => [c.name, c.image]),
      [['nginx', 'nginx:1.27']],
    );
    const secret = await get<{ type: string; data: Record<string, string> }>('secret', 's');
    assert.equal(secret.type, 'Opaque');
    assert.equal(Buffer.from(secret.data.password, 'base64').toString('utf8'), 'hunter2');
    const account = await get<{ metadata: { name: string; uid: string } }>('serviceaccount', 'builder');
    assert.equal(account.metadata.name, 'builder');
    assert.match(account.metadata.uid, /^[0-9a-f-]{36}$/);
    const status = await k(['rollout', 'status', 'deployment/web', '-n', ns, '--timeout=30s']);
    assert.equal(status.code, 0, status.stderr);
  });

  test('create of a manifest over the 3 MiB body limit fails as on a real API server, and the next command works', async () => {
    const ns = await namespace('too-large');
    const file = writeTemp(dir, 'big.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n  namespace: ${ns}\ndata:\n  a: ${'x'.repeat(4 * 1024 * 1024)}\n`);
    const result = await k(['create', '-f', file]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `Error from server (RequestEntityTooLarge): error when creating "${file}": Request entity too large: limit is 3145728\n`);
    const next = await k(['get', 'configmaps', '-n', ns, '-o', 'name']);
    assert.equal(next.code, 0, next.stderr);
    assert.equal(next.stdout, '');
  });
});

describe('sandbox process with --data', { skip: kubectlSkip }, () => {
  const bin = path.join(here, '..', '..', '..', 'bin', 'capstan.js');
  let child: ChildProcess | undefined;

  function startProcess(dataFile: string, kubeconfig: string, port: number): Promise<string> {
    return new Promise((resolve, reject) => {
      child = spawn(process.execPath, [bin, 'sandbox', '--port', String(port), '--data', dataFile, '--kubeconfig-out', kubeconfig, '--token', 'persist'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('ready at')) resolve(out);
      });
      child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
      child.on('exit', (code) => reject(new Error(`sandbox exited with ${code}: ${err}`)));
    });
  }

  function stopProcess(signal: NodeJS.Signals): Promise<void> {
    return new Promise((resolve) => {
      if (!child || child.exitCode !== null) return resolve();
      child.removeAllListeners('exit');
      child.on('exit', () => resolve());
      child.kill(signal);
    });
  }

  after(() => stopProcess('SIGKILL'));

  test('a restart on the same --data file still has every object, even after SIGKILL', async () => {
    const dir = tempDir();
    const dataFile = path.join(dir, 'state', 'sandbox.db');
    const kubeconfig = path.join(dir, 'kubeconfig');
    const port = 20000 + Math.floor(Math.random() * 20000);
    const ready = await startProcess(dataFile, kubeconfig, port);
    assert.match(ready, /^capstan sandbox ready at https:\/\/127\.0\.0\.1:\d+ data: .*sandbox\.db kubeconfig: .*kubeconfig\n$/);
    const k = (args: string[], input?: string) => kubectl(kubeconfig, args, { input });
    assert.equal((await k(['apply', '--server-side', '-f', '-'], 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: keep\n')).code, 0);
    const applied = await k(['apply', '--server-side', '-n', 'keep', '-f', path.join(appDir, 'configmap.yaml'), '-f', path.join(appDir, 'deployment.yaml')]);
    assert.equal(applied.code, 0, applied.stderr);
    await eventually(async () => ((await k(['get', 'pods', '-n', 'keep', '-o', 'name'])).stdout.trim().split('\n').length === 2 ? true : undefined), 30_000, 'pods');
    const before = JSON.parse((await k(['get', 'all,configmaps', '-n', 'keep', '-o', 'json'])).stdout) as { items: { metadata: { uid: string } }[] };
    // SIGKILL: no chance to flush anything that was not already on disk
    await stopProcess('SIGKILL');
    await startProcess(dataFile, kubeconfig, port);
    const afterRestart = JSON.parse((await k(['get', 'all,configmaps', '-n', 'keep', '-o', 'json'])).stdout) as { items: { metadata: { uid: string } }[] };
    assert.deepEqual(
      afterRestart.items.map((i) => i.metadata.uid).sort(),
      before.items.map((i) => i.metadata.uid).sort(),
    );
    assert.ok(before.items.length >= 5, `expected deployment, replicaset, 2 pods and a configmap, got ${before.items.length}`);
    await stopProcess('SIGTERM');
  });
});
