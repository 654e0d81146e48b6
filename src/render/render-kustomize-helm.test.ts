// kustomize's helmCharts, rendered with capstan's isolated helm: charts from inside the repo or
// fetched by capstan itself (never pulled by kustomize or helm), with the cluster's capabilities.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { findHelm, renderApp, type ClusterCapabilities, type RenderOptions, type RenderResult } from './index.ts';
import { testApp } from './testing.ts';

const helmBinary = await findHelm();
const run = promisify(execFile);

const chart = {
  'Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.2.3\n',
  'values.yaml': 'replicas: 1\ngreeting: hello\n',
  'crds/widgets.yaml': 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  names: { kind: Widget, plural: widgets }\n  scope: Namespaced\n  versions: [{ name: v1, served: true, storage: true, schema: { openAPIV3Schema: { type: object } } }]\n',
  'templates/config.yaml': [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: {{ .Release.Name }}-config',
    '  namespace: {{ .Release.Namespace }}',
    'data:',
    '  greeting: {{ .Values.greeting | quote }}',
    '  replicas: {{ .Values.replicas | quote }}',
    '  kubeVersion: {{ .Capabilities.KubeVersion.Version | quote }}',
    '  serviceMonitor: {{ .Capabilities.APIVersions.Has "monitoring.coreos.com/v1/ServiceMonitor" | quote }}',
    '',
  ].join('\n'),
};

async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), text);
  }
}

const prefixed = (prefix: string, files: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(files).map(([k, v]) => [`${prefix}/${k}`, v]));

async function repoWith(files: Record<string, string>): Promise<string> {
  const repo = await mkdtemp(path.join(os.tmpdir(), 'capstan-kustomize-helm-'));
  await writeTree(repo, files);
  return repo;
}

const data = (result: RenderResult): Record<string, string> => result.objects.find((o) => o.manifest.kind === 'ConfigMap')!.manifest.data as Record<string, string>;
const kinds = (result: RenderResult): string[] => result.objects.map((o) => o.manifest.kind).sort();

describe('kustomize helmCharts', { skip: helmBinary === undefined && 'helm is not installed (node scripts/setup-tools.mjs)' }, () => {
  const options: RenderOptions = { helm: { helmBinary } };

  it('inflates a chart of the repo with releaseName, namespace, valuesFile, valuesInline and includeCRDs, as kustomize does', async () => {
    const repo = await repoWith({
      ...prefixed('apps/web/charts/web', chart),
      'apps/web/values-prod.yaml': 'greeting: hi from values-prod\n',
      'apps/web/kustomization.yaml': 'helmCharts:\n  - name: web\n    releaseName: prod-web\n    namespace: shop\n    includeCRDs: true\n    valuesFile: values-prod.yaml\n    valuesInline: { replicas: 3 }\n',
    });
    const result = await renderApp(repo, testApp('apps/web'), options);
    assert.deepEqual(kinds(result), ['ConfigMap', 'CustomResourceDefinition']);
    const config = result.objects.find((o) => o.manifest.kind === 'ConfigMap')!.manifest;
    assert.equal(config.metadata.name, 'prod-web-config');
    assert.equal(config.metadata.namespace, 'shop');
    assert.equal(data(result).greeting, 'hi from values-prod');
    assert.equal(data(result).replicas, '3');
    assert.equal(data(result).serviceMonitor, 'false', "offline: helm's defaults");

    await writeFile(path.join(repo, 'apps/web/kustomization.yaml'), 'helmCharts:\n  - { name: web, releaseName: web }\n');
    assert.deepEqual(kinds(await renderApp(repo, testApp('apps/web'), options)), ['ConfigMap'], 'includeCRDs left out: no CRDs, as in kustomize');
  });

  it("gets the target cluster's version and API versions, and reads charts from helmGlobals.chartHome", async () => {
    const repo = await repoWith({
      ...prefixed('apps/web/vendor/helm/web', chart),
      'apps/web/kustomization.yaml': 'helmGlobals:\n  chartHome: vendor/helm\nhelmCharts:\n  - { name: web, releaseName: web }\n',
    });
    const cluster: ClusterCapabilities = { kubeVersion: 'v1.29.3', apiVersions: ['monitoring.coreos.com/v1', 'monitoring.coreos.com/v1/ServiceMonitor', 'v1', 'v1/ConfigMap'] };
    const result = await renderApp(repo, testApp('apps/web'), { ...options, capabilities: async () => cluster });
    assert.equal(data(result).kubeVersion, 'v1.29.3');
    assert.equal(data(result).serviceMonitor, 'true');
  });

  describe('a chart with repo: fetched by capstan, never pulled by kustomize', () => {
    let server: Server;
    let base: string;
    const requests: string[] = [];
    before(async () => {
      const build = await mkdtemp(path.join(os.tmpdir(), 'capstan-chart-build-'));
      await writeTree(path.join(build, 'web'), chart);
      await run(helmBinary!, ['package', path.join(build, 'web'), '--destination', build], { env: { HOME: build, PATH: '' } });
      const archive = await readFile(path.join(build, 'web-1.2.3.tgz'));
      const digest = createHash('sha256').update(archive).digest('hex');
      // a chart whose values schema would have helm load a file of the host
      await writeTree(path.join(build, 'sneaky'), { ...chart, 'Chart.yaml': 'apiVersion: v2\nname: sneaky\nversion: 0.1.0\n', 'values.schema.json': '{"properties": {"x": {"$ref": "file:///etc/passwd"}}}' });
      await run(helmBinary!, ['package', path.join(build, 'sneaky'), '--destination', build], { env: { HOME: build, PATH: '' } });
      const sneaky = await readFile(path.join(build, 'sneaky-0.1.0.tgz'));
      server = createServer((req, res) => {
        requests.push(req.url ?? '');
        if (req.url === '/charts/index.yaml') {
          res.end(`apiVersion: v1\nentries:\n  web:\n    - name: web\n      version: 1.2.3\n      digest: ${digest}\n      urls: [web-1.2.3.tgz]\n  sneaky:\n    - name: sneaky\n      version: 0.1.0\n      urls: [sneaky-0.1.0.tgz]\n`);
        } else if (req.url === '/charts/web-1.2.3.tgz') res.end(archive);
        else if (req.url === '/charts/sneaky-0.1.0.tgz') res.end(sneaky);
        else res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/charts`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('puts the fetched chart where kustomize looks (<chartHome>/<name>-<version>/<name>) in a private copy; the checkout is left as it was', async () => {
      const repo = await repoWith({ 'apps/web/kustomization.yaml': `helmCharts:\n  - name: web\n    repo: ${base}\n    version: ^1.2\n    releaseName: web\n    valuesInline: { greeting: fetched }\n` });
      const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'capstan-chart-cache-'));
      const result = await renderApp(repo, testApp('apps/web'), { ...options, charts: { cacheDir } });
      assert.equal(data(result).greeting, 'fetched');
      assert.equal(result.versionRanges, true, 'picked from a range: a later render may pick a newer chart');
      assert.deepEqual(requests, ['/charts/index.yaml', '/charts/web-1.2.3.tgz'], 'capstan fetched it, once');
      assert.deepEqual(readdirSync(path.join(repo, 'apps/web')), ['kustomization.yaml'], 'nothing written into the checkout');
    });

    it("a fetched chart's values schema is checked as a repo chart's: no $ref to a file of the host", async () => {
      const repo = await repoWith({ 'apps/web/kustomization.yaml': `helmCharts:\n  - { name: sneaky, repo: ${base}, version: 0.1.0 }\n` });
      const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'capstan-chart-cache-'));
      await assert.rejects(renderApp(repo, testApp('apps/web'), { ...options, charts: { cacheDir } }), /values\.schema\.json refers outside itself with .*file:\/\/\/etc\/passwd/);
    });

    it('a chart vendored at <chartHome>/<name>-<version>/<name> is used as it is, with no fetch', async () => {
      requests.length = 0;
      const repo = await repoWith({
        ...prefixed('apps/web/charts/web-1.2.3/web', { ...chart, 'values.yaml': 'replicas: 1\ngreeting: vendored\n' }),
        'apps/web/kustomization.yaml': `helmCharts:\n  - { name: web, repo: ${base}, version: 1.2.3, releaseName: web }\n`,
      });
      const result = await renderApp(repo, testApp('apps/web'), options);
      assert.equal(data(result).greeting, 'vendored');
      assert.equal(result.versionRanges, undefined);
      assert.deepEqual(requests, []);
    });
  });

  it("an umbrella chart's file:// dependency inside the repo is added to the copy, never to the checkout", async () => {
    const repo = await repoWith({
      ...prefixed('apps/web/charts/web', { ...chart, 'Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.2.3\ndependencies:\n  - { name: common, version: 0.1.0, repository: "file://../../../../shared/common" }\n' }),
      'shared/common/Chart.yaml': 'apiVersion: v2\nname: common\nversion: 0.1.0\n',
      'shared/common/templates/common.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: from-common\n',
      'apps/web/kustomization.yaml': 'helmCharts:\n  - { name: web, releaseName: web }\n',
    });
    assert.deepEqual(kinds(await renderApp(repo, testApp('apps/web'), options)), ['ConfigMap', 'Secret']);
    assert.equal(existsSync(path.join(repo, 'apps/web/charts/web/charts')), false);
  });

  it('a chart from an OCI registry vendored where kustomize looks renders with no network at all', async () => {
    const repo = await repoWith({
      ...prefixed('apps/web/charts/web-1.2.3/web', { ...chart, 'values.yaml': 'replicas: 1\ngreeting: from oci\n' }),
      'apps/web/kustomization.yaml': 'helmCharts:\n  - { name: web, repo: "oci://registry.example.invalid/charts", version: 1.2.3, releaseName: web }\n',
    });
    assert.equal(data(await renderApp(repo, testApp('apps/web'), options)).greeting, 'from oci');
  });

  describe('hostile kustomizations are refused, naming what they point at', () => {
    it('a valuesFile outside the repo: climbing out, absolute, or a symlink that leads out', async () => {
      const outside = await mkdtemp(path.join(os.tmpdir(), 'capstan-outside-'));
      await writeFile(path.join(outside, 'secret-values.yaml'), 'greeting: stolen\n');
      const repo = await repoWith({
        ...prefixed('apps/web/charts/web', chart),
        'apps/web/kustomization.yaml': [
          'helmCharts:',
          '  - { name: web, valuesFile: ../../../../etc/passwd }',
          '  - { name: web, valuesFile: /etc/passwd }',
          '  - { name: web, valuesFile: linked-values.yaml }',
          '  - { name: web, valuesFile: "https://example.com/values.yaml", additionalValuesFiles: [../../../x.yaml] }',
          '',
        ].join('\n'),
      });
      await symlink(path.join(outside, 'secret-values.yaml'), path.join(repo, 'apps/web/linked-values.yaml'));
      const k = 'apps/web/kustomization.yaml';
      await assert.rejects(renderApp(repo, testApp('apps/web'), options), {
        message: [
          'apps/web has 5 problems:',
          `  ${k}: helmCharts[0].valuesFile "../../../../etc/passwd" leaves the repository: kustomizations may only refer to files inside the config repo`,
          `  ${k}: helmCharts[1].valuesFile "/etc/passwd" is an absolute path: write it relative to the kustomization`,
          `  ${k}: helmCharts[2].valuesFile "linked-values.yaml" is refused: symlink "apps/web/linked-values.yaml" points outside the repository (to ${JSON.stringify(path.join(outside, 'secret-values.yaml'))})`,
          `  ${k}: helmCharts[3].valuesFile "https://example.com/values.yaml" is remote (a URL, a git repository or another go-getter form): capstan renders only what is in the config repo; vendor it into the repo`,
          `  ${k}: helmCharts[3].additionalValuesFiles[0] "../../../x.yaml" leaves the repository: kustomizations may only refer to files inside the config repo`,
        ].join('\n'),
      });
    });

    it('a chartHome outside the repo (climbing out, absolute, a symlink out) or a helm configHome', async () => {
      const outside = await mkdtemp(path.join(os.tmpdir(), 'capstan-outside-'));
      await writeTree(outside, prefixed('web', chart));
      const kustomization = (globals: string): string => `helmGlobals: ${globals}\nhelmCharts:\n  - { name: web }\n`;
      const repo = await repoWith({
        'apps/up/kustomization.yaml': kustomization('{ chartHome: ../../.. }'),
        'apps/abs/kustomization.yaml': kustomization(`{ chartHome: ${JSON.stringify(outside)} }`),
        'apps/link/kustomization.yaml': kustomization('{ chartHome: linked }'),
        'apps/config/kustomization.yaml': kustomization('{ chartHome: charts, configHome: helm-config }'),
        ...prefixed('apps/config/charts/web', chart),
      });
      await symlink(outside, path.join(repo, 'apps/link/linked'));
      const refused = async (app: string, message: string): Promise<void> => {
        await assert.rejects(renderApp(repo, testApp(`apps/${app}`), options), { message: `apps/${app}/kustomization.yaml: ${message}` });
      };
      await refused('up', 'helmGlobals.chartHome "../../.." leaves the repository: charts must be inside the config repo');
      await refused('abs', `helmGlobals.chartHome ${JSON.stringify(outside)} is an absolute path: write it relative to the kustomization, inside the config repo`);
      await refused('link', `helmGlobals.chartHome "linked" is refused: symlink "apps/link/linked" points outside the repository (to ${JSON.stringify(outside)})`);
      await refused('config', 'helmGlobals.configHome "helm-config" is not supported: capstan runs helm with an empty configuration of its own; remove it');
    });

    it("a chart's template cannot read a file outside the repo through a symlink in the chart", async () => {
      const outside = await mkdtemp(path.join(os.tmpdir(), 'capstan-outside-'));
      await writeFile(path.join(outside, 'token'), 'secret-token-value');
      const repo = await repoWith({
        ...prefixed('apps/web/charts/web', { ...chart, 'templates/leak.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leak\ndata:\n  token: {{ .Files.Get "token" | quote }}\n' }),
        'apps/web/kustomization.yaml': 'helmCharts:\n  - { name: web }\n',
      });
      await symlink(path.join(outside, 'token'), path.join(repo, 'apps/web/charts/web/token'));
      await assert.rejects(renderApp(repo, testApp('apps/web'), options), (error: Error) => {
        assert.match(error.message, /symlink "apps\/web\/charts\/web\/token" points outside the repository/);
        assert.ok(!error.message.includes('secret-token-value'));
        return true;
      });
    });

    it('a chart with a repo but no version, a repo that is not http(s) or oci, and a local chart that is not there', async () => {
      const repo = await repoWith({
        'apps/web/kustomization.yaml': [
          'helmCharts:',
          '  - { name: redis, repo: "https://user:hunter22@charts.example.com" }',
          '  - { name: redis, repo: "https://charts.example.com" }',
          '  - { name: redis, repo: "git::https://example.com/charts", version: 1.0.0 }',
          '  - { name: missing }',
          '  - { name: ../etc }',
          '',
        ].join('\n'),
      });
      const k = 'apps/web/kustomization.yaml';
      await assert.rejects(renderApp(repo, testApp('apps/web'), options), (error: Error) => {
        assert.equal(
          error.message,
          [
            'apps/web has 5 problems:',
            `  ${k}: helmCharts[0].repo https://charts.example.com holds a username or password: put them in credentials ({ file } or { secret }), never in the repository URL`,
            `  ${k}: helmCharts[1] (chart redis from https://charts.example.com) has no version: set version, so that a commit always renders the same chart`,
            `  ${k}: helmCharts[2].repo git::https://example.com/charts uses git://, which capstan does not fetch charts from: write https://…, http://… or oci://…`,
            `  ${k}: helmCharts[3] (chart missing) has no repo, and apps/web/charts/missing/Chart.yaml does not exist: vendor the chart into apps/web/charts/missing, or set repo and version`,
            `  ${k}: helmCharts[4].name must be a chart name (letters, digits, ".", "_" and "-"), got "../etc"`,
          ].join('\n'),
        );
        assert.ok(!error.message.includes('hunter22'), 'a password in a URL is never shown');
        return true;
      });
      assert.equal(existsSync(path.join(repo, 'apps/web/charts')), false);
    });
  });
});
