import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkProject, formatIssue, parseProject, promotionOrder, resolveApp, starterProject } from './index.ts';
import { renderStarter } from './starter-project.ts';

test('the starter capstan.yaml parses without issues', () => {
  const text = starterProject();
  assert.deepEqual(checkProject(text), []);
  const project = parseProject(text);
  assert.deepEqual(promotionOrder(project), [['dev', 'staging', 'prod']]);
  assert.equal(resolveApp(project, 'guestbook', 'dev').namespace, 'guestbook-dev');
});

test('every commented-out example of the starter is valid when switched on, health and ignore rules included', () => {
  const text = renderStarter({ examples: true });
  assert.deepEqual(checkProject(text).map(formatIssue), []);
  const project = parseProject(text);
  assert.deepEqual(project.apps.map((a) => a.name), ['guestbook', 'database']);
  assert.equal(project.environments[2].syncWindows.length, 1);
  assert.deepEqual(project.environments[1].promotion, { requireHealthyForMs: 600_000 });
});

test('the starter explains every field of the schema', () => {
  const text = renderStarter({ examples: true });
  const fields = [
    'apiVersion', 'kind', 'environments', 'name', 'cluster', 'promotesFrom', 'promotion', 'requireHealthyFor', 'syncWindows', 'schedule', 'duration', 'timeZone',
    'apps', 'source', 'type', 'namespace', 'createNamespace', 'dependsOn', 'helm', 'releaseName', 'valuesFiles', 'values',
    'images', 'newName', 'newTag', 'digest', 'ignoreDifferences', 'jsonPointers', 'managedFieldsManagers', 'health', 'rules', 'when', 'path', 'equals', 'message',
    'syncPolicy', 'automated', 'prune', 'selfHeal', 'allowEmpty', 'syncOptions', 'timeout', 'retry', 'sync',
    'scopes', 'scope', 'namespaces', 'clusterResources', 'group',
  ];
  for (const field of fields) assert.match(text, new RegExp(`\\b${field}:`), field);
  assert.doesNotMatch(starterProject(), /^ *\?/m, 'no template marker leaks into the output');
});
