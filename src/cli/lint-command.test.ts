// `capstan lint` as users and CI run it: a child process on a config repo folder, no cluster.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bin, writeFolder } from './cli-testing.ts';


interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const project = (apps: string): string => `apiVersion: capstan.dev/v1alpha1
kind: Project
environments:
  - name: dev
  - name: prod
apps:
${apps}`;

const good = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec:
      securityContext: { runAsNonRoot: true }
      containers:
        - name: api
          image: ghcr.io/org/api:1.4.2
          resources: { requests: { cpu: 100m, memory: 64Mi }, limits: { cpu: "1", memory: 256Mi } }
          readinessProbe: { httpGet: { path: /ready, port: 8080 } }
          livenessProbe: { httpGet: { path: /live, port: 8080 } }
`;

// no probes and nginx:latest; the annotation turns the tag rule off for this object only
const sloppy = (annotation = ''): string =>
  good
    .replace('name: api\nspec', `name: api${annotation ? `\n  annotations: { capstan.dev/lint-disable: "${annotation}" }` : ''}\nspec`)
    .replace('ghcr.io/org/api:1.4.2', 'nginx:latest')
    .replace(/ {10}readinessProbe.*\n {10}livenessProbe.*\n/, '');

describe('capstan lint', () => {
  let work: string;
  let count = 0;

  before(() => {
    work = mkdtempSync(path.join(os.tmpdir(), 'capstan-lint-'));
  });
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  function repo(files: Record<string, string>): string {
    return writeFolder(path.join(work, `repo-${++count}`), files);
  }

  function lint(dir: string, ...args: string[]): Promise<Run> {
    return new Promise((resolve) => {
      execFile(process.execPath, [bin, 'lint', ...args, '--repo', dir], { cwd: dir, env: { ...process.env, CAPSTAN_CACHE_DIR: path.join(work, 'cache') } }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  test('exits 0 and says so when nothing is found', async () => {
    const result = await lint(repo({ 'capstan.yaml': project('  - { name: web, source: apps/web, namespace: web }\n'), 'apps/web/api.yaml': good }));
    assert.equal(result.stderr, '');
    assert.equal(result.code, 0);
    assert.equal(result.stdout, 'no findings in 2 renders (app and environment)\n');
  });

  test('lists each finding with app, environment, object, container, rule and fix, and exits 1', async () => {
    const apps = '  - { name: web, source: apps/web, namespace: web }\n  - { name: ok, source: apps/ok, namespace: ok }\n';
    const dir = repo({ 'capstan.yaml': project(apps), 'apps/web/api.yaml': sloppy(), 'apps/ok/api.yaml': good });
    const result = await lint(dir, 'web', '--env', 'prod');
    assert.equal(result.code, 1, result.stderr);
    assert.equal(
      result.stdout,
      [
        'web (prod) Deployment/web/api, container api: container-probes: has no readinessProbe: add one, so traffic and rollouts wait until the container is ready',
        'web (prod) Deployment/web/api, container api: container-probes: has no livenessProbe: add one, so a container that hangs is restarted',
        'web (prod) Deployment/web/api, container api: image-tag-latest: image "nginx:latest" is :latest: pin a version tag or a digest (images in capstan.yaml, or images.lockFile), so every node and every sync runs the same image',
        '3 findings in 1 render (app and environment): fix them, or turn a rule off with lint.disable in capstan.yaml or the annotation capstan.dev/lint-disable',
        '',
      ].join('\n'),
    );
    const unknown = await lint(dir, 'wbe');
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'error: unknown app "wbe"; did you mean "web"?: the project declares web, ok\n');
  });

  test('-o json prints the findings as a list', async () => {
    const dir = repo({ 'capstan.yaml': project('  - { name: web, source: apps/web, namespace: web, environments: { dev: } }\n'), 'apps/web/api.yaml': sloppy('container-probes') });
    const result = await lint(dir, '-o', 'json');
    assert.equal(result.code, 1, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), [
      {
        app: 'web',
        env: 'dev',
        object: 'Deployment/web/api',
        source: 'apps/web/api.yaml',
        container: 'api',
        rule: 'image-tag-latest',
        message: 'image "nginx:latest" is :latest: pin a version tag or a digest (images in capstan.yaml, or images.lockFile), so every node and every sync runs the same image',
      },
    ]);
  });

  test("capstan.yaml's lint.disable turns rules off for an app, and an environment's for that environment", async () => {
    const apps = `  - name: web
    source: apps/web
    namespace: web
    lint: { disable: [container-probes] }
    environments:
      dev:
        lint: { disable: [image-tag-latest] }
      prod:
`;
    const dir = repo({ 'capstan.yaml': project(apps), 'apps/web/api.yaml': sloppy() });
    const dev = await lint(dir, '--env', 'dev');
    assert.equal(dev.code, 0, dev.stdout + dev.stderr);
    const prod = await lint(dir, '--env', 'prod', '-o', 'json');
    assert.equal(prod.code, 1);
    assert.deepEqual((JSON.parse(prod.stdout) as Array<{ rule: string; env: string }>).map((f) => `${f.env} ${f.rule}`), ['prod image-tag-latest']);
  });
});
