import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ruleMatches } from './ignore-rules.ts';

const deployment = { group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web' };

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
