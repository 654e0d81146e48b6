import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { appsInEnvironment, ConfigValidationError, loadProject, parseProject } from './index.ts';
import { listDirectories } from './app-generators.ts';

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata', 'generators');

const head = `apiVersion: capstan.dev/v1alpha1
kind: Project
environments:
  - name: dev
  - name: prod
`;

function problems(text: string, directories?: Map<string, string[]>): string {
  try {
    parseProject(text, 'capstan.yaml', directories ? { directories } : {});
  } catch (error) {
    assert.ok(error instanceof ConfigValidationError, String(error));
    return error.message;
  }
  assert.fail('expected problems');
}

test('a directory generator makes one app per folder of the checkout, in every environment, next to the hand-written apps', async () => {
  const project = await loadProject(fixture);
  assert.deepEqual(project.apps.map((a) => a.name), ['platform', 'api', 'web', 'team-a', 'team-b']);
  const dev = appsInEnvironment(project, 'dev');
  assert.deepEqual(
    dev.map((a) => [a.name, a.source, a.namespace, a.syncPolicy.automated, a.createNamespace]),
    [
      ['platform', 'platform', 'platform', true, false],
      ['api', 'apps/api', 'api-dev', true, true],
      ['web', 'apps/web', 'web-dev', true, true],
      ['team-a', 'apps/web', 'team-a', true, false],
      ['team-b', 'apps/web', 'team-b', true, false],
    ],
  );
  const prod = appsInEnvironment(project, 'prod');
  assert.deepEqual(
    prod.map((a) => [a.name, a.namespace, a.syncPolicy.automated, a.type]),
    [
      ['platform', 'platform', true, undefined],
      ['api', 'api', false, 'directory'],
      ['web', 'web', false, 'directory'],
    ],
  );
});

test('a pattern matches folders only, never hidden ones nor outside the repo', async () => {
  assert.deepEqual(await listDirectories(fixture, 'apps/*'), ['apps/api', 'apps/legacy', 'apps/web']);
  assert.deepEqual(await listDirectories(fixture, 'apps/w?b'), ['apps/web']);
  assert.deepEqual(await listDirectories(fixture, '*'), ['apps', 'platform']);
  assert.deepEqual(await listDirectories(fixture, '../*'), []);
  assert.deepEqual(await listDirectories(fixture, 'missing/*'), []);
  assert.equal(
    problems(`${head}generators:\n  - directories: ../*\n    template: { name: x, source: x, namespace: x }\n`, new Map()),
    'capstan.yaml:7:18: generators[0].directories: must stay inside the config repo: ".." is not allowed, got "../*"',
  );
});

test('a list generator works from the text alone; a directories generator needs the checkout and says so', () => {
  const project = parseProject(`${head}generators:\n  - list: [a, b]\n    template: { name: "svc-{{item}}", source: "apps/{{item}}", namespace: shared }\n`);
  assert.deepEqual(project.apps.map((a) => [a.name, a.source]), [['svc-a', 'apps/a'], ['svc-b', 'apps/b']]);
  assert.equal(
    problems(`${head}generators:\n  - directories: apps/*\n    template: { name: "{{dir.name}}", source: "{{dir.path}}", namespace: x }\n`),
    'capstan.yaml:7:18: generators[0].directories: lists folders of the config repo, which is not known here (only the text of capstan.yaml was read): load the project from its checkout (loadProject), or use a list generator',
  );
});

test('a generated app is checked as a hand-written one, its problems naming the generator and the element', () => {
  const text = `${head}generators:
  - directories: apps/*
    template:
      name: "{{dir.name}}"
      source: "{{dir.path}}"
      namespace: "{{dir.name}}"
      environments: { staging: {} }
`;
  assert.equal(
    problems(text, new Map([['apps/*', ['apps/Web_1']]])),
    [
      'capstan.yaml has 3 problems:',
      '  capstan.yaml:9:13: generators[0].template.name: in the app made by generators[0] (directory apps/Web_1): must be a DNS label (at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit), got "Web_1": try "web-1"',
      '  capstan.yaml:11:18: generators[0].template.namespace: in the app made by generators[0] (directory apps/Web_1): must be a DNS label (at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit), got "Web_1": try "web-1"',
      '  capstan.yaml:12:23: generators[0].template.environments.staging: in the app made by generators[0] (directory apps/Web_1): unknown environment "staging" (declared environments: dev, prod)',
    ].join('\n'),
  );
});

test('a generated name that another app has is refused, naming both', () => {
  const text = `${head}apps:
  - { name: web, source: apps/web, namespace: web }
generators:
  - directories: apps/*
    template: { name: "{{dir.name}}", source: "{{dir.path}}", namespace: "{{dir.name}}" }
  - list: [{ name: api }]
    template: { name: "{{item.name}}", source: shared, namespace: "{{item.nme}}" }
`;
  assert.equal(
    problems(text, new Map([['apps/*', ['apps/api', 'apps/web']]])),
    [
      'capstan.yaml has 2 problems:',
      '  capstan.yaml:10:23: generators[0].template.name: app "web" made by generators[0] (directory apps/web) is also made by apps[0] (line 7): app names must be unique (exclude the element, or rename one of them)',
      '  capstan.yaml:12:67: generators[1].template: generators[1] (list element 1, api): unknown placeholder {{item.nme}} (known here: {{item.name}}, {{env.name}})',
    ].join('\n'),
  );
  const clash = `${head}generators:\n  - list: [{ name: api }]\n    template: { name: "{{item.name}}", source: shared, namespace: x }\n  - list: [api]\n    template: { name: "{{item}}", source: other, namespace: x }\n`;
  assert.match(problems(clash), /app "api" made by generators\[1\] \(list element 1, api\) is also made by generators\[0\] \(list element 1, api\): app names must be unique/);
});

test('a generator needs one source of elements and a template', () => {
  assert.equal(
    problems(`${head}generators:\n  - template: { name: x, source: x, namespace: x }\n  - list: [a]\n    directories: apps/*\n    template: {}\n  - list: [a]\n`, new Map()),
    [
      'capstan.yaml has 3 problems:',
      '  capstan.yaml:7:5: generators[0]: makes no app: set directories (a pattern of folders of the config repo, such as apps/*) or list (the elements, such as [{ name: a }])',
      '  capstan.yaml:8:11: generators[1].list: cannot be set together with directories: one generator makes apps from one source; write a second generator',
      '  capstan.yaml:11:5: generators[2].template: is required: the app each element makes, with placeholders such as {{dir.name}} or {{item.name}}',
    ].join('\n'),
  );
});

test('{{env.name}} in source, namespace or cluster sets them per environment; a value an environment sets wins', () => {
  const text = `${head}generators:
  - directories: services/*
    template:
      name: "{{dir.name}}"
      source: "{{dir.path}}/overlays/{{env.name}}"
      namespace: "{{dir.name}}-{{env.name}}"
  - list: [{ name: edge }]
    template:
      name: "{{item.name}}"
      source: "edge/{{env.name}}"
      namespace: edge
      environments:
        dev:
        prod: { source: edge/production }
`;
  const project = parseProject(text, 'capstan.yaml', { directories: new Map([['services/*', ['services/cart']]]) });
  assert.deepEqual(
    ['dev', 'prod'].flatMap((env) => appsInEnvironment(project, env).map((a) => `${a.env} ${a.name} ${a.source} ${a.namespace}`)),
    ['dev cart services/cart/overlays/dev cart-dev', 'dev edge edge/dev edge', 'prod cart services/cart/overlays/prod cart-prod', 'prod edge edge/production edge'],
  );
});

test('{{env.name}} anywhere else is refused at its line, naming the generator', () => {
  assert.equal(
    problems(`${head}generators:\n  - list: [a]\n    template: { name: "{{item}}", source: "x/{{env.name}}", namespace: x, dependsOn: ["{{env.name}}"] }\n`),
    'capstan.yaml:8:87: generators[0].template: generators[0] (list element 1, a): {{env.name}} can only be used in source, namespace, cluster (the settings an app has per environment)',
  );
});
