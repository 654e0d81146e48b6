import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ValidationError, type Manifest } from '../core/index.ts';
import { normalize } from '../diff/index.ts';
import { assessHealth } from '../health/index.ts';
import { checkProject, ConfigValidationError, formatIssue, parseProject, resolveApp, type ConfigIssue } from './index.ts';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const fixture = (name: string): string => readFileSync(path.join(testdata, name), 'utf8');
const messages = (text: string): string[] => checkProject(text).map(formatIssue);
const header = 'apiVersion: capstan.dev/v1alpha1\nkind: Project\n';

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  assert.fail('expected an error');
}

/** The only issue a text has, as printed. */
function onlyIssue(text: string): string {
  const found = messages(text);
  assert.equal(found.length, 1, `expected one issue, got:\n${found.join('\n')}`);
  return found[0];
}

test('the full fixture parses into the project it declares', () => {
  const project = parseProject(fixture('full-project.yaml'));
  assert.deepEqual(
    project.environments.map((e) => [e.name, e.cluster, e.promotesFrom]),
    [
      ['dev', 'kind-dev', undefined],
      ['staging', 'staging', 'dev'],
      ['prod', 'prod-eu', 'staging'],
      ['prod-us', undefined, 'staging'],
      ['sandbox', undefined, undefined],
    ],
  );
  assert.deepEqual(project.environments[2].syncWindows, [
    { kind: 'deny', schedule: '0 18 * * FRI', duration: '62h', durationMs: 62 * 3_600_000, timeZone: 'Europe/Berlin' },
    { kind: 'allow', schedule: '*/15 8-17 * * 1-5', duration: '1h30m', durationMs: 90 * 60_000, timeZone: 'UTC' },
  ]);
  assert.deepEqual(
    project.apps.map((a) => a.name),
    ['guestbook', 'database', 'cache', 'monitoring'],
  );
  const guestbook = project.apps[0];
  assert.equal(guestbook.source, 'apps/guestbook', 'source is normalised');
  assert.equal(guestbook.type, 'kustomize');
  assert.equal(guestbook.createNamespace, true);
  assert.deepEqual(guestbook.dependsOn, ['database', 'cache']);
  assert.deepEqual(guestbook.images[1], { name: 'ghcr.io/example/guestbook', digest: `sha256:${'a'.repeat(64)}` });
  assert.deepEqual(guestbook.ignoreDifferences[1], { kind: 'ConfigMap', group: '', jsonPointers: ['/data/generated'] });
  assert.deepEqual(guestbook.health, [{ group: 'example.com', kind: 'Widget', rules: [{ status: 'Healthy', when: [{ path: 'status.phase', equals: 'Ready' }] }] }]);
  assert.deepEqual(guestbook.syncPolicy, { selfHeal: true });
  assert.deepEqual(guestbook.syncOptions, { timeoutMs: 600_000, retry: { limit: 3, backoffMs: 10_000, maxBackoffMs: 300_000 } });
  assert.deepEqual(Object.keys(guestbook.environments ?? {}), ['dev', 'staging', 'prod', 'prod-us']);
  assert.deepEqual(guestbook.environments?.dev.syncPolicy, { automated: true });
  assert.deepEqual(guestbook.environments?.prod.syncPolicy, { automated: false, prune: false });
  assert.deepEqual(guestbook.environments?.staging, { syncPolicy: {}, images: [] }, 'an empty entry deploys without overrides');
  assert.equal(project.apps[3].namespace, undefined, 'monitoring sets its namespace per environment');
  assert.deepEqual(checkProject(fixture('full-project.yaml')), []);
});

test('every class of error is reported at once, each with its line, column, field and remedy', () => {
  assert.deepEqual(messages(fixture('many-errors.yaml')), [
    'capstan.yaml:1:13: apiVersion: must be "capstan.dev/v1alpha1", got "capstan.dev/v1"',
    'capstan.yaml:4:11: environments[0].name: must be a DNS label (at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit), got "Dev_1": try "dev-1"',
    'capstan.yaml:5:5: environments[0].clutser: unknown field; did you mean "cluster"?',
    'capstan.yaml:7:19: environments[1].promotesFrom: unknown environment "stagin"; did you mean "staging"? (declared environments: staging, prod)',
    'capstan.yaml:9:15: environments[1].syncWindows[0].kind: must be "allow" or "deny", got "sometimes"',
    'capstan.yaml:10:19: environments[1].syncWindows[0].schedule: is not a valid cron schedule: must have 5 fields (minute hour day-of-month month day-of-week), e.g. "0 22 * * *"; "0 24 * *" has 4',
    'capstan.yaml:11:19: environments[1].syncWindows[0].duration: must be a duration such as 30s, 5m or 1h30m, got 90 (a number): add a unit (h, m, s or ms)',
    'capstan.yaml:12:19: environments[1].syncWindows[0].timeZone: must be an IANA time zone name such as UTC or Europe/Berlin, got "Europe/Berln"; did you mean "Europe/Berlin"?',
    'capstan.yaml:15:19: environments[1].syncWindows[1].duration: must be a duration such as 30s, 5m or 1h30m (units h, m, s, ms), got "1 hour"',
    'capstan.yaml:16:11: environments[2].name: environment "staging" is already declared at line 6: environment names must be unique',
    'capstan.yaml:18:5: environments[3].context: unknown field; did you mean "cluster"? (the kubeconfig context)',
    'capstan.yaml:21:13: apps[0].source: must be relative to the root of the config repo, got the absolute path "/apps/guestbook": write "apps/guestbook"',
    'capstan.yaml:22:11: apps[0].type: must be one of "directory", "kustomize", "helm", "pins" or "artifact", got "helmchart"',
    'capstan.yaml:23:16: apps[0].namespace: must be a DNS label (at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit), got "Guestbook": try "guestbook"',
    'capstan.yaml:24:22: apps[0].createNamespace: must be true or false, got "yes"',
    'capstan.yaml:25:17: apps[0].dependsOn[0]: unknown app "databse" (declared apps: guestbook, tools)',
    'capstan.yaml:25:26: apps[0].dependsOn[1]: an app cannot depend on itself: remove this entry',
    'capstan.yaml:26:5: apps[0].namspace: unknown field; did you mean "namespace"?',
    'capstan.yaml:27:5: apps[0].valuesFiles: unknown field; did you mean "helm.valuesFiles"?',
    'capstan.yaml:29:15: apps[0].images[0].name: must be an image name without a tag, got "nginx:1.25": write "nginx" and put "1.25" in newTag',
    'capstan.yaml:30:17: apps[0].images[0].newTag: must be an image tag, got 1.10 (a number); quote it to make it text: "1.10"',
    'capstan.yaml:31:17: apps[0].images[0].digest: must be an image digest such as sha256:<64 hexadecimal digits>, got "sha256:abc"',
    'capstan.yaml:31:17: apps[0].images[0].digest: cannot be set together with newTag: keep one (a digest pins the exact image)',
    'capstan.yaml:32:9: apps[0].images[1]: changes nothing: set newName, newTag or digest',
    'capstan.yaml:34:9: apps[0].ignoreDifferences[0].kind: is required: the kind of the objects concerned, such as Deployment',
    'capstan.yaml:34:24: apps[0].ignoreDifferences[0].jsonPointers[0]: must be a JSON pointer such as /spec/replicas ("/" before each field; "~1" for a "/" inside a key), got "spec.replicas": write "/spec/replicas"',
    'capstan.yaml:37:16: apps[0].health[0].rules: must be a list of rules, got a mapping',
    'capstan.yaml:39:7: apps[0].syncPolicy.automatic: unknown field; did you mean "automated"?',
    'capstan.yaml:40:14: apps[0].syncPolicy.prune: must be true or false, got "false"',
    'capstan.yaml:42:16: apps[0].syncOptions.timeout: must be longer than zero, got "0s"',
    'capstan.yaml:43:23: apps[0].syncOptions.retry.limit: must be a whole number of at least 0, got -1 (a number)',
    'capstan.yaml:43:52: apps[0].syncOptions.retry.maxBackoff: must be at least retry.backoff (5m), got 1m',
    'capstan.yaml:45:7: apps[0].environments.prd: unknown environment "prd"; did you mean "prod"? (declared environments: staging, prod)',
    'capstan.yaml:47:15: apps[0].environments.prod.sync: must be "auto" or "manual", got "sometimes"',
    'capstan.yaml:48:17: apps[0].environments.prod.helm.releaseName: unknown field: the Helm release name is the same in every environment: set helm.releaseName on the app',
    'capstan.yaml:49:9: apps[0].environments.prod.type: unknown field: "type" cannot be set per environment: set it on the app',
    "capstan.yaml:50:5: apps[1].namespace: is required: the namespace of the app's namespaced objects, such as guestbook; set it here, or under environments.<env>.namespace for each environment",
    'capstan.yaml:50:11: apps[1].name: app "guestbook" is already declared at line 20: app names must be unique',
    'capstan.yaml:51:13: apps[1].source: must stay inside the config repo: ".." is not allowed, got "../outside"',
    "capstan.yaml:52:5: apps[2].namespace: is required: the namespace of the app's namespaced objects, such as tools; set it here, or under environments.<env>.namespace for each environment",
    "capstan.yaml:56:7: apps[2].helm: only applies to Helm charts, but the app's type is directory: remove helm, or set type: helm",
    'capstan.yaml:56:21: apps[2].helm.valuesFiles[0]: must be relative to the app\'s source directory, got the absolute path "/abs/values.yaml"',
  ]);
});

test('parseProject throws one ValidationError listing every issue, with the issues as data', () => {
  const text = fixture('unknown-fields.yaml');
  const error = thrownBy(() => parseProject(text, 'repo/capstan.yaml'));
  assert.ok(error instanceof ConfigValidationError);
  assert.ok(error instanceof ValidationError);
  assert.equal(error.category, 'validation');
  assert.equal(error.file, 'repo/capstan.yaml');
  assert.equal(error.issues.length, 8);
  assert.deepEqual(error.issues[0], { file: 'repo/capstan.yaml', line: 3, column: 1, path: 'enviroments', message: 'unknown field; did you mean "environments"?' } satisfies ConfigIssue);
  assert.equal(
    error.message,
    [
      'repo/capstan.yaml has 8 problems:',
      '  repo/capstan.yaml:3:1: enviroments: unknown field; did you mean "environments"?',
      '  repo/capstan.yaml:7:5: environments[0].promoteFrom: unknown field; did you mean "promotesFrom"?',
      '  repo/capstan.yaml:8:5: environments[0].region: unknown field (known fields: name, cluster, promotesFrom, syncWindows, promotion)',
      '  repo/capstan.yaml:11:5: apps[0].sorce: unknown field; did you mean "source"?',
      '  repo/capstan.yaml:14:5: apps[0].prune: unknown field; did you mean "syncPolicy.prune"?',
      '  repo/capstan.yaml:15:19: apps[0].syncPolicy.selfheal: unknown field; did you mean "selfHeal"?',
      '  repo/capstan.yaml:18:9: apps[0].environments.dev.valuesFiles: unknown field; did you mean "helm.valuesFiles"?',
      '  repo/capstan.yaml:19:9: apps[0].environments.dev.dependsOn: unknown field: "dependsOn" cannot be set per environment: set it on the app',
    ].join('\n'),
  );
});

test('a single issue is the whole message', () => {
  const text = `${header}environments:\n  - name: dev\napps:\n  - name: web\n    source: web\n    namespace: web\n    environments:\n      dev: { sync: sometimes }\n`;
  assert.throws(() => parseProject(text), {
    name: 'ConfigValidationError',
    message: 'capstan.yaml:10:20: apps[0].environments.dev.sync: must be "auto" or "manual", got "sometimes"',
  });
});

test('a YAML syntax error reports file, line and column, and stops there', () => {
  assert.deepEqual(messages(fixture('syntax-error.yaml')), [
    'capstan.yaml:6:1: YAML syntax error: flow sequence in block collection must be sufficiently indented and end with a ]',
  ]);
  assert.equal(onlyIssue(`${header}environments:\n  - name: dev\n  - name: dev\n    name: prod\n`), 'capstan.yaml:6:5: this key is already set above in the same mapping: keep one of them');
  assert.equal(onlyIssue(`${header}environments:\n\t- name: dev\n`), 'capstan.yaml:4:1: tabs are not allowed as indentation in YAML: indent with spaces');
  assert.equal(onlyIssue(`${header}---\nkind: Project\n`), 'capstan.yaml:3:1: the file must hold one YAML document: remove the second "---" and what follows, or merge them');
});

test('an empty file or a document that is not a mapping says what to write', () => {
  const empty = 'capstan.yaml:1:1: the file is empty: declare apiVersion, kind, environments and apps (`capstan init` writes a starter)';
  assert.equal(onlyIssue(''), empty);
  assert.equal(onlyIssue('# nothing yet\n'), empty);
  assert.equal(onlyIssue('- dev\n'), 'capstan.yaml:1:1: must be a mapping with apiVersion: capstan.dev/v1alpha1, kind: Project, environments and apps, got a list');
  assert.deepEqual(messages('apiVersion: capstan.dev/v1alpha1\n'), [
    'capstan.yaml:1:1: kind: is required: write kind: Project',
    'capstan.yaml:1:1: environments: is required: list the environments to deploy to, e.g. "- name: dev"',
  ]);
  assert.equal(onlyIssue('apiVersion: capstan.dev/v1alpha1\nkind: Application\nenvironments: [{ name: dev }]\n'), 'capstan.yaml:2:7: kind: must be "Project", got "Application"');
});

test('wrong types say what was expected and what was found', () => {
  assert.deepEqual(messages(`${header}environments: [dev, prod]\napps: {}\n`), [
    'capstan.yaml:3:16: environments[0]: must be a mapping such as "name: dev", got "dev"',
    'capstan.yaml:3:21: environments[1]: must be a mapping such as "name: dev", got "prod"',
    'capstan.yaml:4:7: apps: must be a list of apps, e.g. "- name: guestbook", got a mapping',
  ]);
  assert.equal(onlyIssue(`${header}environments: []\n`), 'capstan.yaml:3:15: environments: must list at least one environment, e.g. "- name: dev"');
  const app = (body: string): string => `${header}environments:\n  - name: dev\napps:\n  - name: web\n    source: web\n    namespace: web\n${body}`;
  assert.equal(onlyIssue(app('    dependsOn: api\n')), 'capstan.yaml:9:16: apps[0].dependsOn: must be a list of app names, e.g. [database], got "api"');
  assert.equal(onlyIssue(app('    createNamespace:\n')), 'capstan.yaml:9:5: apps[0].createNamespace: must be true or false, got an empty value');
  assert.equal(onlyIssue(app('    helm: { values: [1] }\n')), 'capstan.yaml:9:21: apps[0].helm.values: must be a mapping of Helm values, e.g. { replicaCount: 2 }, got a list');
  assert.equal(onlyIssue(app('    syncOptions: { timeout: 300 }\n')), 'capstan.yaml:9:29: apps[0].syncOptions.timeout: must be a duration such as 30s, 5m or 1h30m, got 300 (a number): add a unit (h, m, s or ms)');
  assert.equal(
    onlyIssue(app('    syncOptions: { retry: { backoff: 5m } }\n')),
    'capstan.yaml:9:38: apps[0].syncOptions.retry.backoff: is longer than retry.maxBackoff (3m by default): shorten it or raise maxBackoff',
  );
  assert.equal(onlyIssue(app('    environments: {}\n')), 'capstan.yaml:9:19: apps[0].environments: lists no environment: list the environments the app is deployed to, or remove environments to deploy it to all of them');
  assert.equal(onlyIssue(app('    environments:\n      dev: { sync: auto, syncPolicy: { automated: false } }\n')), 'capstan.yaml:10:20: apps[0].environments.dev.sync: is a shorthand for syncPolicy.automated, which is also set: keep one of them');
  assert.equal(onlyIssue(app('    name: api\n')), 'capstan.yaml:9:5: this key is already set above in the same mapping: keep one of them');
  assert.equal(onlyIssue(`${header}environments:\n  - name: dev\n    cluster: *ctx\n`), 'capstan.yaml:5:14: environments[0].cluster: alias *ctx refers to no anchor: define &ctx before using it');
});

test('names of images, tags, digests and paths are checked with the fix spelled out', () => {
  const app = (body: string): string => `${header}environments:\n  - name: dev\napps:\n  - name: web\n    namespace: web\n${body}`;
  assert.equal(onlyIssue(app('    source: apps\\web\n')), 'capstan.yaml:8:13: apps[0].source: must use forward slashes, got "apps\\web": write "apps/web"');
  assert.equal(onlyIssue(app('    source: https://github.com/org/repo\n')), 'capstan.yaml:8:13: apps[0].source: must be a path inside the config repo, not a URL, got "https://github.com/org/repo"');
  assert.equal(onlyIssue(app('    source: apps/./web/../../x\n')), 'capstan.yaml:8:13: apps[0].source: must stay inside the config repo: ".." is not allowed, got "apps/./web/../../x"');
  const images = (entry: string): string => app(`    source: web\n    images:\n      - ${entry}\n`);
  assert.equal(onlyIssue(images('{ name: nginx@sha256:abc, newTag: "1" }')), 'capstan.yaml:10:17: apps[0].images[0].name: must be an image name without a digest, got "nginx@sha256:abc": write "nginx" and put the digest in digest');
  assert.deepEqual(messages(images('{ name: localhost:5000/web, newTag: "1" }')), []);
  assert.equal(onlyIssue(images('{ name: Nginx, newTag: "1" }')), 'capstan.yaml:10:17: apps[0].images[0].name: must be an image name (lowercase path components separated by "/", optionally after a registry host), got "Nginx"');
  assert.equal(onlyIssue(images('{ name: nginx, newTag: "-x" }')), 'capstan.yaml:10:32: apps[0].images[0].newTag: must be an image tag (up to 128 letters, digits, "_", "." and "-", not starting with "." or "-"), got "-x"');
  assert.equal(
    onlyIssue(app('    source: charts/web\n    helm:\n      valuesFiles: [../../../secrets.yaml]\n')),
    'capstan.yaml:10:21: apps[0].helm.valuesFiles[0]: "../../../secrets.yaml" leaves the config repo when read from source charts/web: values files must be inside the repo',
  );
  assert.equal(
    onlyIssue(app('    source: charts/web\n    helm:\n      valuesFiles: [../../values.yaml]\n    environments:\n      dev: { source: web }\n')),
    'capstan.yaml:10:21: apps[0].helm.valuesFiles[0]: "../../values.yaml" leaves the config repo when read from source web (environment dev): values files must be inside the repo',
  );
  assert.deepEqual(messages(app('    source: charts/web\n    helm:\n      valuesFiles: [../shared/values.yaml]\n')), [], '.. inside the repo is fine');
});

test('duplicates within an app are reported against the first declaration', () => {
  const app = `${header}environments:\n  - name: dev\napps:\n  - name: web\n    source: web\n    namespace: web\n    images:\n      - { name: nginx, newTag: "1" }\n      - { name: nginx, newTag: "2" }\n    health:\n      - { kind: Widget, rules: [{ status: Healthy, when: [] }] }\n      - { kind: Widget, rules: [{ status: Healthy, when: [] }] }\n`;
  assert.deepEqual(messages(app), [
    'capstan.yaml:11:17: apps[0].images[1].name: image "nginx" is already overridden at line 10: merge the two entries',
    'capstan.yaml:14:17: apps[0].health[1].kind: Widget already has health rules at line 13: merge their rules into one entry',
  ]);
});

test('namespace must be known in every environment the app is deployed to', () => {
  const app = (body: string): string => `${header}environments:\n  - name: dev\n  - name: prod\napps:\n  - name: web\n    source: web\n${body}`;
  assert.deepEqual(messages(app('    environments:\n      dev: { namespace: web-dev }\n      prod: { namespace: web }\n')), []);
  assert.equal(
    onlyIssue(app('    environments:\n      dev: { namespace: web-dev }\n      prod:\n')),
    "capstan.yaml:7:5: apps[0].namespace: is required: the namespace of the app's namespaced objects, such as web; set it here, or under environments.<env>.namespace for each environment (missing for prod)",
  );
});

test('promotion and dependency cycles are reported with the whole path', () => {
  assert.deepEqual(messages(fixture('cycles.yaml')), [
    'capstan.yaml:5:19: environments[0].promotesFrom: promotion cycle: dev -> staging -> prod -> dev: remove promotesFrom from one of these environments',
    'capstan.yaml:11:19: environments[3].promotesFrom: an environment cannot promote from itself: name the environment releases come from, or remove promotesFrom',
    'capstan.yaml:13:19: environments[4].promotesFrom: promotion cycle: blue -> green -> blue: remove promotesFrom from one of these environments',
    'capstan.yaml:20:17: apps[0].dependsOn[0]: dependency cycle: web -> api -> db -> web ("->" reads "depends on"): remove one of these dependsOn entries',
    'capstan.yaml:32:17: apps[3].dependsOn[0]: an app cannot depend on itself: remove this entry',
  ]);
  const twoWay = `${header}environments:\n  - name: dev\n    promotesFrom: staging\n  - name: staging\n    promotesFrom: dev\n`;
  assert.equal(onlyIssue(twoWay), 'capstan.yaml:5:19: environments[0].promotesFrom: promotion cycle: dev -> staging -> dev: remove promotesFrom from one of these environments');
  const dependencies = `${header}environments:\n  - name: dev\napps:\n  - { name: a, source: a, namespace: n, dependsOn: [b, b] }\n  - { name: b, source: b, namespace: n, dependsOn: [a] }\n`;
  assert.deepEqual(messages(dependencies), [
    'capstan.yaml:6:53: apps[0].dependsOn[0]: dependency cycle: a -> b -> a ("->" reads "depends on"): remove one of these dependsOn entries',
    'capstan.yaml:6:56: apps[0].dependsOn[1]: "b" is listed twice: remove one',
  ]);
});

test('sync window schedules are checked field by field', () => {
  const window = (schedule: string): string => `${header}environments:\n  - name: dev\n    syncWindows:\n      - { kind: allow, schedule: ${schedule}, duration: 1h }\n`;
  const problem = (schedule: string): string => onlyIssue(window(schedule)).replace(/^capstan\.yaml:6:34: environments\[0\]\.syncWindows\[0\]\.schedule: /, '');
  assert.equal(problem('"0 24 * * *"'), 'is not a valid cron schedule: hour 24 is out of range 0-23');
  assert.equal(problem('"*/0 * * * *"'), 'is not a valid cron schedule: minute step "0" must be a whole number above 0');
  assert.equal(problem('"30-10 * * * *"'), 'is not a valid cron schedule: minute range 30-10 runs backwards: write 10-30');
  assert.equal(problem('"0 0 * * 8"'), 'is not a valid cron schedule: day-of-week 8 is out of range 0-7');
  assert.equal(problem('"0 0 x * *"'), 'is not a valid cron schedule: day-of-month "x" is not valid: use *, a number 1-31, a range a-b, a list a,b or a step */n');
  assert.equal(problem('"@weekdays"'), 'is not a valid cron schedule: unknown descriptor "@weekdays": use one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, or 5 fields');
  assert.equal(problem('5'), 'must be a cron expression in quotes, such as "0 22 * * *", got 5 (a number)');
  for (const valid of ['"0 0 * JAN-DEC MON-FRI"', '"@daily"', '"0,30 9-17/2 ? * sun,sat"', '"5/10 * 1 1 0"']) assert.deepEqual(messages(window(valid)), [], valid);
});

test('unknown fields suggest a known one within two edits, or list the known ones', () => {
  const issues = checkProject(fixture('unknown-fields.yaml'));
  assert.deepEqual(
    issues.map((i) => [i.path, i.message]),
    [
      ['enviroments', 'unknown field; did you mean "environments"?'],
      ['environments[0].promoteFrom', 'unknown field; did you mean "promotesFrom"?'],
      ['environments[0].region', 'unknown field (known fields: name, cluster, promotesFrom, syncWindows, promotion)'],
      ['apps[0].sorce', 'unknown field; did you mean "source"?'],
      ['apps[0].prune', 'unknown field; did you mean "syncPolicy.prune"?'],
      ['apps[0].syncPolicy.selfheal', 'unknown field; did you mean "selfHeal"?'],
      ['apps[0].environments.dev.valuesFiles', 'unknown field; did you mean "helm.valuesFiles"?'],
      ['apps[0].environments.dev.dependsOn', 'unknown field: "dependsOn" cannot be set per environment: set it on the app'],
    ],
  );
});

test('syncOptions.conflicts is force (the default, left unset) or fail, per app and resolved per environment', () => {
  const app = (body: string): string => `${header}environments:\n  - name: dev\napps:\n  - name: web\n    source: web\n    namespace: web\n${body}`;
  assert.equal(parseProject(app('')).apps[0]!.syncOptions.conflicts, undefined);
  assert.equal(parseProject(app('    syncOptions: { conflicts: fail }\n')).apps[0]!.syncOptions.conflicts, 'fail');
  assert.equal(onlyIssue(app('    syncOptions: { conflicts: stop }\n')), 'capstan.yaml:9:31: apps[0].syncOptions.conflicts: must be "force" or "fail", got "stop"');
});

test('health and ignore rules are checked as capstan.yaml loads, at the line and field they concern, each problem once', () => {
  const text = `${header}environments:
  - name: dev
apps:
  - name: web
    source: apps/web
    namespace: web
    ignoreDifferences:
      - kind: Deployment
      - kind: Service
        jsonPointers: [spec/ports]
    health:
      - kind: Widget
        rules:
          - status: Ready
            when: [{ path: status.phase, equal: Ready }]
      - kind: Gadget
        rules: nope
`;
  assert.deepEqual(messages(text), [
    'capstan.yaml:10:9: apps[0].ignoreDifferences[0]: ignores nothing: set jsonPointers or managedFieldsManagers',
    'capstan.yaml:12:24: apps[0].ignoreDifferences[1].jsonPointers[0]: must be a JSON pointer such as /spec/replicas ("/" before each field; "~1" for a "/" inside a key), got "spec/ports"',
    'capstan.yaml:16:21: apps[0].health[0].rules[0].status: must be one of Healthy, Suspended, Progressing, Missing, Degraded, Unknown, got "Ready"',
    'capstan.yaml:17:20: apps[0].health[0].rules[0].when[0]: needs exactly one of equals, in, exists (found none)',
    'capstan.yaml:17:49: apps[0].health[0].rules[0].when[0].equal: unknown field (expected path, equals, in, exists)',
    'capstan.yaml:19:16: apps[0].health[1].rules: must be a list of rules, got "nope"',
  ]);
});

test('every mistake in an ignore rule is refused at its line, with the fix, and a rule ignores something', () => {
  const text = `${header}environments:
  - name: dev
apps:
  - name: web
    source: apps/web
    namespace: web
    ignoreDifferences:
      - kind: Deployment
        jsonPointers: [spec/replicas, /spec/template/metadata/annotations/a~2b, 3, "", /a~]
      - group: apps
        jsonPointer: /spec/replicas
      - kind: ""
        group: 1
        name: [web]
        managedFieldsManagers: kube-controller-manager
      - kind: Service
      - just a string
      - kind: Deployment
        managedFieldsManagers: [""]
        jsonPointers: null
      - { kind: "*", group: "*", jsonPointers: [/metadata/labels/injected, /metadata/annotations/kubectl.kubernetes.io~1restartedAt] }
      - { kind: Deployment, name: worker, namespace: shop, managedFieldsManagers: [kube-controller-manager] }
`;
  const pointer = 'must be a JSON pointer such as /spec/replicas ("/" before each field; "~1" for a "/" inside a key)';
  assert.deepEqual(messages(text), [
    `capstan.yaml:11:24: apps[0].ignoreDifferences[0].jsonPointers[0]: ${pointer}, got "spec/replicas"`,
    `capstan.yaml:11:39: apps[0].ignoreDifferences[0].jsonPointers[1]: ${pointer}, got "/spec/template/metadata/annotations/a~2b"`,
    'capstan.yaml:11:81: apps[0].ignoreDifferences[0].jsonPointers[2]: must be a JSON pointer such as /spec/replicas, got 3 (a number); quote it to make it text: "3"',
    'capstan.yaml:11:84: apps[0].ignoreDifferences[0].jsonPointers[3]: must be a JSON pointer such as /spec/replicas, got an empty string',
    `capstan.yaml:11:88: apps[0].ignoreDifferences[0].jsonPointers[4]: ${pointer}, got "/a~"`,
    'capstan.yaml:12:9: apps[0].ignoreDifferences[1].kind: is required: the kind of the objects concerned, such as Deployment',
    'capstan.yaml:13:9: apps[0].ignoreDifferences[1].jsonPointer: unknown field; did you mean "jsonPointers"?',
    'capstan.yaml:14:15: apps[0].ignoreDifferences[2].kind: must be a kind such as Deployment, got an empty string',
    'capstan.yaml:15:16: apps[0].ignoreDifferences[2].group: must be an API group such as apps (or "" for the core group), got 1 (a number); quote it to make it text: "1"',
    'capstan.yaml:16:15: apps[0].ignoreDifferences[2].name: must be an object name, got a list',
    'capstan.yaml:17:32: apps[0].ignoreDifferences[2].managedFieldsManagers: must be a list of field manager names, e.g. [kube-controller-manager], got "kube-controller-manager"',
    'capstan.yaml:18:9: apps[0].ignoreDifferences[3]: ignores nothing: set jsonPointers or managedFieldsManagers',
    'capstan.yaml:19:9: apps[0].ignoreDifferences[4]: must be a mapping such as "kind: Deployment", got "just a string"',
    'capstan.yaml:21:33: apps[0].ignoreDifferences[5].managedFieldsManagers[0]: must be a field manager name, got an empty string',
    'capstan.yaml:22:23: apps[0].ignoreDifferences[5].jsonPointers: must be a list of JSON pointers, e.g. [/spec/replicas], got an empty value',
  ]);
});

test('health rules per kind: kind, group and rules are refused at their line like the rules themselves', () => {
  const text = `${header}environments:
  - name: dev
apps:
  - name: web
    source: apps/web
    namespace: web
    health:
      - group: 3
        rules: []
        kinds: Bucket
      - kind: ""
      - kind: Bucket
        rules: []
      - Bucket
`;
  assert.deepEqual(messages(text), [
    'capstan.yaml:10:9: apps[0].health[0].kind: is required: the kind the rules apply to, such as Widget',
    'capstan.yaml:10:16: apps[0].health[0].group: must be an API group such as apps (or "" for the core group), got 3 (a number); quote it to make it text: "3"',
    'capstan.yaml:12:9: apps[0].health[0].kinds: unknown field; did you mean "kind"?',
    'capstan.yaml:13:9: apps[0].health[1].rules: is required: the health rules for this kind',
    'capstan.yaml:13:15: apps[0].health[1].kind: must be a kind such as Widget, got an empty string',
    'capstan.yaml:15:16: apps[0].health[2].rules: must be a non-empty list of {status, when, message}',
    'capstan.yaml:16:9: apps[0].health[3]: must be a mapping such as "kind: Widget", got "Bucket"',
  ]);
});

test('the rules load typed, as health and diff take them: no cast, no second check', () => {
  const project = parseProject(`${header}environments:
  - name: dev
apps:
  - name: web
    source: apps/web
    namespace: web
    ignoreDifferences:
      - { group: apps, kind: Deployment, jsonPointers: [/spec/replicas] }
    health:
      - group: example.com
        kind: Widget
        rules:
          - { status: Degraded, when: [{ path: "status.conditions[type=Ready].status", equals: "False" }], message: "{{ status.conditions[type=Ready].message }}" }
          - { status: Healthy, when: [{ path: status.phase, in: [Ready, Running] }] }
`);
  const app = resolveApp(project, 'web', 'dev');
  const widget = (status: object): Manifest => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'web' }, status });
  assert.deepEqual(assessHealth(widget({ conditions: [{ type: 'Ready', status: 'False', message: 'no quota' }] }), { rules: app.health }), { status: 'Degraded', message: 'no quota' });
  assert.equal(assessHealth(widget({ phase: 'Running' }), { rules: app.health }).status, 'Healthy');
  const deployment = (replicas: number): Manifest => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'web' }, spec: { replicas } });
  assert.deepEqual(normalize(deployment(3), { ignore: app.ignoreDifferences }), normalize(deployment(1), { ignore: app.ignoreDifferences }));
});

test('the full fixture passes every check, its health and ignore rules included', () => {
  assert.deepEqual(checkProject(fixture('full-project.yaml')).map(formatIssue), []);
});

test('pruneRemovedApps is true or false at the top level, off when left out', () => {
  const text = (extra: string): string => `${header}${extra}environments:\n  - name: dev\napps:\n  - { name: web, source: web, namespace: web }\n`;
  assert.equal(parseProject(text('')).pruneRemovedApps, undefined);
  assert.equal(parseProject(text('pruneRemovedApps: true\n')).pruneRemovedApps, true);
  assert.equal(onlyIssue(text('pruneRemovedApps: yes\n')), 'capstan.yaml:3:19: pruneRemovedApps: must be true or false, got "yes"');
});

test('an app of type: artifact needs no source, reads its service, and refuses a source; environments take a promotion gate', () => {
  const project = parseProject(
    `${header}environments:\n  - name: dev\n  - name: prod\n    promotesFrom: dev\n    promotion: { requireHealthyFor: 10m }\napps:\n  - name: web\n    type: artifact\n    service: storefront\n    namespace: web\n`,
  );
  assert.equal(project.apps[0]!.source, 'artifacts/storefront');
  assert.equal(resolveApp(project, 'web', 'dev').service, 'storefront');
  assert.deepEqual(project.environments[1]!.promotion, { requireHealthyForMs: 600_000 });
  assert.equal(
    onlyIssue(`${header}environments:\n  - name: dev\napps:\n  - name: web\n    type: artifact\n    source: apps/web\n    namespace: web\n`),
    'capstan.yaml:8:13: apps[0].source: an app of type: artifact renders the artifact released to each environment (from artifacts/<service>/): remove source',
  );
  assert.equal(
    onlyIssue(`${header}environments:\n  - name: dev\napps:\n  - name: web\n    source: apps/web\n    service: web\n    namespace: web\n`),
    'capstan.yaml:8:14: apps[0].service: service is read only by apps of type: artifact (the service whose released artifact the app renders): add type: artifact, or remove service',
  );
  assert.match(onlyIssue(`${header}environments:\n  - name: dev\n    promotion: {}\napps: []\n`), /environments\[0\]\.promotion: sets no gate: write "requireHealthyFor: 10m"/);
  assert.match(onlyIssue(`${header}environments:\n  - name: dev\n    promotion: { requireHealthyFor: soon }\napps: []\n`), /environments\[0\]\.promotion\.requireHealthyFor: .*soon/);
});
