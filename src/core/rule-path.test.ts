import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRulePath } from './rule-path.ts';

describe('parseRulePath', () => {
  it('reads fields, list filters, indexes and quoted keys into steps', () => {
    assert.deepEqual(parseRulePath('status.conditions[ type = "a.b/c" ].status'), {
      ok: true,
      steps: [
        { kind: 'key', key: 'status' },
        { kind: 'key', key: 'conditions' },
        { kind: 'filter', key: 'type', value: 'a.b/c' },
        { kind: 'key', key: 'status' },
      ],
    });
    assert.deepEqual(parseRulePath("metadata.annotations['example.com/state']"), {
      ok: true,
      steps: [
        { kind: 'key', key: 'metadata' },
        { kind: 'key', key: 'annotations' },
        { kind: 'key', key: 'example.com/state' },
      ],
    });
    assert.deepEqual(parseRulePath('spec.ports[1]'), { ok: true, steps: [{ kind: 'key', key: 'spec' }, { kind: 'key', key: 'ports' }, { kind: 'index', index: 1 }] });
  });

  it('rejects malformed paths with the position', () => {
    const cases: [string, string][] = [
      ['', 'empty path'],
      ['status.', 'path ends with "."'],
      ['.status', 'empty field name at character 1'],
      ['status..phase', 'empty field name at character 8'],
      ['status.conditions[type=Ready', 'unclosed "[" at character 18'],
      ['status.conditions]', 'unexpected "]" at character 18'],
      ['status.[0]', '"[" must follow a field name, not "." at character 8'],
      ['status.conditions[0]x', 'expected "." or "[" at character 21'],
      ['status.conditions[type=]', 'filter "[type=]" has no value at character 18'],
      ['status.conditions[-1]', 'invalid selector "[-1]": expected [N], ["key"] or [field=value] at character 18'],
      ['status.my phase', 'field name "my phase" contains a space (quote it: ["my phase"]) at character 8'],
    ];
    for (const [path, error] of cases) assert.deepEqual(parseRulePath(path), { ok: false, error }, path);
  });
});
