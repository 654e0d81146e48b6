// A pins app pointing at a folder per namespace and environment: the source may be given per
// environment only, and the namespace is the folder's name unless one is set.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkProject, formatIssue, parseProject, resolveApp } from './index.ts';

const project = (app: string): string => `apiVersion: capstan.dev/v1alpha1
kind: Project
environments:
  - name: development
  - name: production
apps:
${app}`;

test('a pins app: sources per environment, each folder its namespace', () => {
  const parsed = parseProject(
    project(`  - name: services
    type: pins
    environments:
      development: { source: state/development }
      production: { source: state/production, namespace: prod-shop }
`),
  );
  const dev = resolveApp(parsed, 'services', 'development');
  assert.deepEqual([dev.source, dev.namespace], ['state/development', 'development']);
  const prod = resolveApp(parsed, 'services', 'production');
  assert.deepEqual([prod.source, prod.namespace], ['state/production', 'prod-shop'], 'a namespace set wins');
});

test('a source missing for an environment, and a pins folder that is no namespace name, are reported at the app', () => {
  const issues = checkProject(
    project(`  - name: services
    type: pins
    environments:
      development: { source: state/Development_1 }
      production:
`),
  ).map(formatIssue);
  assert.deepEqual(issues, [
    'capstan.yaml:7:5: apps[0].source: is required: the directory of the app\'s manifests inside the config repo, such as apps/guestbook; set it here, or under environments.<env>.source for each environment (missing for production)',
    'capstan.yaml:7:5: apps[0].namespace: is required: the namespace of the app\'s namespaced objects, such as services; set it here, or under environments.<env>.namespace for each environment (missing for development, production)',
  ]);
});

test('an app of another type still needs its namespace set', () => {
  const issues = checkProject(project('  - name: web\n    environments:\n      development: { source: apps/web }\n      production: { source: apps/web-prod }\n')).map(formatIssue);
  assert.equal(issues.length, 1);
  assert.match(issues[0]!, /apps\[0\]\.namespace: is required/);
});
