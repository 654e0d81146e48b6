import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRulePath } from '../core/index.ts';
import { resolveRulePath } from './rule-path.ts';

const object = {
  metadata: { annotations: { 'example.com/state': 'on' } },
  spec: { ports: [{ name: 'http', port: 80 }, { name: 'grpc', port: 9090 }] },
  status: {
    phase: 'Running',
    conditions: [
      { type: 'Ready', status: 'True' },
      { type: 'Synced', status: 'False', message: 'bad [value]' },
      { type: 'a.b/c', status: 'True' },
    ],
  },
};

function resolve(path: string): unknown {
  const parsed = parseRulePath(path);
  assert.ok(parsed.ok, `${path}: ${parsed.ok ? '' : parsed.error}`);
  return resolveRulePath(object, parsed.steps);
}

describe('rule paths', () => {
  it('resolves fields, list filters, indexes and quoted keys', () => {
    assert.equal(resolve('status.phase'), 'Running');
    assert.equal(resolve('status.conditions[type=Synced].status'), 'False');
    assert.equal(resolve('status.conditions[ type = "Synced" ].message'), 'bad [value]');
    assert.equal(resolve('status.conditions[type="a.b/c"].status'), 'True');
    assert.equal(resolve('status.conditions[1].type'), 'Synced');
    assert.equal(resolve('spec.ports[port=9090].name'), 'grpc');
    assert.equal(resolve('metadata.annotations["example.com/state"]'), 'on');
    assert.equal(resolve("metadata.annotations['example.com/state']"), 'on');
  });

  it('resolves to undefined when a step finds nothing', () => {
    assert.equal(resolve('status.conditions[type=Stalled].status'), undefined);
    assert.equal(resolve('status.conditions[7]'), undefined);
    assert.equal(resolve('status.phase.deeper'), undefined);
    assert.equal(resolve('status[0]'), undefined);
    assert.equal(resolve('spec.ports.name'), undefined);
  });
});
