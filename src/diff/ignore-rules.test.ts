import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { ignoreRuleProblems, ruleMatches, validateIgnoreRules } from './ignore-rules.ts';

const deployment = { group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web' };

describe('validateIgnoreRules', () => {
  it('accepts valid rules, and no rules at all', () => {
    const rules = parse(`
- group: apps
  kind: Deployment
  jsonPointers: [/spec/replicas, /metadata/annotations/kubectl.kubernetes.io~1restartedAt]
- kind: Deployment
  name: worker
  namespace: shop
  managedFieldsManagers: [kube-controller-manager]
- group: admissionregistration.k8s.io
  kind: MutatingWebhookConfiguration
  jsonPointers: [/webhooks/0/clientConfig/caBundle]
- group: "*"
  kind: "*"
  jsonPointers: [/metadata/labels/injected]
`) as unknown;
    assert.deepEqual(validateIgnoreRules(rules), []);
    assert.deepEqual(validateIgnoreRules(undefined), []);
    assert.deepEqual(validateIgnoreRules([]), []);
  });

  it('names the rule index and the field of every problem', () => {
    const rules = parse(`
- kind: Deployment
  jsonPointers: [spec/replicas, /spec/template/metadata/annotations/a~2b, 3, ""]
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
`) as unknown;
    assert.deepEqual(validateIgnoreRules(rules), [
      'ignore[0].jsonPointers[0]: "spec/replicas" is not a JSON pointer: it must start with "/", such as /spec/replicas',
      'ignore[0].jsonPointers[1]: "/spec/template/metadata/annotations/a~2b" is not a JSON pointer: "~" must be followed by 0 or 1 (write ~0 for "~" and ~1 for "/")',
      'ignore[0].jsonPointers[2]: must be a string, got a number',
      'ignore[0].jsonPointers[3]: "" points at the whole object; point at a field, such as /spec/replicas',
      'ignore[1].jsonPointer: unknown field (known: group, kind, name, namespace, jsonPointers, managedFieldsManagers)',
      'ignore[1].kind: required: the kind of object the rule applies to, such as Deployment, or "*" for every kind',
      'ignore[1]: ignores nothing: set jsonPointers or managedFieldsManagers',
      'ignore[2].kind: must be a non-empty string, got an empty string',
      'ignore[2].group: must be a string ("" is the core group), got a number',
      'ignore[2].name: must be a string, got a list',
      'ignore[2].managedFieldsManagers: must be a list of field manager names, got a string',
      'ignore[3]: ignores nothing: set jsonPointers or managedFieldsManagers',
      'ignore[4]: must be a mapping with at least a kind, got a string',
      'ignore[5].jsonPointers: must be a list of JSON pointers such as /spec/replicas, got null',
      'ignore[5].managedFieldsManagers[0]: "" is not a field manager name: it is empty',
    ]);
  });

  it('says when the rules are not a list, under the field name the config uses', () => {
    assert.deepEqual(validateIgnoreRules({ kind: 'Deployment' }), ['ignore: must be a list of rules, got a mapping']);
    assert.deepEqual(validateIgnoreRules('x', { field: 'apps[0].ignoreDifferences' }), ['apps[0].ignoreDifferences: must be a list of rules, got a string']);
    assert.deepEqual(validateIgnoreRules([{ kind: 'Deployment' }], { field: 'apps[0].ignoreDifferences' }), [
      'apps[0].ignoreDifferences[0]: ignores nothing: set jsonPointers or managedFieldsManagers',
    ]);
  });
});

describe('ruleMatches', () => {
  it('matches kind, and group, name and namespace when given', () => {
    const pointers = ['/spec/replicas'];
    assert.equal(ruleMatches({ kind: 'Deployment', jsonPointers: pointers }, deployment), true);
    assert.equal(ruleMatches({ kind: 'Deployment', group: 'apps', name: 'web', namespace: 'shop', jsonPointers: pointers }, deployment), true);
    assert.equal(ruleMatches({ kind: '*', group: '*', jsonPointers: pointers }, deployment), true);
    assert.equal(ruleMatches({ kind: 'Deployment', group: '', jsonPointers: pointers }, deployment), false);
    assert.equal(ruleMatches({ kind: 'StatefulSet', jsonPointers: pointers }, deployment), false);
    assert.equal(ruleMatches({ kind: 'Deployment', name: 'worker', jsonPointers: pointers }, deployment), false);
    assert.equal(ruleMatches({ kind: 'Deployment', namespace: 'default', jsonPointers: pointers }, deployment), false);
  });
});

describe('ignoreRuleProblems', () => {
  it('gives the problems of one rule as data, with paths below the rule, for capstan.yaml to locate', () => {
    assert.deepEqual(ignoreRuleProblems({ kind: 'Deployment', jsonPointers: ['/spec/replicas'] }), []);
    assert.deepEqual(ignoreRuleProblems({ kind: 'Deployment' }), [{ path: [], message: 'ignores nothing: set jsonPointers or managedFieldsManagers' }]);
    assert.deepEqual(ignoreRuleProblems({ kind: 'Deployment', managedFieldsManagers: [''] }), [{ path: ['managedFieldsManagers', 0], message: '"" is not a field manager name: it is empty' }]);
  });
});
