// `capstan validate` as users and CI run it: a child process on a config repo folder, no cluster.
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

const webApp = `  - name: web
    source: apps/web
    namespace: web
`;

const deployment = (extra = ''): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports: [{ containerPort: 80 }]
${extra}`;

describe('capstan validate', () => {
  let work: string;
  let count = 0;

  before(() => {
    work = mkdtempSync(path.join(os.tmpdir(), 'capstan-validate-'));
  });
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** A config repo folder (not a git repository: validate reads the folder as it is). */
  function repo(files: Record<string, string>): string {
    return writeFolder(path.join(work, `repo-${++count}`), files);
  }

  function capstan(dir: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
    return new Promise((resolve) => {
      execFile(process.execPath, [bin, ...args, '--repo', dir], { cwd: dir, env: { ...process.env, CAPSTAN_CACHE_DIR: path.join(work, 'cache'), ...env } }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }
  const validate = (dir: string, ...args: string[]): Promise<Run> => capstan(dir, ['validate', ...args]);

  test('an environment capstan.yaml does not declare is an error of one line that names the declared ones', async () => {
    const dir = repo({ 'capstan.yaml': project(webApp), 'apps/web/web.yaml': deployment() });
    const ok = await validate(dir, '--env', 'prod');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^capstan\.yaml is valid: 1 apps, 2 environments; 1 renders, 1 objects$/m);
    const result = await validate(dir, '--env', 'nope');
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, 'error: unknown environment "nope": the project declares dev, prod\n');
  });

  test('health rules and ignore rules that a sync would refuse are reported with the line and field, all at once', async () => {
    const apps = `${webApp}    ignoreDifferences:
      - kind: Deployment
    health:
      - kind: Widget
        group: example.com
        rules:
          - condition: Ready
            status: "True"
            health: Healthy
`;
    const result = await validate(repo({ 'capstan.yaml': project(apps), 'apps/web/web.yaml': deployment() }));
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      [
        'error: capstan.yaml has 5 problems:',
        '  capstan.yaml:11:9: apps[0].ignoreDifferences[0]: ignores nothing: set jsonPointers or managedFieldsManagers',
        '  capstan.yaml:16:13: apps[0].health[0].rules[0].when: is required, a list of matches (use [] to always match)',
        '  capstan.yaml:16:24: apps[0].health[0].rules[0].condition: unknown field (expected status, when, message)',
        '  capstan.yaml:17:21: apps[0].health[0].rules[0].status: must be one of Healthy, Suspended, Progressing, Missing, Degraded, Unknown, got "True"',
        '  capstan.yaml:18:21: apps[0].health[0].rules[0].health: unknown field (expected status, when, message)',
        '',
      ].join('\n'),
    );
  });

  test('objects are checked against the Kubernetes schemas offline, as kubeconform does: every problem with its object, file and field', async () => {
    const broken = deployment().replace('replicas: 2', 'replicas: two').replace('ports: [{ containerPort: 80 }]', 'imagePullPolicy: Sometimes\n          ports: [{ containerPort: 80, portz: 8080 }]');
    const result = await validate(repo({ 'capstan.yaml': project(webApp), 'apps/web/web.yaml': broken }), '--env', 'dev');
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      [
        'error: 1 problem in the config repo:',
        '  - app "web" in environment "dev": the render has 3 problems:',
        '      apps/web/web.yaml: Deployment/web/web: spec.replicas: must be an integer, got string "two"',
        '      apps/web/web.yaml: Deployment/web/web: spec.template.spec.containers[0].imagePullPolicy: must be one of Always, IfNotPresent, Never, got string "Sometimes"',
        '      apps/web/web.yaml: Deployment/web/web: spec.template.spec.containers[0].ports[0].portz: unknown field (known fields here: containerPort, hostIP, hostPort, name, protocol)',
        '',
      ].join('\n'),
    );
  });

  test('a hook annotation a sync would refuse fails validate, naming the object and its file', async () => {
    const job = 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations: { capstan.dev/hook: Later }\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{ name: migrate, image: "migrate:1" }]\n';
    const result = await validate(repo({ 'capstan.yaml': project(webApp), 'apps/web/web.yaml': deployment(), 'apps/web/job.yaml': job }), '--env', 'dev');
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      'error: 1 problem in the config repo:\n  - app "web" in environment "dev": apps/web/job.yaml: Job/web/migrate: has an invalid capstan.dev/hook annotation "Later": it must be PreSync, Sync, PostSync, SyncFail or Skip\n',
    );
  });

  test('a custom resource whose CRD is not in the render passes validate and render, and the summary says apply checks it', async () => {
    const rollout = 'apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: { name: web }\nspec: { replicas: 2 }\n';
    const dir = repo({ 'capstan.yaml': project(webApp), 'apps/web/web.yaml': deployment(), 'apps/web/rollout.yaml': rollout });
    const result = await validate(dir, '--env', 'dev');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout,
      [
        'capstan.yaml is valid: 1 apps, 2 environments; 1 renders, 2 objects',
        "1 object checked against Kubernetes 1.36's schemas or the CRD in the same render",
        '1 custom resource (argoproj.io/Rollout) not checked offline: its CRD is not in the render; apply checks it',
        '',
      ].join('\n'),
    );
    const both = await validate(dir);
    assert.match(both.stdout, /^2 custom resources \(argoproj\.io\/Rollout\) not checked offline: their CRDs are not in the render; apply checks them$/m);
    const rendered = await capstan(dir, ['render', 'web', '--env', 'dev']);
    assert.equal(rendered.code, 0, rendered.stderr);
    assert.match(rendered.stdout, /^apiVersion: argoproj\.io\/v1alpha1\nkind: Rollout\nmetadata:\n {2}name: web\n {2}namespace: web\n/m);
  });

  test('without an age key, a SOPS file is checked as far as it can be, the rest of its object too, and validate says whose values were not', async () => {
    const { encryptSops } = await import('../render/index.ts');
    const { generateIdentity, identityToRecipient } = await import('age-encryption');
    const key = await generateIdentity();
    const recipients = [await identityToRecipient(key)];
    const secret = (extra = ''): Promise<string> =>
      encryptSops(`apiVersion: v1\nkind: Secret\nmetadata:\n    name: web-credentials\n${extra}stringData:\n    password: not-a-real-one\n`, 'apps/web/secret.sops.yaml', {
        recipients,
        encryptedRegex: '^(data|stringData)$',
      });
    const files = { 'capstan.yaml': project(webApp), 'apps/web/web.yaml': deployment(), 'apps/web/secret.sops.yaml': await secret() };
    const noKey = { SOPS_AGE_KEY: '', SOPS_AGE_KEY_FILE: '' };
    const validateWith = (env: Record<string, string>, dir: string, ...args: string[]): Promise<Run> => capstan(dir, ['validate', ...args], env);
    const without = await validateWith(noKey, repo(files));
    assert.equal(without.code, 0, without.stderr);
    assert.equal(
      without.stdout,
      [
        'capstan.yaml is valid: 1 apps, 2 environments; 2 renders, 4 objects',
        "4 objects checked against Kubernetes 1.36's schemas or the CRD in the same render",
        '1 SOPS file checked without its values, as no age key is configured (set SOPS_AGE_KEY_FILE or SOPS_AGE_KEY to check them too): apps/web/secret.sops.yaml',
        '',
      ].join('\n'),
    );
    const withKey = await validateWith({ SOPS_AGE_KEY: key, SOPS_AGE_KEY_FILE: '' }, repo(files));
    assert.equal(withKey.code, 0, withKey.stderr);
    assert.doesNotMatch(withKey.stdout, /SOPS file/);

    const clearProblem = await validateWith(noKey, repo({ ...files, 'apps/web/secret.sops.yaml': await secret('type: Opaque\nimmutable: sometimes\n') }), '--env', 'dev');
    assert.equal(clearProblem.code, 1);
    assert.equal(
      clearProblem.stderr,
      'error: 1 problem in the config repo:\n  - app "web" in environment "dev": apps/web/secret.sops.yaml: Secret/web/web-credentials: immutable: must be a boolean\n',
    );
    const tampered = (await secret()).replace(/^( {4}mac: ENC\[AES256_GCM,data:)/m, '$1!');
    const broken = await validateWith(noKey, repo({ ...files, 'apps/web/secret.sops.yaml': tampered }), '--env', 'dev');
    assert.equal(broken.code, 1);
    assert.equal(broken.stderr, 'error: 1 problem in the config repo:\n  - app "web" in environment "dev": apps/web/secret.sops.yaml has a SOPS MAC that is not a well-formed ENC[...] value\n');
  });

  test('an app whose files are all of a kind capstan does not render fails validate, naming them, instead of passing with nothing', async () => {
    const dir = repo({ 'capstan.yaml': project(webApp), 'apps/web/main.jsonnet': '{}', 'apps/web/web.libsonnet': '{}' });
    const result = await validate(dir, '--env', 'dev');
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      'error: 1 problem in the config repo:\n  - app "web" in environment "dev": apps/web: renders no objects: none of its files is of a type capstan renders (main.jsonnet, web.libsonnet); capstan renders .yaml, .yml, .json files, a kustomization, a Helm chart (Chart.yaml) or the pins layout (images_path): render other formats (such as Jsonnet) to YAML first; if the app is meant to render nothing, set syncPolicy.allowEmpty\n',
    );
  });
});
