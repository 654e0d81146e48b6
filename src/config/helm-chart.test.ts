import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkProject, formatIssue, parseProject, resolveApp } from './index.ts';

const header = 'apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments:\n  - name: dev\n  - name: prod\napps:\n';
const messages = (text: string): string[] => checkProject(`${header}${text}`).map(formatIssue);

test('helm.chart: a chart from a repository, source defaulting to the repo root, the version per environment', () => {
  const project = parseProject(`${header}  - name: web
    namespace: web
    helm:
      chart:
        repository: https://charts.example.com
        name: nginx
        version: ^1.2
        credentials: { secret: charts-cred }
      valuesFiles: [values/web.yaml]
    environments:
      dev:
      prod: { helm: { chart: { version: 1.2.3 } } }
  - name: umbrella
    source: charts/umbrella
    namespace: umbrella
    helm: { repositories: [{ url: https://charts.internal.example.com, credentials: { file: /etc/capstan/internal.json } }] }
  - name: api
    source: values/api
    namespace: api
    helm: { chart: { repository: oci://127.0.0.1:5000/charts, name: api, version: ">=1.0, <2.0", credentials: { file: /etc/capstan/registry.json }, plainHttp: true } }
`);
  const web = project.apps[0]!;
  assert.equal(web.source, '.');
  assert.deepEqual(web.helm?.chart, { repository: 'https://charts.example.com', name: 'nginx', version: '^1.2', credentials: { secret: 'charts-cred' } });
  assert.deepEqual(resolveApp(project, 'web', 'dev').helm.chart, web.helm?.chart);
  assert.deepEqual(resolveApp(project, 'web', 'prod').helm.chart, { ...web.helm?.chart, version: '1.2.3' });
  assert.deepEqual(resolveApp(project, 'web', 'prod').helm.valuesFiles, ['values/web.yaml']);
  assert.deepEqual(resolveApp(project, 'umbrella', 'dev').helm.repositories, [{ url: 'https://charts.internal.example.com', credentials: { file: '/etc/capstan/internal.json' } }]);
  assert.deepEqual(project.apps[2]!.helm?.chart, { repository: 'oci://127.0.0.1:5000/charts', name: 'api', version: '>=1.0, <2.0', credentials: { file: '/etc/capstan/registry.json' }, plainHttp: true });
  assert.equal(project.apps[2]!.source, 'values/api');
});

test('helm.chart: every mistake at its line and column, saying what to write; a password in a URL is never repeated', () => {
  const found = messages(`  - name: web
    namespace: web
    helm:
      chart:
        repository: https://robot:hunter2@charts.example.com
        name: nginx
        version: ">>1"
        credentials: { username: robot }
  - name: alias
    namespace: alias
    helm: { chart: { repository: "@stable", name: "bad name", version: 1.2.3 } }
  - name: file
    namespace: file
    type: kustomize
    helm: { chart: { repository: file:///charts, name: x, version: "1", credentials: { file: relative.json }, plainHttp: true } }
  - name: missing
    namespace: missing
    helm: { chart: { repo: https://charts.example.com } }
  - name: envs
    source: apps/envs
    namespace: envs
    environments:
      dev: { helm: { chart: { version: 1.0.0, repository: https://other.example.com } } }
  - name: repos
    source: apps/repos
    namespace: repos
    helm: { repositories: [{ url: "https://u:hunter2@charts.example.com" }, { url: oci://r.example.com/x, credentials: { password: hunter2 } }] }
`);
  assert.ok(!found.join('\n').includes('hunter2'));
  assert.deepEqual(
    found,
    [
      'capstan.yaml:11:21: apps[0].helm.chart.repository: must be a chart repository URL: it holds a username or password: put them in credentials ({ file } or { secret }), never in the repository URL',
      'capstan.yaml:13:18: apps[0].helm.chart.version: must be a chart version or a Helm range, but ">>1" is not a version range Helm understands (">>1"): write it like 1.2.3, ^1.2, ~1.2.0 or ">=1.0, <2.0"',
      `capstan.yaml:14:24: apps[0].helm.chart.credentials.username: unknown field: credentials are never written in capstan.yaml: credentials: { file: /etc/capstan/charts.json } (a JSON file {"username", "password"} on capstan's host) or credentials: { secret: <name> } (a Secret in capstan's namespace with the keys username and password)`,
      'capstan.yaml:17:34: apps[1].helm.chart.repository: must be a chart repository URL: "@stable" is a repository alias of `helm repo add`, which capstan does not read: write the repository\'s URL (https://… or oci://…)',
      'capstan.yaml:17:51: apps[1].helm.chart.name: must be a chart name (letters, digits, ".", "_" and "-"), got "bad name"',
      "capstan.yaml:21:11: apps[2].helm: only applies to Helm charts, but the app's type is kustomize: remove helm, or set type: helm",
      'capstan.yaml:21:34: apps[2].helm.chart.repository: must be a chart repository URL: it uses file://, which capstan does not fetch charts from: write https://…, http://… or oci://…',
      'capstan.yaml:21:94: apps[2].helm.chart.credentials.file: must be an absolute path on the host capstan runs on (it is read there, never from the config repo), got "relative.json"',
      "capstan.yaml:24:20: apps[3].helm.chart.repository: is required: the chart repository's URL (https://charts.example.com) or an OCI registry path (oci://registry.example.com/charts)",
      "capstan.yaml:24:20: apps[3].helm.chart.name: is required: the chart's name in the repository, such as nginx",
      'capstan.yaml:24:20: apps[3].helm.chart.version: is required: the chart version, exact (1.2.3) or a Helm range (^1.2, ">=1.0, <2.0")',
      'capstan.yaml:24:22: apps[3].helm.chart.repo: unknown field; did you mean "repository"?',
      'capstan.yaml:29:29: apps[4].environments.dev.helm.chart: sets the version of a chart from a repository, but the app has no helm.chart: add helm.chart (repository, name, version) to the app, or remove this',
      "capstan.yaml:29:47: apps[4].environments.dev.helm.chart.repository: unknown field: is the same in every environment: set it in the app's helm.chart; an environment may set only helm.chart.version",
      `capstan.yaml:33:28: apps[5].helm.repositories[0].credentials: is required: credentials: { file: /etc/capstan/charts.json } (a JSON file {"username", "password"} on capstan's host) or credentials: { secret: <name> } (a Secret in capstan's namespace with the keys username and password)`,
      'capstan.yaml:33:35: apps[5].helm.repositories[0].url: must be a chart repository URL: it holds a username or password: put them in credentials ({ file } or { secret }), never in the repository URL',
      `capstan.yaml:33:122: apps[5].helm.repositories[1].credentials.password: unknown field: credentials are never written in capstan.yaml: credentials: { file: /etc/capstan/charts.json } (a JSON file {"username", "password"} on capstan's host) or credentials: { secret: <name> } (a Secret in capstan's namespace with the keys username and password)`,
    ],
  );
});
