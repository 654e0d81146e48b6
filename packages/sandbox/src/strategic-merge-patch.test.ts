import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { strategicMergePatch } from './strategic-merge-patch.ts';
import { builtinMergeSchema } from './merge-schema.ts';
import { cloneJson } from './field-set.ts';

const schema = builtinMergeSchema('apps', 'Deployment');

function deployment(): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web', tier: 'front' }, finalizers: ['example.com/a'] },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            { name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
            { name: 'log', image: 'fluent-bit:3' },
          ],
          tolerations: [{ key: 'a', operator: 'Exists' }],
        },
      },
    },
  };
}

const patchContainers = (containers: unknown[], extra: Record<string, unknown> = {}) => ({ spec: { template: { spec: { containers, ...extra } } } });
// The patched containers of a result.
const containersOf = (value: unknown) => (value as ReturnType<typeof deployment> & { spec: { template: { spec: { containers: Record<string, unknown>[] } } } }).spec.template.spec.containers;

describe('strategicMergePatch', () => {
  it('merges maps, and null deletes a key', () => {
    const out = strategicMergePatch(deployment(), { metadata: { labels: { tier: null, team: 'shop' } }, spec: { replicas: 3 } }, schema) as ReturnType<typeof deployment>;
    assert.deepEqual((out.metadata as { labels: unknown }).labels, { app: 'web', team: 'shop' });
    assert.equal((out.spec as { replicas: number }).replicas, 3);
  });

  it('merges containers by name and their env by name, appending new ones', () => {
    const out = strategicMergePatch(
      deployment(),
      patchContainers([{ name: 'nginx', image: 'nginx:1.28', env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }] }, { name: 'sidecar', image: 'envoy' }]),
      schema,
    );
    const containers = containersOf(out);
    assert.deepEqual(containers.map((c) => c.name), ['nginx', 'log', 'sidecar']);
    assert.equal(containers[0].image, 'nginx:1.28');
    assert.deepEqual(containers[0].env, [{ name: 'A', value: '1' }, { name: 'B', value: '3' }, { name: 'C', value: '4' }]);
    assert.deepEqual(containers[0].ports, [{ containerPort: 80, protocol: 'TCP' }]);
  });

  it('merges ports by containerPort (the first key)', () => {
    const out = strategicMergePatch(deployment(), patchContainers([{ name: 'nginx', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }] }]), schema);
    assert.deepEqual(containersOf(out)[0].ports, [{ containerPort: 80, protocol: 'TCP', name: 'http' }, { containerPort: 443 }]);
  });

  it('replaces lists that are not merged by key', () => {
    const out = strategicMergePatch(deployment(), patchContainers([], { tolerations: [{ key: 'b', operator: 'Exists' }] }), schema);
    assert.deepEqual((out as { spec: { template: { spec: { tolerations: unknown } } } }).spec.template.spec.tolerations, [{ key: 'b', operator: 'Exists' }]);
    assert.equal(containersOf(out).length, 2, 'an empty merge list changes nothing');
  });

  it('deletes list items with $patch: delete and replaces the list with $patch: replace', () => {
    const deleted = strategicMergePatch(deployment(), patchContainers([{ name: 'log', $patch: 'delete' }]), schema);
    assert.deepEqual(containersOf(deleted).map((c) => c.name), ['nginx']);
    const replaced = strategicMergePatch(deployment(), patchContainers([{ name: 'only', image: 'x' }, { $patch: 'replace' }]), schema);
    assert.deepEqual(containersOf(replaced), [{ name: 'only', image: 'x' }]);
  });

  it('replaces or deletes a map with $patch', () => {
    const replaced = strategicMergePatch(deployment(), { metadata: { labels: { $patch: 'replace', fresh: 'yes' } } }, schema) as { metadata: { labels: unknown } };
    assert.deepEqual(replaced.metadata.labels, { fresh: 'yes' });
    const emptied = strategicMergePatch(deployment(), { spec: { selector: { $patch: 'delete' } } }, schema) as { spec: { selector: unknown } };
    assert.deepEqual(emptied.spec.selector, {});
  });

  it('keeps only $retainKeys', () => {
    const original = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } };
    const out = strategicMergePatch(original, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }, schema);
    assert.deepEqual(out, { spec: { strategy: { type: 'Recreate' } } });
  });

  it('orders by $setElementOrder, keeping server-only items in place', () => {
    const out = strategicMergePatch(
      deployment(),
      patchContainers([{ name: 'new', image: 'n' }], { '$setElementOrder/containers': [{ name: 'new' }, { name: 'nginx' }] }),
      schema,
    );
    assert.deepEqual(containersOf(out).map((c) => c.name), ['new', 'nginx', 'log']);
  });

  it('unions finalizers and removes them with $deleteFromPrimitiveList', () => {
    const added = strategicMergePatch(deployment(), { metadata: { finalizers: ['example.com/b', 'example.com/a'] } }, schema) as { metadata: { finalizers: string[] } };
    assert.deepEqual(added.metadata.finalizers, ['example.com/a', 'example.com/b']);
    const removed = strategicMergePatch(added, { metadata: { '$deleteFromPrimitiveList/finalizers': ['example.com/a'] } }, schema) as { metadata: { finalizers: string[] } };
    assert.deepEqual(removed.metadata.finalizers, ['example.com/b']);
  });

  it('applies a patch as kubectl apply (client-side) computes it', () => {
    const patch = {
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}\n' } },
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'nginx' }],
            containers: [{ name: 'nginx', image: 'nginx:1.28', '$setElementOrder/env': [{ name: 'A' }], env: [{ name: 'B', $patch: 'delete' }] }, { name: 'log', $patch: 'delete' }],
          },
        },
      },
    };
    const out = strategicMergePatch(deployment(), patch, schema);
    assert.deepEqual(containersOf(out), [{ name: 'nginx', image: 'nginx:1.28', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'A', value: '1' }] }]);
  });

  it('leaves its inputs untouched', () => {
    const original = deployment();
    const patch = patchContainers([{ name: 'nginx', image: 'changed' }]);
    const before = cloneJson(original);
    const patchBefore = cloneJson(patch);
    const out = strategicMergePatch(original, patch, schema) as Record<string, unknown>;
    assert.deepEqual(original, before);
    assert.deepEqual(patch, patchBefore);
    assert.notEqual(out.metadata, original.metadata);
  });

  it('rejects malformed patches with a clear message', () => {
    assert.throws(() => strategicMergePatch(deployment(), [], schema), /must be a JSON object/);
    assert.throws(() => strategicMergePatch(deployment(), patchContainers([{ image: 'x' }]), schema), /\.spec\.template\.spec\.containers: map: \{"image":"x"\} does not contain declared merge key: name/);
    assert.throws(() => strategicMergePatch(deployment(), { spec: { $patch: 'explode' } }, schema), /\.spec: unknown \$patch directive "explode"/);
    assert.throws(() => strategicMergePatch(deployment(), { spec: { $retainKeys: 'type' } }, schema), /\.spec: \$retainKeys must be a list/);
    assert.throws(() => strategicMergePatch(deployment(), patchContainers([{ $patch: 'delete' }]), schema), /does not contain the merge key name/);
    assert.throws(() => strategicMergePatch(deployment(), patchContainers(['nginx']), schema), /list items must be objects/);
    assert.throws(() => strategicMergePatch(deployment(), { metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } }, schema), /must be a list/);
  });
});
