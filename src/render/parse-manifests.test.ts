import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fullParse, parseManifests, quickParse } from './parse-manifests.ts';

// Plain scalars whose meaning differs between YAML 1.1 and 1.2, or between parsers.
const scalars = [
  'y', 'Y', 'yes', 'Yes', 'YES', 'n', 'N', 'no', 'No', 'NO', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE',
  'on', 'On', 'ON', 'off', 'Off', 'OFF', 'yEs', 'oN', '~', 'null', 'Null', 'NULL', 'nULL', '',
  '0', '00', '0644', '-0644', '+0644', '0o644', '09', '0_7', '0b101', '-0b1_01', '0x1F', '0x_1f', '-0xff', '1_000', '+12', '-12', '1__0',
  '1.5', '1.50', '.5', '+.5', '1.', '1e3', '1.5e-3', '-1E+3', '1_000.5', '12e', '.inf', '-.inf', '+.Inf', '.INF', '.nan', '.NaN', '.NAN',
  '12:30', '1:20:30', '2024-01-01', '2024-01-01T10:00:00Z', '2024-01-01 10:00:00', '0x', '0b', '123abc', 'abc', '"yes"', "'0644'",
  '9007199254740993', '0.1e1_0',
];

function configMap(i: number, scalar: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s${i}\ndata:\n  value: ${scalar}\n  list: [${scalar}]\n  nested:\n    - ${scalar}\n`;
}

test('the fast parser reads every YAML 1.1 plain scalar as the full parser does', () => {
  const text = scalars.map((s, i) => configMap(i, s)).join('---\n');
  const quick = quickParse(text, 'apps/web/values.yaml');
  assert.ok(quick, 'the fast path gave up on plain manifests');
  assert.equal(quick.objects.length, scalars.length);
  assert.deepStrictEqual(quick, fullParse(text, 'apps/web/values.yaml', {}));
  const byName = new Map(quick.objects.map((o) => [o.manifest.metadata.name, (o.manifest as unknown as { data: { value: unknown } }).data.value]));
  // spot checks of what Kubernetes (YAML 1.1) makes of them
  assert.equal(byName.get(`s${scalars.indexOf('yes')}`), true);
  assert.equal(byName.get(`s${scalars.indexOf('off')}`), false);
  assert.equal(byName.get(`s${scalars.indexOf('0644')}`), 420);
  assert.equal(byName.get(`s${scalars.indexOf('0o644')}`), '0o644');
  assert.equal(byName.get(`s${scalars.indexOf('2024-01-01')}`), '2024-01-01');
  assert.equal(byName.get(`s${scalars.indexOf('12:30')}`), '12:30');
  assert.equal(byName.get(`s${scalars.indexOf('"yes"')}`), 'yes');
});

test('keys, block scalars, flow collections, empty documents, Lists and JSON read the same on both paths', () => {
  const files = [
    'a: 1\n---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\ndata: { yes: on, 1: two, "k": "v\\n\\u00e9" }\n---\n# only a comment\n',
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: block\ndata:\n  script: |\n    #!/bin/sh\n    echo "$HOME" # not a comment\n  folded: >-\n    one\n    two\n  keep: |+\n    kept\n\n...\n',
    'apiVersion: v1\nkind: List\nitems:\n  - { apiVersion: v1, kind: ConfigMap, metadata: { name: one } }\n  - apiVersion: v1\n    kind: Secret\n    metadata: { name: two }\n    stringData: { token: "s3cr3t" }\n',
    '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "json", "labels": {"a": "1"}}, "data": {"n": "0644"}}\n',
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: merge\ndata:\n  <<: { a: "1", b: "2" }\n  b: "3"\n',
    '',
    '# nothing here\n',
  ];
  for (const [i, text] of files.entries()) {
    const quick = quickParse(text, `f${i}.yaml`);
    assert.ok(quick, `the fast path gave up on file ${i}`);
    assert.deepStrictEqual(quick, fullParse(text, `f${i}.yaml`, {}), `file ${i}`);
  }
});

test('what the fast path does not take goes to the full parser, with its exact messages', () => {
  const cases: [string, RegExp][] = [
    ['apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n', /f\.yaml:5:3: YAML syntax error: map keys must be unique/],
    ['apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n', /f\.yaml:\d+:\d+: YAML syntax error/],
    ['- just\n- a list\n', /f\.yaml:1:1: a manifest must be a mapping/],
    ['apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: &l { x: "1" }\n  annotations: *l\n', /^$/],
  ];
  for (const [text, message] of cases) {
    assert.equal(quickParse(text, 'f.yaml'), undefined, text);
    const parsed = parseManifests(text, 'f.yaml');
    assert.match(parsed.problems.map((p) => `${p.source}: ${p.message}`).join('\n'), message, text);
  }
  // an alias expands through the full parser, bounded there
  assert.deepEqual(parseManifests(cases[3][0], 'f.yaml').objects[0].manifest.metadata.annotations, { x: '1' });
});
