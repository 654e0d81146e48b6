import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { healthRuleCaseProblems, validateHealthRules } from './index.ts';

describe('validateHealthRules', () => {
  it('accepts valid rules as read from YAML, and no rules', () => {
    const rules = parse(`
- group: s3.aws.upbound.io
  kind: Bucket
  rules:
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
- kind: ConfigMap
  group: ""
  rules:
    - { status: Healthy, when: [] }
`);
    assert.deepEqual(validateHealthRules(rules), []);
    assert.deepEqual(validateHealthRules(undefined), []);
    assert.deepEqual(validateHealthRules([]), []);
  });

  it('rejects what is not a list of mappings', () => {
    assert.deepEqual(validateHealthRules({ kind: 'Bucket' }), ['healthRules: must be a list of rules, got a mapping']);
    assert.deepEqual(validateHealthRules(null), ['healthRules: must be a list of rules, got null']);
    assert.deepEqual(validateHealthRules(['Bucket'], { at: 'apps[2].healthRules' }), ['apps[2].healthRules[0]: must be a mapping with kind and rules, got string "Bucket"']);
  });

  it('names the rule index and the field of every problem', () => {
    const rules = parse(`
- group: 3
  rules: []
  kinds: Bucket
- kind: Bucket
  rules:
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
`);
    assert.deepEqual(validateHealthRules(rules), [
      'healthRules[0].kinds: unknown field (expected group, kind, rules)',
      'healthRules[0].kind: is required, e.g. Deployment',
      'healthRules[0].group: must be a string (use "" for the core group), got number 3',
      'healthRules[0].rules: must be a non-empty list of {status, when, message}',
      'healthRules[1].rules[0].status: must be one of Healthy, Suspended, Progressing, Missing, Degraded, Unknown, got "Failed"',
      'healthRules[1].rules[0].when[0].path: invalid path "status.conditions[type=Synced": unclosed "[" at character 18',
      'healthRules[1].rules[0].when[1]: needs exactly one of equals, in, exists (found none)',
      'healthRules[1].rules[0].when[2]: needs exactly one of equals, in, exists (found equals, exists)',
      'healthRules[1].rules[0].when[3].equals: must be a string, number or boolean, got a list',
      'healthRules[1].rules[0].when[4].in: must be a non-empty list of strings, numbers or booleans',
      'healthRules[1].rules[0].when[5].exists: must be true or false, got string "yes"',
      'healthRules[1].rules[0].when[6].equal: unknown field (expected path, equals, in, exists)',
      'healthRules[1].rules[0].when[6].path: is required, e.g. status.conditions[type=Ready].status',
      'healthRules[1].rules[0].when[6]: needs exactly one of equals, in, exists (found none)',
      'healthRules[1].rules[0].when[7]: must be a mapping with path and one of equals, in, exists, got string "Running"',
      'healthRules[1].rules[1].status: is required, one of Healthy, Suspended, Progressing, Missing, Degraded, Unknown',
      'healthRules[1].rules[1].message: invalid path "status..x" in {{ status..x }}: empty field name at character 8',
      'healthRules[1].rules[1].when: must be a list of matches (use [] to always match)',
      'healthRules[1].rules[2].message: must be a string, got number 7',
      'healthRules[1].rules[3]: must be a mapping with status and when, got string "nope"',
    ]);
  });

  it('requires kind, rules and when', () => {
    assert.deepEqual(validateHealthRules([{ kind: '' }, { kind: 'X', rules: [{ status: 'Healthy' }] }]), [
      'healthRules[0].kind: must be a non-empty string, e.g. Deployment',
      'healthRules[0].rules: is required, a non-empty list of {status, when, message}',
      'healthRules[1].rules[0].when: is required, a list of matches (use [] to always match)',
    ]);
  });

  it('gives the problems of one kind\'s rules as data, with paths below the list, for capstan.yaml to locate', () => {
    assert.deepEqual(healthRuleCaseProblems([{ status: 'Healthy', when: [] }]), []);
    assert.deepEqual(healthRuleCaseProblems([]), [{ path: [], message: 'must be a non-empty list of {status, when, message}' }]);
    assert.deepEqual(healthRuleCaseProblems([{ status: 'True', condition: 'Ready', when: [{ path: 'status..phase', equals: 'Ready' }] }]), [
      { path: [0, 'condition'], message: 'unknown field (expected status, when, message)' },
      { path: [0, 'status'], message: 'must be one of Healthy, Suspended, Progressing, Missing, Degraded, Unknown, got "True"' },
      { path: [0, 'when', 0, 'path'], message: 'invalid path "status..phase": empty field name at character 8' },
    ]);
  });
});
