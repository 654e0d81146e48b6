import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { CapstanError, keyOf, type IgnoreRule, type Manifest } from '../core/index.ts';
import { computeDiff, formatDiffs } from './index.ts';

function fixture(name: string): Manifest {
  return parse(readFileSync(new URL(`testdata/${name}`, import.meta.url), 'utf8')) as Manifest;
}

const web = { group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web' };
const worker = { group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'worker' };

describe('computeDiff', () => {
  it('finds nothing to change when only server-set fields differ', () => {
    const result = computeDiff({ key: web, desired: fixture('deployment-dry-run-unchanged.yaml'), live: fixture('deployment-live.yaml') });
    assert.deepEqual(result, { key: web, action: 'unchanged', unified: '', changedPaths: [] });
  });

  it('shows an image change as a unified YAML diff with 3 lines of context', () => {
    const result = computeDiff({ key: web, desired: fixture('deployment-dry-run-new-image.yaml'), live: fixture('deployment-live.yaml') });
    assert.equal(result.action, 'update');
    assert.deepEqual(result.changedPaths, ['/spec/template/spec/containers/0/image']);
    assert.equal(
      result.unified,
      [
        '--- live/Deployment/shop/web',
        '+++ desired/Deployment/shop/web',
        '@@ -29,7 +29,7 @@',
        '     spec:',
        '       containers:',
        '         - name: web',
        '-          image: ghcr.io/acme/web:1.4.2',
        '+          image: ghcr.io/acme/web:1.4.3',
        '           imagePullPolicy: IfNotPresent',
        '           ports:',
        '             - name: http',
        '',
      ].join('\n'),
    );
  });

  describe('with a HorizontalPodAutoscaler scaling the live Deployment', () => {
    const live = fixture('deployment-hpa-live.yaml');
    const desired = fixture('deployment-hpa-dry-run.yaml');

    it('shows the replica count as drift when nothing is ignored', () => {
      const result = computeDiff({ key: worker, desired, live });
      assert.equal(result.action, 'update');
      assert.deepEqual(result.changedPaths, ['/spec/replicas']);
      assert.equal(
        result.unified,
        [
          '--- live/Deployment/shop/worker',
          '+++ desired/Deployment/shop/worker',
          '@@ -7,7 +7,7 @@',
          '     app.kubernetes.io/name: worker',
          ' spec:',
          '   progressDeadlineSeconds: 600',
          '-  replicas: 5',
          '+  replicas: 2',
          '   revisionHistoryLimit: 10',
          '   selector:',
          '     matchLabels:',
          '',
        ].join('\n'),
      );
    });

    it('ignores a field named by a JSON pointer rule', () => {
      const ignore: IgnoreRule[] = [{ group: 'apps', kind: 'Deployment', name: 'worker', jsonPointers: ['/spec/replicas'] }];
      assert.equal(computeDiff({ key: worker, desired, live, ignore }).action, 'unchanged');
    });

    it('applies only the rules that match the object', () => {
      const ignore: IgnoreRule[] = [
        { kind: 'Deployment', name: 'web', jsonPointers: ['/spec/replicas'] },
        { kind: 'StatefulSet', managedFieldsManagers: ['kube-controller-manager'] },
      ];
      assert.deepEqual(computeDiff({ key: worker, desired, live, ignore }).changedPaths, ['/spec/replicas']);
    });

    it("ignores the fields the HPA's manager owns in the live object, on both sides", () => {
      const ignore: IgnoreRule[] = [{ group: 'apps', kind: 'Deployment', managedFieldsManagers: ['kube-controller-manager'] }];
      assert.equal(computeDiff({ key: worker, desired, live, ignore }).action, 'unchanged');
      assert.equal(computeDiff({ key: worker, desired, live, ignore: [{ kind: 'Deployment', managedFieldsManagers: ['keda-operator'] }] }).action, 'update');
    });

    it('still shows the changes the ignored manager does not own', () => {
      const bumped = structuredClone(desired);
      const containers = (bumped.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers;
      containers[0].image = 'ghcr.io/acme/worker:2.1.0';
      const ignore: IgnoreRule[] = [{ kind: 'Deployment', managedFieldsManagers: ['kube-controller-manager'] }];
      const result = computeDiff({ key: worker, desired: bumped, live, ignore });
      assert.equal(result.action, 'update');
      assert.deepEqual(result.changedPaths, ['/spec/template/spec/containers/0/image']);
      assert.equal(result.unified.includes('replicas'), false);
    });
  });

  describe('with Secrets', () => {
    const key = { group: '', kind: 'Secret', namespace: 'shop', name: 'db-credentials' };
    const values = ['shop_app', 'hunter2-prod-7Qx', 'correct-horse-battery-9'].flatMap((v) => [v, Buffer.from(v).toString('base64')]);
    const assertNoSecretValues = (text: string): void => {
      for (const value of values) assert.equal(text.includes(value), false, 'a secret value leaked into the output');
    };

    it('finds equal values unchanged, stringData folded into data', () => {
      const result = computeDiff({ key, desired: fixture('secret-rendered.yaml'), live: fixture('secret-live.yaml') });
      assert.deepEqual(result, { key, action: 'unchanged', unified: '', changedPaths: [] });
    });

    it('shows a changed value with different masks, never the values', () => {
      const result = computeDiff({ key, desired: fixture('secret-dry-run-rotated.yaml'), live: fixture('secret-live.yaml') });
      assert.equal(result.action, 'update');
      assert.deepEqual(result.changedPaths, ['/data/password']);
      assert.equal(
        result.unified,
        [
          '--- live/Secret/shop/db-credentials',
          '+++ desired/Secret/shop/db-credentials',
          '@@ -6,6 +6,6 @@',
          '   labels:',
          '     app.kubernetes.io/name: web',
          ' data:',
          '-  password: ++++++++',
          '+  password: ++++++++++++',
          '   username: ++++++++',
          ' type: Opaque',
          '',
        ].join('\n'),
      );
      assertNoSecretValues(JSON.stringify(result));
      assertNoSecretValues(formatDiffs([result], { color: true }));
    });

    it('masks a Secret that is created or deleted', () => {
      const created = computeDiff({ key, desired: fixture('secret-rendered.yaml') });
      const deleted = computeDiff({ key, live: fixture('secret-live.yaml') });
      assert.equal(created.unified.includes('+  password: ++++++++\n'), true);
      assert.equal(deleted.unified.includes('-  username: ++++++++\n'), true);
      assertNoSecretValues(JSON.stringify([created, deleted]));
    });
  });

  it('shows a create as every line added, without server-set fields', () => {
    const desired = fixture('configmap-dry-run-create.yaml');
    const result = computeDiff({ key: keyOf(desired), desired });
    assert.equal(result.action, 'create');
    assert.deepEqual(result.changedPaths, ['']);
    assert.equal(
      result.unified,
      [
        '--- live/ConfigMap/shop/web-config',
        '+++ desired/ConfigMap/shop/web-config',
        '@@ -0,0 +1,13 @@',
        '+apiVersion: v1',
        '+kind: ConfigMap',
        '+metadata:',
        '+  name: web-config',
        '+  namespace: shop',
        '+  labels:',
        '+    app.kubernetes.io/name: web',
        '+data:',
        '+  LOG_LEVEL: info',
        '+  config.yaml: |',
        '+    listen: :8080',
        '+    cache:',
        '+      ttl: 30s',
        '',
      ].join('\n'),
    );
  });

  it('shows a delete as every line removed, without status', () => {
    const live = fixture('service-live.yaml');
    const result = computeDiff({ key: keyOf(live), live });
    assert.equal(result.action, 'delete');
    assert.deepEqual(result.changedPaths, ['']);
    assert.equal(
      result.unified,
      [
        '--- live/Service/shop/web-legacy',
        '+++ desired/Service/shop/web-legacy',
        '@@ -1,23 +0,0 @@',
        '-apiVersion: v1',
        '-kind: Service',
        '-metadata:',
        '-  name: web-legacy',
        '-  namespace: shop',
        '-  labels:',
        '-    app.kubernetes.io/name: web',
        '-spec:',
        '-  clusterIP: 10.96.142.17',
        '-  clusterIPs:',
        '-    - 10.96.142.17',
        '-  internalTrafficPolicy: Cluster',
        '-  ipFamilies:',
        '-    - IPv4',
        '-  ipFamilyPolicy: SingleStack',
        '-  ports:',
        '-    - port: 80',
        '-      protocol: TCP',
        '-      targetPort: 8080',
        '-  selector:',
        '-    app.kubernetes.io/name: web',
        '-  sessionAffinity: None',
        '-  type: ClusterIP',
        '',
      ].join('\n'),
    );
  });

  it('shows a created or deleted object whole, ignore rules notwithstanding', () => {
    const live = fixture('deployment-hpa-live.yaml');
    const ignore: IgnoreRule[] = [{ kind: 'Deployment', jsonPointers: ['/spec/replicas'] }];
    assert.equal(computeDiff({ key: worker, live, ignore }).unified.includes('-  replicas: 5\n'), true);
    assert.equal(computeDiff({ key: worker, desired: live, ignore }).unified.includes('+  replicas: 5\n'), true);
  });

  it('names a cluster-scoped object without a namespace', () => {
    const namespace: Manifest = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'capstan.dev/app': 'web' } } };
    const result = computeDiff({ key: keyOf(namespace), desired: namespace });
    assert.equal(result.unified.split('\n').slice(0, 3).join('\n'), '--- live/Namespace/shop\n+++ desired/Namespace/shop\n@@ -0,0 +1,6 @@');
  });

  it('refuses to diff nothing, naming the object', () => {
    assert.throws(
      () => computeDiff({ key: web }),
      (error: unknown) => {
        assert.ok(error instanceof CapstanError);
        assert.equal(error.category, 'validation');
        assert.equal(error.message, 'Deployment/shop/web cannot be diffed: neither a desired nor a live object was given');
        return true;
      },
    );
  });

  it('reports added and removed list items and fields as paths', () => {
    const live = fixture('service-live.yaml');
    const desired = structuredClone(live) as Manifest & { spec: { ports: unknown[]; sessionAffinity?: string; type: string } };
    desired.spec.ports.push({ name: 'metrics', port: 9090, protocol: 'TCP', targetPort: 9090 });
    delete desired.spec.sessionAffinity;
    desired.metadata.labels = { ...desired.metadata.labels, 'capstan.dev/app': 'web' };
    const result = computeDiff({ key: keyOf(live), desired, live });
    assert.deepEqual(result.changedPaths, ['/metadata/labels/capstan.dev~1app', '/spec/ports/1', '/spec/sessionAffinity']);
  });
});
