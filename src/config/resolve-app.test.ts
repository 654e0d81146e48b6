import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { NotFoundError } from '../core/index.ts';
import { appsInEnvironment, parseProject, promotionOrder, resolveApp, type AppEnvironment, type Project } from './index.ts';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const full = (): Project => parseProject(readFileSync(path.join(testdata, 'full-project.yaml'), 'utf8'));

test('an app with no settings resolves to the defaults in every environment', () => {
  const project = parseProject('apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments: [{ name: dev }, { name: prod, cluster: prod }]\napps:\n  - { name: web, source: web, namespace: web }\n');
  const expected = (env: string, cluster?: string): AppEnvironment => ({
    name: 'web',
    env,
    ...(cluster === undefined ? {} : { cluster }),
    source: 'web',
    namespace: 'web',
    createNamespace: false,
    dependsOn: [],
    helm: { releaseName: 'web', valuesFiles: [], values: {} },
    images: [],
    ignoreDifferences: [],
    health: [],
    syncPolicy: { automated: true, prune: true, selfHeal: false, allowEmpty: false },
    syncOptions: { timeoutMs: 300_000, retry: { limit: 5, backoffMs: 5_000, maxBackoffMs: 180_000 } },
    syncWindows: [],
  });
  assert.deepEqual(resolveApp(project, 'web', 'dev'), expected('dev'));
  assert.deepEqual(resolveApp(project, 'web', 'prod'), expected('prod', 'prod'));
});

test('per-environment overrides apply on top of the app settings and defaults', () => {
  const project = full();
  const dev = resolveApp(project, 'guestbook', 'dev');
  assert.equal(dev.cluster, 'kind-dev', 'the environment context');
  assert.equal(dev.source, 'apps/guestbook/overlays/dev');
  assert.equal(dev.namespace, 'guestbook-dev');
  assert.deepEqual(dev.syncPolicy, { automated: true, prune: true, selfHeal: true, allowEmpty: false }, 'sync: auto; selfHeal from the app');
  assert.deepEqual(dev.images, [
    { name: 'nginx', newName: 'registry.example.com/nginx', newTag: '1.27-debug' },
    { name: 'ghcr.io/example/guestbook', digest: `sha256:${'a'.repeat(64)}` },
  ]);
  assert.deepEqual(dev.dependsOn, ['database'], 'cache is not deployed to dev, and what it depends on is kept');

  const staging = resolveApp(project, 'guestbook', 'staging');
  assert.equal(staging.cluster, 'staging');
  assert.equal(staging.source, 'apps/guestbook');
  assert.equal(staging.namespace, 'guestbook');
  assert.deepEqual(staging.syncPolicy, { automated: true, prune: true, selfHeal: true, allowEmpty: false });
  assert.deepEqual(staging.dependsOn, ['database', 'cache']);
  assert.equal(staging.createNamespace, true);
  assert.equal(staging.type, 'kustomize');
  assert.deepEqual(staging.syncOptions, { timeoutMs: 600_000, retry: { limit: 3, backoffMs: 10_000, maxBackoffMs: 300_000 } });

  const prod = resolveApp(project, 'guestbook', 'prod');
  assert.equal(prod.cluster, 'prod-eu-2', "the app's own context for this environment");
  assert.deepEqual(prod.syncPolicy, { automated: false, prune: false, selfHeal: true, allowEmpty: false });
  assert.deepEqual(prod.images, [
    { name: 'nginx', newName: 'registry.example.com/nginx', newTag: '1.27' },
    { name: 'ghcr.io/example/guestbook', newTag: 'v2.0.0' },
    { name: 'busybox', newName: 'registry.example.com/busybox' },
  ], 'a tag replaces the digest; new names are added');
  assert.equal(prod.syncWindows.length, 2);
  assert.equal(prod.syncWindows[0].timeZone, 'Europe/Berlin');

  const monitoring = resolveApp(project, 'monitoring', 'sandbox');
  assert.equal(monitoring.namespace, 'monitoring');
  assert.equal(monitoring.cluster, undefined, 'no context: the current one');
});

test('Helm values files are appended per environment and inline values merged after them', () => {
  const project = full();
  assert.deepEqual(resolveApp(project, 'database', 'dev').helm, {
    releaseName: 'db',
    valuesFiles: ['values.yaml', '../shared/common-values.yaml'],
    values: { primary: { persistence: { size: '8Gi', storageClass: 'standard' } }, tags: ['a', 'b'] },
  });
  assert.deepEqual(resolveApp(project, 'database', 'prod').helm, {
    releaseName: 'db',
    valuesFiles: ['values.yaml', '../shared/common-values.yaml', 'values-prod.yaml'],
    values: { primary: { persistence: { size: '100Gi', storageClass: 'standard' } }, tags: ['c'] },
  });
  const resolved = resolveApp(project, 'database', 'prod');
  (resolved.helm.values.primary as Record<string, unknown>).persistence = {};
  assert.deepEqual(resolveApp(project, 'database', 'prod').helm.values.primary, { persistence: { size: '100Gi', storageClass: 'standard' } }, 'results do not share state with the project');
});

test('unknown apps and environments, and environments an app is not deployed to, are clear errors', () => {
  const project = full();
  assert.throws(() => resolveApp(project, 'guestbok', 'dev'), {
    name: 'NotFoundError',
    message: 'unknown app "guestbok"; did you mean "guestbook"?: the project declares guestbook, database, cache, monitoring',
  });
  assert.throws(() => resolveApp(project, 'guestbook', 'qa'), {
    name: 'NotFoundError',
    message: 'unknown environment "qa": the project declares dev, staging, prod, prod-us, sandbox',
  });
  assert.throws(() => resolveApp(project, 'cache', 'dev'), {
    name: 'NotFoundError',
    message: 'app "cache" is not deployed to environment "dev": it lists only staging, prod under environments (add dev there to deploy it)',
  });
  assert.throws(() => appsInEnvironment(project, 'stagin'), (error: unknown) => error instanceof NotFoundError && /did you mean "staging"\?/.test(error.message));
});

test('apps of an environment come in dependency order, else in declaration order', () => {
  const project = full();
  const order = (env: string): string[] => appsInEnvironment(project, env).map((a) => a.name);
  assert.deepEqual(order('dev'), ['database', 'guestbook', 'monitoring']);
  assert.deepEqual(order('staging'), ['database', 'cache', 'guestbook']);
  assert.deepEqual(order('prod-us'), ['guestbook']);
  assert.deepEqual(order('sandbox'), ['monitoring']);

  const chain = parseProject(
    [
      'apiVersion: capstan.dev/v1alpha1',
      'kind: Project',
      'environments: [{ name: dev }, { name: prod }]',
      'apps:',
      '  - { name: frontend, source: f, namespace: n, dependsOn: [backend] }',
      '  - { name: docs, source: d, namespace: n }',
      '  - { name: backend, source: b, namespace: n, dependsOn: [queue, db] }',
      '  - { name: queue, source: q, namespace: n, dependsOn: [db], environments: { prod: } }',
      '  - { name: db, source: db, namespace: n }',
      '',
    ].join('\n'),
  );
  assert.deepEqual(appsInEnvironment(chain, 'prod').map((a) => a.name), ['docs', 'db', 'queue', 'backend', 'frontend']);
  assert.deepEqual(appsInEnvironment(chain, 'dev').map((a) => a.name), ['docs', 'db', 'backend', 'frontend']);
  assert.deepEqual(resolveApp(chain, 'backend', 'dev').dependsOn, ['db']);
});

test('promotion chains follow promotesFrom, branching where two environments promote from one', () => {
  assert.deepEqual(promotionOrder(full()), [
    ['dev', 'staging', 'prod'],
    ['dev', 'staging', 'prod-us'],
    ['sandbox'],
  ]);
  const reversed = parseProject(
    'apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments:\n  - { name: prod, promotesFrom: staging }\n  - { name: staging, promotesFrom: dev }\n  - { name: dev }\n',
  );
  assert.deepEqual(promotionOrder(reversed), [['dev', 'staging', 'prod']]);
});
