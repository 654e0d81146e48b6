import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CapstanError, TimeoutError, ValidationError, type Manifest } from '../core/index.ts';
import { findHelm, renderHelmChart, type HelmRenderOptions } from './helm.ts';
import type { RenderedObject } from './types.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const charts = path.join(here, 'testdata', 'helm');
const webDir = path.join(charts, 'web');

const helm = await findHelm();
const helmSkip: string | false = helm
  ? false
  : 'helm not found: run `npm run setup-tools` (npm test does) or set CAPSTAN_HELM to run the helm rendering tests';

function render(overrides: Partial<HelmRenderOptions> = {}): Promise<RenderedObject[]> {
  return renderHelmChart({
    chartDir: webDir,
    chartPath: 'apps/web',
    releaseName: 'shop',
    namespace: 'storefront',
    valuesFiles: [],
    values: {},
    ...overrides,
  });
}

function find(objects: RenderedObject[], kind: string, name: string): Manifest {
  const found = objects.find((o) => o.manifest.kind === kind && o.manifest.metadata.name === name);
  assert.ok(found, `no ${kind}/${name} in ${objects.map((o) => `${o.manifest.kind}/${o.manifest.metadata.name}`).join(', ')}`);
  return found.manifest;
}

function summary(objects: RenderedObject[]): string[] {
  return objects.map((o) => `${o.source} ${o.manifest.kind}/${o.manifest.metadata.namespace ?? ''}/${o.manifest.metadata.name}`);
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail('expected the render to fail');
}

describe('findHelm', () => {
  test('CAPSTAN_HELM wins over everything and is returned as set', async () => {
    assert.equal(await findHelm({ CAPSTAN_HELM: '/opt/tools/helm-3.17', PATH: '/usr/bin' }), '/opt/tools/helm-3.17');
  });

  test('what it finds by default is a working helm v3', { skip: helmSkip }, async () => {
    const { stdout } = await promisify(execFile)(helm!, ['version', '--template', '{{.Version}}']);
    assert.match(stdout, /^v3\.\d+\.\d+$/);
  });
});

describe('renderHelmChart without helm', () => {
  test('a helm binary that does not exist says to install helm or set CAPSTAN_HELM', async () => {
    const error = await rejection(render({ helmBinary: '/nonexistent/bin/helm' }));
    assert.ok(error instanceof CapstanError);
    assert.equal(
      error.message,
      'apps/web cannot be rendered: /nonexistent/bin/helm does not exist; install helm v3 (https://helm.sh/docs/intro/install/) or set CAPSTAN_HELM to the helm binary',
    );
  });

  test('a relative values file is refused before helm runs (helm would also take a URL)', async () => {
    const error = await rejection(render({ valuesFiles: ['values-prod.yaml'], helmBinary: '/nonexistent/bin/helm' }));
    assert.ok(error instanceof ValidationError);
    assert.equal(error.message, 'apps/web values file "values-prod.yaml" must be an absolute path');
  });

  test('a dependency missing from charts/ is fetched from its repository (by capstan, helm stays offline); a fetch that fails names the chart, the dependency and the repository', async () => {
    // checked before helm is looked for: the message is the same with or without helm
    const asked: string[] = [];
    const offline = (async (url: URL) => {
      asked.push(String(url));
      throw new TypeError('fetch failed', { cause: { code: 'ENOTFOUND' } });
    }) as unknown as typeof fetch;
    const cacheDir = mkdtempSync(path.join(tmpdir(), 'capstan-chart-cache-'));
    const error = await rejection(
      renderHelmChart({ chartDir: path.join(charts, 'broken-deps'), chartPath: 'apps/orders', releaseName: 'orders', namespace: 'orders', valuesFiles: [], values: {}, helmBinary: '/nonexistent/bin/helm', charts: { fetch: offline, cacheDir } }),
    );
    rmSync(cacheDir, { recursive: true, force: true });
    // common is vendored (charts/common-2.1.0.tgz): only postgresql is fetched, by its exact version's tag
    assert.deepEqual(asked, ['https://registry.example.invalid/v2/charts/postgresql/manifests/15.5.38']);
    assert.equal(
      error.message,
      'apps/orders: dependency "postgresql" of apps/orders: chart postgresql 15.5.38 from oci://registry.example.invalid/charts: postgresql 15.5.38: the manifest: cannot reach https://registry.example.invalid/v2/charts/postgresql/manifests/15.5.38 (ENOTFOUND)',
    );
  });

  test('a directory without Chart.yaml is not a chart', async () => {
    const error = await rejection(render({ chartDir: path.join(webDir, 'templates'), chartPath: 'apps/web/templates' }));
    assert.equal(error.message, 'apps/web/templates is not a Helm chart: apps/web/templates/Chart.yaml does not exist');
  });
});

describe('renderHelmChart with helm', { skip: helmSkip }, () => {
  test('renders every object with its release name, namespace and chart-relative source; hooks mapped, test and delete hooks dropped', async () => {
    const objects = await render();
    assert.deepEqual(summary(objects), [
      'apps/web: crds/widgets.yaml CustomResourceDefinition//widgets.example.capstan.dev',
      'apps/web: templates/configmap.yaml ConfigMap/storefront/shop-web',
      'apps/web: templates/service.yaml Service/storefront/shop-web',
      'apps/web: templates/deployment.yaml Deployment/storefront/shop-web',
      'apps/web: templates/hooks.yaml Job/storefront/shop-web-migrate',
      'apps/web: templates/hooks.yaml#1 Job/storefront/shop-web-smoke',
    ]);
    const deployment = find(objects, 'Deployment', 'shop-web');
    assert.equal(deployment.metadata.labels?.['app.kubernetes.io/instance'], 'shop');
    assert.deepEqual((deployment.spec as { selector: unknown }).selector, { matchLabels: { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': 'shop' } });
  });

  test('CRDs from crds/ are included', async () => {
    const crd = find(await render(), 'CustomResourceDefinition', 'widgets.example.capstan.dev');
    assert.equal((crd.spec as { group: string }).group, 'example.capstan.dev');
  });

  test('pre-install/pre-upgrade become PreSync with the hook weight as wave; post-* become PostSync and keep an explicit wave', async () => {
    const objects = await render();
    assert.deepEqual(find(objects, 'Job', 'shop-web-migrate').metadata.annotations, {
      'helm.sh/hook': 'pre-install,pre-upgrade',
      'helm.sh/hook-weight': '-5',
      'helm.sh/hook-delete-policy': 'before-hook-creation',
      'capstan.dev/hook': 'PreSync',
      'capstan.dev/sync-wave': '-5',
    });
    assert.deepEqual(find(objects, 'Job', 'shop-web-smoke').metadata.annotations, {
      'helm.sh/hook': 'post-install,post-upgrade',
      'helm.sh/hook-weight': '7',
      'capstan.dev/sync-wave': '1',
      'capstan.dev/hook': 'PostSync',
    });
    const names = objects.map((o) => o.manifest.metadata.name);
    assert.ok(!names.includes('shop-web-test-connection'), 'the test hook must be dropped');
    assert.ok(!names.includes('shop-web-drop-schema'), 'the pre-delete hook must be dropped');
  });

  test('values files apply in order, then inline values, merged deeply', async () => {
    const prod = path.join(webDir, 'values-prod.yaml');
    const eu = path.join(webDir, 'values-eu.yaml');
    const data = (objects: RenderedObject[]) => find(objects, 'ConfigMap', 'shop-web').data as Record<string, string>;
    const replicas = (objects: RenderedObject[]) => (find(objects, 'Deployment', 'shop-web').spec as { replicas: number }).replicas;

    const defaults = await render();
    assert.equal(replicas(defaults), 1);
    assert.equal(data(defaults).LOG_LEVEL, 'info');

    const prodThenEu = await render({ valuesFiles: [prod, eu] });
    assert.equal(replicas(prodThenEu), 4);
    assert.deepEqual(data(prodThenEu), { LOG_LEVEL: 'warn', REGION: 'eu-west', KUBE_VERSION: 'v1.32.0', CACHE_TTL: '60s', FEATURE_SEARCH: 'on' });

    assert.equal(replicas(await render({ valuesFiles: [eu, prod] })), 3);

    const inline = await render({ valuesFiles: [prod, eu], values: { replicaCount: 5, config: { CACHE_TTL: '5m' } } });
    assert.equal(replicas(inline), 5);
    assert.deepEqual(data(inline), { LOG_LEVEL: 'warn', REGION: 'eu-west', KUBE_VERSION: 'v1.32.0', CACHE_TTL: '5m', FEATURE_SEARCH: 'on' });
  });

  test('--kube-version and --api-versions reach Capabilities', async () => {
    const objects = await render({ kubeVersion: 'v1.29.4', apiVersions: ['monitoring.coreos.com/v1/ServiceMonitor'] });
    assert.equal((find(objects, 'ConfigMap', 'shop-web').data as Record<string, string>).KUBE_VERSION, 'v1.29.4');
    assert.equal(find(objects, 'ServiceMonitor', 'shop-web').apiVersion, 'monitoring.coreos.com/v1');
    assert.ok(!(await render()).some((o) => o.manifest.kind === 'ServiceMonitor'));
  });

  test('a vendored subchart renders from charts/ with values from the parent, offline', async () => {
    const shop = (values: Record<string, unknown>) =>
      renderHelmChart({ chartDir: path.join(charts, 'shop'), chartPath: 'apps/shop', releaseName: 'shop', namespace: 'storefront', valuesFiles: [], values });
    const objects = await shop({});
    assert.deepEqual(summary(objects), [
      'apps/shop: charts/cache/templates/service.yaml Service/storefront/shop-cache',
      'apps/shop: charts/cache/templates/service.yaml#1 Service/storefront/shop-cache-metrics',
      'apps/shop: templates/deployment.yaml Deployment/storefront/shop',
      'apps/shop: charts/cache/templates/statefulset.yaml StatefulSet/storefront/shop-cache',
    ]);
    const statefulSet = find(objects, 'StatefulSet', 'shop-cache');
    assert.equal(statefulSet.metadata.labels?.team, 'storefront');
    assert.deepEqual((statefulSet.spec as { template: { spec: { containers: { args: string[] }[] } } }).template.spec.containers[0].args, ['--maxmemory', '256mb']);
    // the dependency's condition still works
    assert.deepEqual(summary(await shop({ cache: { enabled: false } })), ['apps/shop: templates/deployment.yaml Deployment/storefront/shop']);
  });

  test('a template error shows helm’s message with the chart', async () => {
    const error = await rejection(render({ values: { image: { tag: null } } }));
    assert.ok(error instanceof ValidationError);
    assert.equal(error.message, 'apps/web helm template failed: Error: execution error at (web/templates/deployment.yaml:20:52): image.tag is required');
  });

  test('a broken values file is reported by its repo-relative path, not the checkout’s absolute one', async () => {
    const error = await rejection(render({ valuesFiles: [path.join(webDir, 'values-broken.yaml')] }));
    assert.equal(
      error.message,
      "apps/web helm template failed: Error: failed to parse apps/web/values-broken.yaml: error converting YAML to JSON: yaml: line 1: did not find expected ',' or ']'",
    );
  });

  test('inline values never appear in an error, even when a template prints them', async () => {
    const secret = 'hunter2-"s3cr3t"';
    const error = await rejection(render({ values: { logLevel: secret } }));
    assert.equal(error.message, 'apps/web helm template failed: Error: execution error at (web/templates/configmap.yaml:3:4): logLevel "***" is not one of debug, info, warn, error');
    assert.ok(!JSON.stringify({ message: error.message, cause: String(error.cause), stack: error.stack }).includes('s3cr3t'));
  });

  test('the inline values file and helm’s home are removed after success and failure', async () => {
    const saved = process.env.TMPDIR;
    const scratch = mkdtempSync(path.join(tmpdir(), 'capstan-helm-test-'));
    process.env.TMPDIR = scratch;
    try {
      await render({ values: { replicaCount: 2 } });
      await rejection(render({ values: { image: { tag: null } } }));
      assert.deepEqual(readdirSync(scratch), []);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  test('a render that runs past the timeout is killed and reported', async () => {
    const error = await rejection(render({ timeoutMs: 1 }));
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.message, 'apps/web helm template did not finish within 0.001s');
  });

  test('rendering is deterministic: two renders are equal', async () => {
    const options = { valuesFiles: [path.join(webDir, 'values-prod.yaml')], values: { config: { A: '1', B: '2' } } };
    const first = await render(options);
    const second = await render(options);
    assert.deepEqual(second, first);
    assert.equal(JSON.stringify(second), JSON.stringify(first));
  });
});
