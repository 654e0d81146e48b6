import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { maxNestingDepth, summarizeBody, tooDeep, yamlTooDeep } from './nesting.ts';

const arrays = (levels: number): string => '['.repeat(levels) + ']'.repeat(levels);

test('depth counts every array and object, the outermost as 1, as the apiserver JSON decoder does', () => {
  assert.equal(tooDeep(JSON.parse(arrays(maxNestingDepth))), undefined);
  assert.equal(tooDeep(JSON.parse(arrays(maxNestingDepth + 1))), '[');
  assert.equal(tooDeep({ a: { b: [{}] } }, 4), undefined);
  assert.equal(tooDeep({ a: { b: [{}] } }, 3), '{');
  assert.equal(tooDeep('scalar', 0), undefined);
  assert.equal(tooDeep(JSON.parse(arrays(1_000_000))), '[', 'no recursion, however deep');
});

test('YAML nested deeper than the limit is found before the yaml package builds it, in flow and block style', () => {
  assert.equal(yamlTooDeep(`a: ${arrays(maxNestingDepth - 1)}`), false);
  assert.equal(yamlTooDeep(`a: ${arrays(maxNestingDepth)}`), true);
  assert.equal(yamlTooDeep(`a: ${'{b: '.repeat(maxNestingDepth)}1${'}'.repeat(maxNestingDepth)}`), true);
  const indented = (levels: number): string => Array.from({ length: levels }, (_, i) => `${' '.repeat(i)}k:`).join('\n') + ' 1\n';
  assert.equal(yamlTooDeep(indented(maxNestingDepth)), false);
  assert.equal(yamlTooDeep(indented(maxNestingDepth + 1)), true);
  assert.equal(yamlTooDeep(`${'- '.repeat(maxNestingDepth)}x`), false);
  assert.equal(yamlTooDeep(`${'- '.repeat(maxNestingDepth + 1)}x`), true);
  assert.equal(yamlTooDeep(`${'- '.repeat(1_500_000)}x`), true);
  assert.equal(yamlTooDeep(arrays(1_500_000)), true);
});

test('brackets and indentation that nest nothing do not count', () => {
  const text = [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: text',
    `  ${'k'.repeat(1000)}: a key far to the right`,
    'data:',
    `  quoted: "${'['.repeat(2000)}"`,
    `  single: '${'{'.repeat(2000)}'`,
    `  plain: a${'['.repeat(2000)}`,
    `  # ${'['.repeat(2000)}`,
    '  script: |',
    ...Array.from({ length: 600 }, (_, i) => `    ${' '.repeat(i)}- [[[ {{{ ${'['.repeat(i)}`),
    '',
  ].join('\n');
  assert.equal(yamlTooDeep(text), false);
  assert.equal(tooDeep(parseYaml(text)), undefined);
});

test('aliases can make a value deeper than its text: what the yaml package builds is measured too', () => {
  const text = `a: &a ${arrays(300)}\nb: [${'['.repeat(299)}*a${']'.repeat(299)}]\n`;
  assert.equal(yamlTooDeep(text), false);
  assert.equal(tooDeep(parseYaml(text)), '[');
});

test('a body in an error message: up to 30 bytes, as text when it looks like JSON, in hex otherwise', () => {
  assert.equal(summarizeBody(Buffer.from('{"apiVersion":"v1","kind":"ConfigMap"}')), '{"apiVersion":"v1","kind":"Con ...');
  assert.equal(summarizeBody(Buffer.from('{"a":1}')), '{"a":1}');
  assert.equal(summarizeBody(Buffer.from('apiVersion: v1\nkind: ConfigMap\n')), '61706956657273696f6e3a2076310a6b696e643a20436f6e6669674d6170 ...');
  assert.equal(summarizeBody(Buffer.alloc(0)), '<empty>');
});
