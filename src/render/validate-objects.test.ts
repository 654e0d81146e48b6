import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../core/index.ts';
import { RenderValidationError, validateObjects, type KindLookup, type RenderedObject } from './index.ts';
import { keys, object } from './testing.ts';

/** Discovery of a small cluster: core and apps kinds, no custom resources. */
const lookup: KindLookup = (apiVersion, kind) => {
  const known: Record<string, boolean> = {
    'v1/ConfigMap': true,
    'v1/Service': true,
    'v1/Namespace': false,
    'apps/v1/Deployment': true,
    'rbac.authorization.k8s.io/v1/ClusterRole': false,
    'apiextensions.k8s.io/v1/CustomResourceDefinition': false,
  };
  const namespaced = known[`${apiVersion}/${kind}`];
  return namespaced === undefined ? undefined : { namespaced };
};

function crd(kind: string, scope: string, versions = ['v1']): RenderedObject {
  return object('apiextensions.k8s.io/v1', 'CustomResourceDefinition', `${kind.toLowerCase()}s.example.com`, {
    source: 'apps/web/crd.yaml',
    spec: { group: 'example.com', scope, names: { kind, plural: `${kind.toLowerCase()}s` }, versions: versions.map((name) => ({ name, served: true, storage: true })) },
  });
}

function thrown(fn: () => unknown): RenderValidationError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof RenderValidationError);
    assert.ok(error instanceof ValidationError);
    return error;
  }
  assert.fail('expected a RenderValidationError');
}

describe('validateObjects', () => {
  it('defaults the namespace of namespaced objects, strips it from cluster-scoped ones, and sorts', () => {
    const input = [
      object('apps/v1', 'Deployment', 'api'),
      object('v1', 'ConfigMap', 'settings', { namespace: 'other' }),
      object('rbac.authorization.k8s.io/v1', 'ClusterRole', 'reader', { namespace: 'web' }),
      object('v1', 'Namespace', 'web'),
    ];
    const before = structuredClone(input);
    const out = validateObjects(input, { namespace: 'web', lookup });
    assert.deepEqual(keys(out), ['Namespace/web', 'ClusterRole/reader', 'ConfigMap/other/settings', 'Deployment/web/api']);
    assert.deepEqual(out[1].manifest.metadata, { name: 'reader' });
    assert.deepEqual(input, before, 'inputs are not modified');
    assert.equal(out[2], input[1], 'unchanged objects are passed through');
  });

  it('accepts a kind defined by a CustomResourceDefinition in the same render, with its scope', () => {
    const out = validateObjects([object('example.com/v1', 'Widget', 'w'), object('example.com/v1', 'Gadget', 'g', { namespace: 'x' }), crd('Widget', 'Namespaced'), crd('Gadget', 'Cluster')], { namespace: 'web', lookup });
    assert.deepEqual(keys(out), ['CustomResourceDefinition/gadgets.example.com', 'CustomResourceDefinition/widgets.example.com', 'Gadget/g', 'Widget/web/w']);
  });

  it('collects every problem into one error: missing fields, unknown kinds, unserved versions, duplicates naming both files', () => {
    const error = thrown(() =>
      validateObjects(
        [
          { manifest: { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} } as never, source: 'apps/web/a.yaml#1' },
          { manifest: { metadata: { name: 'x' } } as never, source: 'apps/web/b.yaml' },
          object('monitoring.coreos.com/v1', 'ServiceMonitor', 'api', { source: 'apps/web/monitor.yaml' }),
          object('example.com/v2', 'Widget', 'w', { source: 'apps/web/widget.yaml' }),
          crd('Widget', 'Namespaced'),
          object('apps/v1', 'Deployment', 'api', { source: 'apps/web/deploy.yaml' }),
          object('apps/v1', 'Deployment', 'api', { namespace: 'web', source: 'apps/web/copy.yaml' }),
        ],
        { namespace: 'web', lookup },
      ),
    );
    assert.equal(
      error.message,
      [
        'the render has 5 problems:',
        '  apps/web/a.yaml#1: ConfigMap without a name: has no metadata.name: every object needs apiVersion, kind and metadata.name',
        '  apps/web/b.yaml: has no apiVersion, kind: every object needs apiVersion, kind and metadata.name',
        '  apps/web/monitor.yaml: ServiceMonitor/api: kind ServiceMonitor of apiVersion monitoring.coreos.com/v1 is not known to the cluster and no CustomResourceDefinition in this render defines it: install its CRD (or add the CRD to the app), or correct apiVersion and kind',
        '  apps/web/widget.yaml: Widget/w: apiVersion example.com/v2 is not served by the CustomResourceDefinition in apps/web/crd.yaml, which serves v1: use one of those versions',
        '  apps/web/deploy.yaml: Deployment/web/api: is defined 2 times: in apps/web/deploy.yaml and apps/web/copy.yaml; keep one (objects are the same when group, kind, namespace and name match)',
      ].join('\n'),
    );
    assert.equal(error.problems.length, 5);
    assert.deepEqual(error.problems[2], {
      source: 'apps/web/monitor.yaml',
      subject: 'ServiceMonitor/api',
      message: 'kind ServiceMonitor of apiVersion monitoring.coreos.com/v1 is not known to the cluster and no CustomResourceDefinition in this render defines it: install its CRD (or add the CRD to the app), or correct apiVersion and kind',
    });
  });

  it('tells same-named kinds of different groups apart', () => {
    const widgetCrd = crd('Deployment', 'Namespaced');
    const out = validateObjects([object('apps/v1', 'Deployment', 'api'), object('example.com/v1', 'Deployment', 'api'), widgetCrd], { namespace: 'web', lookup });
    assert.equal(out.length, 3);
  });

  it('reports a malformed CustomResourceDefinition', () => {
    const bad = object('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'things.example.com', { source: 'apps/web/crd.yaml', spec: { group: 'example.com', names: { kind: 'Thing' }, scope: 'Everywhere' } });
    const error = thrown(() => validateObjects([bad], { namespace: 'web', lookup }));
    assert.equal(error.message, 'apps/web/crd.yaml: CustomResourceDefinition/things.example.com: spec.scope must be "Namespaced" or "Cluster", got "Everywhere"');
  });

  it('offline, accepts a custom resource whose CRD is not in the render, giving it the namespace as if namespaced, and keeps refusing unknown kinds', () => {
    const offline: KindLookup = (apiVersion, kind) => lookup(apiVersion, kind) ?? (apiVersion.includes('.') ? 'unknown' : undefined);
    const out = validateObjects(
      [object('argoproj.io/v1alpha1', 'Rollout', 'api'), object('cert-manager.io/v1', 'ClusterIssuer', 'letsencrypt', { namespace: 'tools' }), object('v1', 'ConfigMap', 'settings')],
      { namespace: 'web', lookup: offline },
    );
    assert.deepEqual(keys(out), ['ClusterIssuer/tools/letsencrypt', 'ConfigMap/web/settings', 'Rollout/web/api']);
    const error = thrown(() => validateObjects([object('v1', 'ConfigMapp', 'settings', { source: 'apps/web/cm.yaml' })], { namespace: 'web', lookup: offline }));
    assert.match(error.message, /^apps\/web\/cm\.yaml: ConfigMapp\/settings: kind ConfigMapp of apiVersion v1 is not known/);
  });

  it('reports the problems checkObject finds with the object and its file, together with the others', () => {
    const hook = object('batch/v1', 'Job', 'migrate', { source: 'apps/web/job.yaml' });
    const checkObject = (manifest: { kind: string }): string[] => (manifest.kind === 'Job' ? ['has an invalid capstan.dev/hook annotation "Sync": it must be PreSync or PostSync'] : []);
    const batchLookup: KindLookup = (apiVersion, kind) => (kind === 'Job' ? { namespaced: true } : lookup(apiVersion, kind));
    const error = thrown(() => validateObjects([hook, object('v1', 'Nope', 'x', { source: 'apps/web/nope.yaml' })], { namespace: 'web', lookup: batchLookup, checkObject }));
    assert.deepEqual(error.problems, [
      { source: 'apps/web/job.yaml', subject: 'Job/web/migrate', message: 'has an invalid capstan.dev/hook annotation "Sync": it must be PreSync or PostSync' },
      {
        source: 'apps/web/nope.yaml',
        subject: 'Nope/x',
        message: 'kind Nope of apiVersion v1 is not known to the cluster and no CustomResourceDefinition in this render defines it: install its CRD (or add the CRD to the app), or correct apiVersion and kind',
      },
    ]);
  });
});
