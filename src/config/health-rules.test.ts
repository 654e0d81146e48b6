import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { readHealthRuleCases } from './health-rules.ts';

const problemsOf = (cases: unknown): string[] => readHealthRuleCases(cases).problems.map((p) => `${p.path.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('')}: ${p.message}`);

describe('readHealthRuleCases', () => {
  it('reads valid rules as read from YAML into typed cases', () => {
    const cases = parse(`
- status: Degraded
  when:
    - path: status.conditions[type=Synced].status
      equals: "False"
  message: "Sync failed: {{ status.conditions[type=Synced].message }}"
- status: Healthy
  when:
    - { path: "status.conditions[type=Ready].status", equals: True }
    - { path: status.atProvider.arn, exists: true }
    - { path: status.phase, in: [Ready, Available, 3] }
- { status: Unknown, when: [] }
`) as unknown;
    assert.deepEqual(readHealthRuleCases(cases), {
      cases: [
        { status: 'Degraded', when: [{ path: 'status.conditions[type=Synced].status', equals: 'False' }], message: 'Sync failed: {{ status.conditions[type=Synced].message }}' },
        {
          status: 'Healthy',
          when: [
            { path: 'status.conditions[type=Ready].status', equals: true },
            { path: 'status.atProvider.arn', exists: true },
            { path: 'status.phase', in: ['Ready', 'Available', 3] },
          ],
        },
        { status: 'Unknown', when: [] },
      ],
      problems: [],
    });
  });

  it('refuses what is not a non-empty list', () => {
    for (const value of [[], undefined, null, { status: 'Healthy', when: [] }]) {
      assert.deepEqual(readHealthRuleCases(value), { cases: [], problems: [{ path: [], message: 'must be a non-empty list of {status, when, message}' }] });
    }
  });

  it('names the case and the field of every problem, and keeps only the valid cases', () => {
    const cases = parse(`
- status: Failed
  when:
    - path: status.conditions[type=Synced
      equals: "False"
    - path: status.phase
    - path: status.phase
      equals: Running
      exists: true
    - { path: status.phase, equals: [a] }
    - { path: status.phase, in: [] }
    - { path: status.phase, exists: "yes" }
    - { equal: Running }
    - Running
- when: {}
  message: "{{ status..x }}"
- status: Healthy
  message: 7
  when: []
- nope
- status: Healthy
- { status: Degraded, when: [{ path: status.phase, equals: Failed }] }
`) as unknown;
    assert.deepEqual(problemsOf(cases), [
      '[0].status: must be one of Healthy, Suspended, Progressing, Missing, Degraded, Unknown, got "Failed"',
      '[0].when[0].path: invalid path "status.conditions[type=Synced": unclosed "[" at character 18',
      '[0].when[1]: needs exactly one of equals, in, exists (found none)',
      '[0].when[2]: needs exactly one of equals, in, exists (found equals, exists)',
      '[0].when[3].equals: must be a string, number or boolean, got a list',
      '[0].when[4].in: must be a non-empty list of strings, numbers or booleans',
      '[0].when[5].exists: must be true or false, got string "yes"',
      '[0].when[6].equal: unknown field (expected path, equals, in, exists)',
      '[0].when[6].path: is required, e.g. status.conditions[type=Ready].status',
      '[0].when[6]: needs exactly one of equals, in, exists (found none)',
      '[0].when[7]: must be a mapping with path and one of equals, in, exists, got string "Running"',
      '[1].status: is required, one of Healthy, Suspended, Progressing, Missing, Degraded, Unknown',
      '[1].message: invalid path "status..x" in {{ status..x }}: empty field name at character 8',
      '[1].when: must be a list of matches (use [] to always match)',
      '[2].message: must be a string, got number 7',
      '[3]: must be a mapping with status and when, got string "nope"',
      '[4].when: is required, a list of matches (use [] to always match)',
    ]);
    assert.deepEqual(readHealthRuleCases(cases).cases, [{ status: 'Degraded', when: [{ path: 'status.phase', equals: 'Failed' }] }]);
  });

  it('gives the problems as data, with paths below the list, for capstan.yaml to locate', () => {
    assert.deepEqual(readHealthRuleCases([{ status: 'True', condition: 'Ready', when: [{ path: 'status..phase', equals: 'Ready' }] }]).problems, [
      { path: [0, 'condition'], message: 'unknown field (expected status, when, message)' },
      { path: [0, 'status'], message: 'must be one of Healthy, Suspended, Progressing, Missing, Degraded, Unknown, got "True"' },
      { path: [0, 'when', 0, 'path'], message: 'invalid path "status..phase": empty field name at character 8' },
    ]);
  });
});
