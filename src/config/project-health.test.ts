import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Manifest } from '../core/index.ts';
import { assessHealth } from '../health/index.ts';
import { checkProject, formatIssue, parseProject, resolveApp } from './index.ts';

// `health:` at the top of capstan.yaml: the rule list an app's `health:` takes, for every app.

const header = 'apiVersion: capstan.dev/v1alpha1\nkind: Project\n';

const project = `${header}environments:
  - name: dev
health:
  - group: example.com
    kind: Widget
    rules:
      - { status: Degraded, when: [{ path: "status.conditions[type=Ready].status", equals: "False" }], message: "project: {{ status.conditions[type=Ready].message }}" }
  - kind: Bucket
    rules:
      - { status: Healthy, when: [{ path: status.phase, equals: Bound }] }
      - { status: Progressing, when: [], message: "project: not bound" }
apps:
  - { name: plain, source: plain, namespace: plain }
  - name: own
    source: own
    namespace: own
    health:
      - kind: Bucket
        rules:
          - { status: Suspended, when: [{ path: spec.paused, equals: true }], message: "own: paused" }
`;

const widget: Manifest = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'plain' }, status: { conditions: [{ type: 'Ready', status: 'False', message: 'no quota' }] } };
const bucket = (extra: Record<string, unknown>): Manifest => ({ apiVersion: 'storage.example.com/v1', kind: 'Bucket', metadata: { name: 'b', namespace: 'plain' }, ...extra });

test('the project-wide health rules load typed, and apply to every app', () => {
  const parsed = parseProject(project);
  assert.deepEqual(
    parsed.health?.map((rule) => [rule.group, rule.kind, rule.rules.length]),
    [
      ['example.com', 'Widget', 1],
      [undefined, 'Bucket', 2],
    ],
  );
  const plain = resolveApp(parsed, 'plain', 'dev');
  assert.deepEqual(assessHealth(widget, { rules: plain.health }), { status: 'Degraded', message: 'project: no quota' });
  assert.deepEqual(assessHealth(bucket({ status: { phase: 'Pending' } }), { rules: plain.health }), { status: 'Progressing', message: 'project: not bound' });
  // an app with rules of its own still gets the project's for the other kinds
  assert.deepEqual(assessHealth(widget, { rules: resolveApp(parsed, 'own', 'dev').health }), { status: 'Degraded', message: 'project: no quota' });
});

test("an app's own rule for a kind comes first and replaces the project's for that kind", () => {
  const own = resolveApp(parseProject(project), 'own', 'dev');
  assert.deepEqual(
    own.health.map((rule) => rule.kind),
    ['Bucket', 'Widget'],
  );
  assert.deepEqual(assessHealth(bucket({ spec: { paused: true } }), { rules: own.health }), { status: 'Suspended', message: 'own: paused' });
  // the project's catch-all for Bucket does not apply to this app: the built-in assessment does
  assert.deepEqual(assessHealth(bucket({ status: { phase: 'Pending' } }), { rules: own.health }), { status: 'Healthy' });
});

test('an app without rules in a project without them has none', () => {
  const parsed = parseProject(`${header}environments:\n  - name: dev\napps:\n  - { name: web, source: web, namespace: web }\n`);
  assert.equal(parsed.health, undefined);
  assert.deepEqual(resolveApp(parsed, 'web', 'dev').health, []);
});

test('mistakes in the project-wide rules are reported at their line, as in an app', () => {
  const text = `${header}environments:
  - name: dev
health:
  - kind: Widget
    rules:
      - { status: Fine, when: [] }
  - kinds: Bucket
    rules:
      - { status: Healthy, when: [] }
  - Gadget
apps: []
`;
  assert.deepEqual(checkProject(text).map(formatIssue), [
    'capstan.yaml:8:19: health[0].rules[0].status: must be one of Healthy, Suspended, Progressing, Missing, Degraded, Unknown, got "Fine"',
    'capstan.yaml:9:5: health[1].kinds: unknown field; did you mean "kind"?',
    'capstan.yaml:9:5: health[1].kind: is required: the kind the rules apply to, such as Widget',
    'capstan.yaml:12:5: health[2]: must be a mapping such as "kind: Widget", got "Gadget"',
  ]);
});
