import assert from 'node:assert/strict';
import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { dockerRegistryBinary, listNames, packageChart, removeAll, runHelm, serveChartRepository, startRegistry, tempDir, writeChart, type RunningRegistry, type ServedRepository } from './chart-source/chart-source-testing.ts';
import { findHelm, renderApp, type RenderResult } from './index.ts';
import { testApp } from './testing.ts';

const helmBinary = await findHelm();
const hasRegistry = await access(dockerRegistryBinary).then(() => true, () => false);
const noHelm = helmBinary === undefined && 'helm is not installed (node scripts/setup-tools.mjs)';

/** Each ConfigMap's data, by name. */
function configMaps(result: RenderResult): Record<string, Record<string, string>> {
  return Object.fromEntries(result.objects.filter((o) => o.manifest.kind === 'ConfigMap').map((o) => [o.manifest.metadata.name, o.manifest.data as Record<string, string>]));
}

describe('Helm charts from where teams keep them, rendered through renderApp', { skip: noHelm }, () => {
  let work: string;
  let repoDir: string;
  let chartRepo: ServedRepository;
  let cacheDir: string;

  before(async () => {
    work = await tempDir();
    cacheDir = path.join(work, 'cache');
    // the chart repository: web 1.0.0, 1.5.0 and 2.0.0
    for (const version of ['1.0.0', '1.5.0', '2.0.0']) await packageChart(helmBinary!, await writeChart(path.join(work, `web-${version}`), { name: 'web', version }), path.join(work, 'served'), work);
    chartRepo = await serveChartRepository(helmBinary!, path.join(work, 'served'), work);
    // the config repo: an umbrella chart whose dependencies are not vendored, one file://, one from the repository
    repoDir = path.join(work, 'config');
    await writeChart(path.join(repoDir, 'charts'), { name: 'common', version: '0.1.0' });
    await writeChart(path.join(repoDir, 'apps'), {
      name: 'umbrella',
      version: '1.0.0',
      chart: {
        dependencies: [
          { name: 'common', version: '0.1.0', repository: 'file://../../charts/common' },
          { name: 'web', version: '^1', repository: chartRepo.url },
        ],
      },
    });
  });
  after(async () => {
    await chartRepo?.close();
    await removeAll(work);
  });

  it('an umbrella chart gets its file:// dependency from the repo and the other from the chart repository (highest in range), in a private copy: the checkout is untouched', async () => {
    const before = await listNames(repoDir);
    const result = await renderApp(repoDir, testApp('apps/umbrella', { helm: { releaseName: 'shop', valuesFiles: [], values: {} } }), { helm: { helmBinary }, charts: { cacheDir } });
    assert.deepEqual(configMaps(result), {
      'shop-umbrella': { chart: 'umbrella', version: '1.0.0' },
      'shop-common': { chart: 'common', version: '0.1.0' },
      'shop-web': { chart: 'web', version: '1.5.0' },
    });
    assert.deepEqual(await listNames(repoDir), before, 'nothing was written into the config repo');
  });

  it('Chart.lock pins the versions, as helm dependency build does', async () => {
    const chart = await writeChart(path.join(repoDir, 'locked'), { name: 'locked', version: '1.0.0', chart: { dependencies: [{ name: 'web', version: '^1', repository: chartRepo.url }] } });
    await writeFile(path.join(chart, 'Chart.lock'), stringify({ dependencies: [{ name: 'web', repository: chartRepo.url, version: '1.0.0' }], digest: 'sha256:0', generated: '2026-01-01T00:00:00Z' }));
    const result = await renderApp(repoDir, testApp('locked/locked', { helm: { releaseName: 'l', valuesFiles: [], values: {} } }), { helm: { helmBinary }, charts: { cacheDir } });
    assert.equal(configMaps(result)['l-web']?.version, '1.0.0');
  });

  it('a file:// dependency that leaves the config repo, an alias of helm repo add, and one without a repository are refused, saying what to do', async () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['escapes', { name: 'outside', version: '1.0.0', repository: 'file://../../../outside' }, 'escapes/escapes cannot be rendered: dependency "outside" of escapes/escapes is file://../../../outside, which leaves the config repo: a file:// dependency must be a chart folder inside the repo'],
      ['aliased', { name: 'web', version: '1.0.0', repository: '@stable' }, 'aliased/aliased cannot be rendered: dependency "web" in aliased/aliased/Chart.yaml names the repository "@stable", an alias of `helm repo add` that capstan does not read: write the repository\'s URL (https://… or oci://…) in Chart.yaml'],
      ['bare', { name: 'web', version: '1.0.0' }, 'bare/bare cannot be rendered: dependency "web" 1.0.0 is listed in bare/bare/Chart.yaml without a repository and missing from bare/bare/charts/: vendor it into charts/, or give the repository (https://…, oci://… or file://<path in the repo>)'],
    ];
    for (const [name, dependency, message] of cases) {
      await writeChart(path.join(repoDir, name), { name, version: '1.0.0', chart: { dependencies: [dependency] } });
      await assert.rejects(renderApp(repoDir, testApp(`${name}/${name}`), { helm: { helmBinary }, charts: { cacheDir } }), { message });
    }
  });

  it("a dependency from a repository that needs credentials: helm.repositories gives them for its host only", async () => {
    const password = 'dependency-repo-password';
    await packageChart(helmBinary!, await writeChart(path.join(work, 'private-src'), { name: 'vault', version: '0.3.0' }), path.join(work, 'private'), work);
    const privateRepo = await serveChartRepository(helmBinary!, path.join(work, 'private'), work, { username: 'ci', password });
    try {
      const credentials = path.join(work, 'private-cred.json');
      await writeFile(credentials, JSON.stringify({ username: 'ci', password }));
      await writeChart(path.join(repoDir, 'secured'), { name: 'secured', version: '1.0.0', chart: { dependencies: [{ name: 'vault', version: '~0.3', repository: privateRepo.url }, { name: 'web', version: '1.0.0', repository: chartRepo.url.replace('127.0.0.1', 'localhost') }] } });
      const app = testApp('secured/secured', { helm: { releaseName: 's', valuesFiles: [], values: {} } });
      await assert.rejects(renderApp(repoDir, app, { helm: { helmBinary }, charts: { cacheDir: path.join(work, 'c1') } }), (error: Error) => {
        assert.equal(error.message, `secured/secured: dependency "vault" of secured/secured: chart vault ~0.3 from ${privateRepo.url}: ${privateRepo.url}/index.yaml answered 401 Unauthorized: set credentials ({ file } or { secret }) for this repository: helm.chart.credentials, or helm.repositories for a dependency's`);
        return true;
      });
      const withCredentials = { ...app, helm: { ...app.helm, repositories: [{ url: privateRepo.url, credentials: { file: credentials } }] } };
      const result = await renderApp(repoDir, withCredentials, { helm: { helmBinary }, charts: { cacheDir: path.join(work, 'c2') } });
      assert.deepEqual(Object.keys(configMaps(result)).sort(), ['s-secured', 's-vault', 's-web']);
      // the other dependency's repository (another host name of the loopback) never saw them
      assert.ok(privateRepo.requests.some((r) => r.authorization !== undefined));
      assert.ok(chartRepo.requests.every((r) => r.authorization === undefined));
    } finally {
      await privateRepo.close();
    }
  });

  it('helm.chart from the chart repository: a range, values files read from the source folder', async () => {
    await mkdir(path.join(repoDir, 'values'), { recursive: true });
    await writeFile(path.join(repoDir, 'values', 'web.yaml'), 'unused: true\n');
    const app = testApp('values', { helm: { releaseName: 'front', valuesFiles: ['web.yaml'], values: {}, chart: { repository: chartRepo.url, name: 'web', version: '>=1.0, <2.0' } } });
    const result = await renderApp(repoDir, app, { helm: { helmBinary }, charts: { cacheDir } });
    assert.equal(result.type, 'helm');
    assert.deepEqual(configMaps(result), { 'front-web': { chart: 'web', version: '1.5.0' } });
    assert.equal(result.objects[0]!.source, 'chart web 1.5.0: templates/configmap.yaml');
  });
});

describe('a chart pulled from a local OCI registry, rendered through renderApp', {
  skip: noHelm || (!hasRegistry && `docker-registry is not installed (${dockerRegistryBinary}; apt-get install docker-registry)`),
}, () => {
  let work: string;
  let registry: RunningRegistry;
  before(async () => {
    work = await tempDir();
    registry = await startRegistry(path.join(work, 'registry'));
    const chart = await writeChart(path.join(work, 'src'), {
      name: 'api',
      version: '3.2.1',
      files: { 'values.yaml': 'replicas: 1\n', 'templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-api\ndata:\n  replicas: "{{ .Values.replicas }}"\n  chart: {{ .Chart.Name }}-{{ .Chart.Version }}\n' },
    });
    await runHelm(helmBinary!, ['push', await packageChart(helmBinary!, chart, path.join(work, 'out'), work), `oci://${registry.host}/charts`, '--plain-http'], work);
  });
  after(async () => {
    await registry?.stop();
    await removeAll(work);
  });

  it('renders the chart fetched from the registry, with the app values', async () => {
    const repoDir = path.join(work, 'config');
    await mkdir(repoDir);
    const app = testApp('.', { helm: { releaseName: 'api', valuesFiles: [], values: { replicas: 3 }, chart: { repository: `oci://${registry.host}/charts`, name: 'api', version: '^3' } } });
    const result = await renderApp(repoDir, app, { helm: { helmBinary }, charts: { cacheDir: path.join(work, 'cache') } });
    assert.deepEqual(configMaps(result), { 'api-api': { replicas: '3', chart: 'api-3.2.1' } });
  });
});
