import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatInvalidMessage, validateObject } from './validation.ts';
import type { FieldCause, KubeObject, ResourceType } from './types.ts';

function resourceType(group: string, kind: string, namespaced = true, custom = false): ResourceType {
  return {
    group,
    version: 'v1',
    kind,
    listKind: `${kind}List`,
    plural: `${kind.toLowerCase()}s`,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames: [],
    categories: [],
    verbs: [],
    subresources: { status: true },
    custom,
  };
}

const DEPLOYMENT = resourceType('apps', 'Deployment');
const SERVICE = resourceType('', 'Service');
const CONFIG_MAP = resourceType('', 'ConfigMap');
const SECRET = resourceType('', 'Secret');
const POD = resourceType('', 'Pod');
const JOB = resourceType('batch', 'Job');
const STATEFUL_SET = resourceType('apps', 'StatefulSet');
const CRD = resourceType('apiextensions.k8s.io', 'CustomResourceDefinition', false);

function object(apiVersion: string, kind: string, name: string, fields: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): KubeObject {
  return { apiVersion, kind, metadata: { name, namespace: 'shop', ...meta }, ...fields };
}

function deployment(name: string, spec: Record<string, unknown> = {}): KubeObject {
  return object('apps/v1', 'Deployment', name, {
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } },
      ...spec,
    },
  });
}

/** The Status message, as the API server would send it. */
function message(type: ResourceType, obj: KubeObject, old?: KubeObject): string {
  return formatInvalidMessage(type, obj.metadata.name ?? '', validateObject(type, obj, old));
}

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

describe('formatInvalidMessage', () => {
  const cause = (field: string, msg: string): FieldCause => ({ reason: 'FieldValueInvalid', field, message: msg });

  test('one cause inline, several in brackets, duplicates dropped, none without a colon', () => {
    assert.equal(formatInvalidMessage('Deployment.apps', 'web', [cause('spec.replicas', 'Invalid value: -1: must be greater than or equal to 0')]), 'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
    assert.equal(
      formatInvalidMessage('ConfigMap', 'c', [cause('data[a b]', 'x'), cause('data[c d]', 'y'), cause('data[a b]', 'x')]),
      'ConfigMap "c" is invalid: [data[a b]: x, data[c d]: y]',
    );
    assert.equal(formatInvalidMessage(resourceType('apps', 'Deployment'), 'web', []), 'Deployment.apps "web" is invalid');
    assert.equal(formatInvalidMessage('Service', 'we"b', [cause('a', 'b')]), 'Service "we\\"b" is invalid: a: b');
  });
});

describe('names, labels and annotations', () => {
  test('most kinds need an RFC 1123 subdomain', () => {
    assert.equal(message(CONFIG_MAP, object('v1', 'ConfigMap', 'Foo_bar')), `ConfigMap "Foo_bar" is invalid: metadata.name: Invalid value: "Foo_bar": ${SUBDOMAIN_MSG}`);
    assert.deepEqual(validateObject(CONFIG_MAP, object('v1', 'ConfigMap', 'web.config-1')), []);
    const long = 'a'.repeat(254);
    assert.equal(validateObject(CONFIG_MAP, object('v1', 'ConfigMap', long))[0].message, `Invalid value: "${long}": must be no more than 253 characters`);
  });

  test('namespaces need an RFC 1123 label, services a DNS-1035 label, RBAC objects a path segment', () => {
    assert.equal(message(resourceType('', 'Namespace', false), object('v1', 'Namespace', 'team.a', {}, { namespace: undefined })), 'Namespace "team.a" is invalid: metadata.name: Invalid value: "team.a": must not contain dots');
    assert.equal(message(resourceType('', 'Namespace', false), object('v1', 'Namespace', 'Team', {}, { namespace: undefined })), `Namespace "Team" is invalid: metadata.name: Invalid value: "Team": ${LABEL_MSG}`);
    assert.equal(
      message(SERVICE, object('v1', 'Service', '1web', { spec: { ports: [{ port: 80 }] } })),
      `Service "1web" is invalid: metadata.name: Invalid value: "1web": ${DNS1035_MSG}`,
    );
    const role = resourceType('rbac.authorization.k8s.io', 'ClusterRole', false);
    assert.deepEqual(validateObject(role, object('rbac.authorization.k8s.io/v1', 'ClusterRole', 'system:Aggregate', { rules: [] }, { namespace: undefined })), []);
    assert.equal(message(role, object('rbac.authorization.k8s.io/v1', 'ClusterRole', 'a/b', {}, { namespace: undefined })), `ClusterRole.rbac.authorization.k8s.io "a/b" is invalid: metadata.name: Invalid value: "a/b": may not contain '/'`);
  });

  test('a missing name is required', () => {
    assert.deepEqual(validateObject(CONFIG_MAP, object('v1', 'ConfigMap', '')), [
      { reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' },
    ]);
  });

  test('label keys and values, annotation keys and size', () => {
    const obj = object('v1', 'ConfigMap', 'c', {}, { labels: { 'bad key': 'ok', good: 'bad value!' }, annotations: { 'Example.com/Key': 'x', 'a/b/c': 'y' } });
    assert.deepEqual(validateObject(CONFIG_MAP, obj), [
      {
        reason: 'FieldValueInvalid',
        field: 'metadata.labels',
        message:
          "Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      },
      {
        reason: 'FieldValueInvalid',
        field: 'metadata.labels',
        message:
          "Invalid value: \"bad value!\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      },
      {
        reason: 'FieldValueInvalid',
        field: 'metadata.annotations',
        message:
          "Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
      },
    ]);
    const big = object('v1', 'ConfigMap', 'c', {}, { annotations: { a: 'x'.repeat(256 * 1024) } });
    assert.equal(message(CONFIG_MAP, big), 'ConfigMap "c" is invalid: metadata.annotations: Too long: may not be more than 262144 bytes');
  });

  test('owner references need version, kind, name and uid', () => {
    const obj = object('v1', 'ConfigMap', 'c', {}, { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: '' }] });
    assert.equal(message(CONFIG_MAP, obj), 'ConfigMap "c" is invalid: metadata.ownerReferences.uid: Invalid value: "": uid must not be empty');
  });

  test('custom resources get the metadata checks', () => {
    const widgets = resourceType('example.com', 'Widget', true, true);
    assert.equal(message(widgets, object('example.com/v1', 'Widget', 'Gizmo')), `Widget.example.com "Gizmo" is invalid: metadata.name: Invalid value: "Gizmo": ${SUBDOMAIN_MSG}`);
  });
});

describe('workloads', () => {
  test('a valid deployment has no causes', () => {
    assert.deepEqual(validateObject(DEPLOYMENT, deployment('web')), []);
  });

  test('bad name, selector not matching the template labels and a missing image, in Kubernetes order', () => {
    const bad = deployment('Bad_Name', {
      selector: { matchLabels: { app: 'a' } },
      template: { metadata: { labels: { app: 'b' } }, spec: { containers: [{ name: 'c', image: '' }] } },
    });
    assert.equal(
      message(DEPLOYMENT, bad),
      `Deployment.apps "Bad_Name" is invalid: [metadata.name: Invalid value: "Bad_Name": ${SUBDOMAIN_MSG}, spec.template.metadata.labels: Invalid value: map[string]string{"app":"b"}: \`selector\` does not match template \`labels\`, spec.template.spec.containers[0].image: Required value]`,
    );
    assert.deepEqual(
      validateObject(DEPLOYMENT, bad).map((c) => [c.reason, c.field]),
      [
        ['FieldValueInvalid', 'metadata.name'],
        ['FieldValueInvalid', 'spec.template.metadata.labels'],
        ['FieldValueRequired', 'spec.template.spec.containers[0].image'],
      ],
    );
  });

  test('a missing selector is required and cannot match the template', () => {
    assert.equal(
      message(DEPLOYMENT, deployment('web', { selector: undefined })),
      'Deployment.apps "web" is invalid: [spec.selector: Required value, spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`]',
    );
    assert.equal(
      message(DEPLOYMENT, deployment('web', { selector: {} })),
      'Deployment.apps "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
    );
  });

  test('containers are required, with names and images; template restartPolicy must be Always', () => {
    const empty = deployment('web', { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [] } } });
    assert.equal(message(DEPLOYMENT, empty), 'Deployment.apps "web" is invalid: spec.template.spec.containers: Required value');
    const never = deployment('web', {
      replicas: -1,
      template: { metadata: { labels: { app: 'web' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'App', image: 'x' }, { name: 'App', image: 'y' }] } },
    });
    assert.equal(
      message(DEPLOYMENT, never),
      `Deployment.apps "web" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.template.spec.containers[0].name: Invalid value: "App": ${LABEL_MSG}, spec.template.spec.containers[1].name: Invalid value: "App": ${LABEL_MSG}, spec.template.spec.containers[1].name: Duplicate value: "App", spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"]`,
    );
  });

  test('the selector of a deployment is immutable', () => {
    const old = deployment('web');
    const changed = deployment('web', {
      selector: { matchLabels: { app: 'web2' } },
      template: { metadata: { labels: { app: 'web2' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } },
    });
    assert.equal(
      message(DEPLOYMENT, changed, old),
      'Deployment.apps "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    );
    const withExpr = deployment('web', { selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] } });
    assert.equal(
      validateObject(DEPLOYMENT, withExpr, old).at(-1)?.message,
      'Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"tier", Operator:"In", Values:[]string{"a", "b"}}}}: field is immutable',
    );
    assert.deepEqual(validateObject(DEPLOYMENT, deployment('web', { replicas: 5 }), old), []);
  });

  test('replica sets and daemon sets: selector immutability and template match', () => {
    const rsType = resourceType('apps', 'ReplicaSet');
    const rs = object('apps/v1', 'ReplicaSet', 'web-1', { spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image: 'b' }] } } } });
    const rs2 = structuredClone(rs);
    (rs2.spec as { selector: unknown }).selector = { matchLabels: { app: 'web', v: '2' } };
    assert.deepEqual(validateObject(rsType, rs2, rs).map((c) => c.field), ['spec.template.metadata.labels', 'spec.selector']);
    const dsType = resourceType('apps', 'DaemonSet');
    const ds = object('apps/v1', 'DaemonSet', 'agent', { spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'other' } }, spec: { containers: [{ name: 'a', image: 'b' }] } } } });
    assert.equal(message(dsType, ds), 'DaemonSet.apps "agent" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`');
  });

  test('stateful sets forbid spec changes other than the mutable fields', () => {
    const sts = (spec: Record<string, unknown>): KubeObject =>
      object('apps/v1', 'StatefulSet', 'db', {
        spec: {
          replicas: 1,
          serviceName: 'db',
          selector: { matchLabels: { app: 'db' } },
          template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'pg', image: 'postgres:16' }] } },
          volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { resources: { requests: { storage: '1Gi' } } } }],
          ...spec,
        },
      });
    const old = sts({});
    assert.deepEqual(validateObject(STATEFUL_SET, old), []);
    assert.deepEqual(validateObject(STATEFUL_SET, sts({ replicas: 3, minReadySeconds: 5, updateStrategy: { type: 'OnDelete' } }), old), []);
    assert.equal(
      message(STATEFUL_SET, sts({ volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { resources: { requests: { storage: '2Gi' } } } }] }), old),
      "StatefulSet.apps \"db\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    );
    assert.equal(message(STATEFUL_SET, sts({ serviceName: 'DB' })), `StatefulSet.apps "db" is invalid: spec.serviceName: Invalid value: "DB": ${LABEL_MSG}`);
  });

  test('jobs: restartPolicy, immutable selector and template', () => {
    const job = (template: Record<string, unknown>, spec: Record<string, unknown> = {}): KubeObject =>
      object('batch/v1', 'Job', 'pi', {
        spec: {
          selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } },
          template: { metadata: { labels: { 'batch.kubernetes.io/controller-uid': 'u1' } }, spec: { containers: [{ name: 'pi', image: 'perl' }], ...template } },
          ...spec,
        },
      });
    assert.equal(message(JOB, job({})), 'Job.batch "pi" is invalid: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"');
    const old = job({ restartPolicy: 'Never' });
    assert.deepEqual(validateObject(JOB, old), []);
    const changedImage = job({ restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl:5.40' }] });
    assert.equal(message(JOB, changedImage, old), 'Job.batch "pi" is invalid: spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable');
    assert.deepEqual(validateObject(JOB, job({ restartPolicy: 'Never' }, { suspend: true }), job({ restartPolicy: 'Never' }, { suspend: true })), []);
  });

  test('cron jobs: name length and schedule', () => {
    const cj = resourceType('batch', 'CronJob');
    const name = 'n'.repeat(53);
    const obj = object('batch/v1', 'CronJob', name, { spec: { schedule: '', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'a', image: 'b' }] } } } } } });
    assert.equal(message(cj, obj), `CronJob.batch "${name}" is invalid: [spec.schedule: Required value, metadata.name: Invalid value: "${name}": must be no more than 52 characters]`);
  });
});

describe('core kinds', () => {
  test('pods need containers; images are required and trimmed', () => {
    assert.equal(message(POD, object('v1', 'Pod', 'p', { spec: { containers: [] } })), 'Pod "p" is invalid: spec.containers: Required value');
    assert.equal(
      message(POD, object('v1', 'Pod', 'p', { spec: { containers: [{ name: 'a', image: ' nginx' }, { name: 'b' }] } })),
      'Pod "p" is invalid: [spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace, spec.containers[1].image: Required value]',
    );
    assert.equal(
      message(POD, object('v1', 'Pod', 'p', { spec: { containers: [{ name: 'a', image: 'i', ports: [{ containerPort: 70000, protocol: 'HTTP' }, { containerPort: 0 }] }] } })),
      'Pod "p" is invalid: [spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive, spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP", spec.containers[0].ports[1].containerPort: Required value]',
    );
  });

  test('pod updates may only change images and a few fields', () => {
    const pod = (image: string, port: number): KubeObject => object('v1', 'Pod', 'p', { spec: { containers: [{ name: 'a', image, ports: [{ containerPort: port }] }] } });
    assert.deepEqual(validateObject(POD, pod('nginx:2', 80), pod('nginx:1', 80)), []);
    const causes = validateObject(POD, pod('nginx:1', 81), pod('nginx:1', 80));
    assert.equal(causes.length, 1);
    assert.equal(causes[0].field, 'spec');
    assert.equal(causes[0].reason, 'FieldValueForbidden');
    assert.ok(
      causes[0].message.startsWith(
        'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n  core.PodSpec{\n',
      ),
      causes[0].message,
    );
  });

  test('services: ports, types and the primary cluster IP', () => {
    assert.equal(message(SERVICE, object('v1', 'Service', 'web', { spec: { type: 'ClusterIP' } })), 'Service "web" is invalid: spec.ports: Required value');
    assert.deepEqual(validateObject(SERVICE, object('v1', 'Service', 'web', { spec: { clusterIP: 'None' } })), []);
    assert.equal(
      message(SERVICE, object('v1', 'Service', 'web', { spec: { type: 'Cluster', ports: [{ name: 'http', port: 0, targetPort: 'Http_1' }, { port: 80, nodePort: 30000 }] } })),
      'Service "web" is invalid: [spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive, spec.ports[0].targetPort: Invalid value: "Http_1": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-), spec.ports[1].name: Required value, spec.type: Unsupported value: "Cluster": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]',
    );
    assert.equal(
      message(SERVICE, object('v1', 'Service', 'web', { spec: { ports: [{ port: 80, nodePort: 30080 }, { name: 'b', port: 80 }] } })),
      'Service "web" is invalid: [spec.ports[0].name: Required value, spec.ports[0].nodePort: Forbidden: may not be used when `type` is \'ClusterIP\', spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}]',
    );
    const old = object('v1', 'Service', 'web', { spec: { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 80 }] } });
    assert.deepEqual(validateObject(SERVICE, object('v1', 'Service', 'web', { spec: { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 8080 }] } }), old), []);
    assert.equal(
      message(SERVICE, object('v1', 'Service', 'web', { spec: { clusterIP: '10.96.0.99', clusterIPs: ['10.96.0.10'], ports: [{ port: 80 }] } }), old),
      'Service "web" is invalid: spec.clusterIPs[0]: Invalid value: []string{"10.96.0.99"}: may not change once set',
    );
    assert.equal(message(SERVICE, object('v1', 'Service', 'db', { spec: { type: 'ExternalName' } })), 'Service "db" is invalid: spec.externalName: Required value');
  });

  test('config map and secret keys, immutable data and secret types', () => {
    assert.equal(
      message(CONFIG_MAP, object('v1', 'ConfigMap', 'c', { data: { 'a b': 'x', '..x': 'y', ok: 'z' }, binaryData: { ok: 'AA==' } })),
      "ConfigMap \"c\" is invalid: [data[..x]: Invalid value: \"..x\": must not start with '..', data[a b]: Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+'), data[ok]: Invalid value: \"ok\": duplicate of key present in binaryData]",
    );
    const frozen = object('v1', 'ConfigMap', 'c', { immutable: true, data: { a: '1' } });
    assert.equal(
      message(CONFIG_MAP, object('v1', 'ConfigMap', 'c', { data: { a: '2' } }), frozen),
      'ConfigMap "c" is invalid: [immutable: Forbidden: field is immutable when `immutable` is set, data: Forbidden: field is immutable when `immutable` is set]',
    );
    assert.deepEqual(validateObject(CONFIG_MAP, object('v1', 'ConfigMap', 'c', { data: { a: '2' } }), object('v1', 'ConfigMap', 'c', { data: { a: '1' } })), []);

    const tls = object('v1', 'Secret', 's', { type: 'kubernetes.io/tls', data: { 'tls.crt': 'c2VjcmV0' } });
    assert.equal(message(SECRET, tls), 'Secret "s" is invalid: data[tls.key]: Required value');
    const opaque = object('v1', 'Secret', 's', { type: 'Opaque', data: { key: 'c2VjcmV0' } });
    assert.equal(
      message(SECRET, object('v1', 'Secret', 's', { type: 'kubernetes.io/basic-auth', data: { key: 'c2VjcmV0' } }), opaque),
      'Secret "s" is invalid: [type: Invalid value: "kubernetes.io/basic-auth": field is immutable, data[username]: Required value, data[password]: Required value]',
    );
    assert.ok(!message(SECRET, object('v1', 'Secret', 's', { data: { 'bad key': 'c2VjcmV0' } })).includes('c2VjcmV0'), 'a secret value never enters a message');
    assert.equal(message(SECRET, object('v1', 'Secret', 's', { stringData: { 'bad key': 'x' } })).split(': ')[1], 'data[bad key]');
  });

  test('persistent volume claims: required fields and an immutable spec', () => {
    const pvcType = resourceType('', 'PersistentVolumeClaim');
    assert.equal(
      message(pvcType, object('v1', 'PersistentVolumeClaim', 'data', { spec: {} })),
      'PersistentVolumeClaim "data" is invalid: [spec.accessModes: Required value: at least 1 access mode is required, spec.resources[storage]: Required value]',
    );
    const pvc = (storageClassName: string, storage = '1Gi'): KubeObject =>
      object('v1', 'PersistentVolumeClaim', 'data', { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } }, storageClassName }, status: { phase: 'Bound' } });
    assert.deepEqual(validateObject(pvcType, pvc('standard', '2Gi'), pvc('standard')), []);
    const causes = validateObject(pvcType, pvc('fast'), pvc('standard'));
    assert.equal(causes.length, 1);
    assert.equal(
      causes[0].message,
      'Forbidden: spec is immutable after creation except resources.requests for bound claims\n  core.PersistentVolumeClaimSpec{\n  \t... // 2 identical fields\n- \tStorageClassName: "standard",\n+ \tStorageClassName: "fast",\n  }\n',
    );
  });

  test('role bindings: roleRef is checked and cannot change', () => {
    const rbType = resourceType('rbac.authorization.k8s.io', 'RoleBinding');
    const rb = (name: string): KubeObject =>
      object('rbac.authorization.k8s.io/v1', 'RoleBinding', 'ci', {
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
        subjects: [{ kind: 'ServiceAccount', name: 'ci', namespace: 'tools' }],
      });
    assert.deepEqual(validateObject(rbType, rb('view')), []);
    assert.equal(
      message(rbType, rb('edit'), rb('view')),
      'RoleBinding.rbac.authorization.k8s.io "ci" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"edit"}: cannot change roleRef',
    );
    const crbType = resourceType('rbac.authorization.k8s.io', 'ClusterRoleBinding', false);
    const crb = object('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'x', { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'sa' }] }, { namespace: undefined });
    assert.equal(
      message(crbType, crb),
      'ClusterRoleBinding.rbac.authorization.k8s.io "x" is invalid: [roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole", subjects[0].namespace: Required value]',
    );
  });

  test('custom resource definitions: name, group, names and one storage version', () => {
    const crd = (spec: Record<string, unknown>, name = 'widgets.example.com'): KubeObject =>
      object('apiextensions.k8s.io/v1', 'CustomResourceDefinition', name, {
        spec: {
          group: 'example.com',
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
          versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }],
          ...spec,
        },
      }, { namespace: undefined });
    assert.deepEqual(validateObject(CRD, crd({})), []);
    assert.equal(
      message(CRD, crd({ group: 'example', versions: [{ name: 'v1', served: true, storage: false, schema: { openAPIV3Schema: {} } }] }, 'widgets')),
      'CustomResourceDefinition.apiextensions.k8s.io "widgets" is invalid: [metadata.name: Invalid value: "widgets": must be spec.names.plural+"."+spec.group, spec.group: Invalid value: "example": should be a domain with at least one dot, spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion{...}: must have exactly one version marked as storage version]',
    );
    assert.deepEqual(validateObject(CRD, crd({ names: { plural: 'widgets', kind: 'Widget' } })), [], 'singular and listKind are defaulted from kind');
    assert.equal(
      message(CRD, crd({ names: { plural: 'widgets' }, versions: [] })),
      'CustomResourceDefinition.apiextensions.k8s.io "widgets.example.com" is invalid: [spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion{...}: must have exactly one version marked as storage version, spec.names.singular: Required value, spec.names.kind: Required value, spec.names.listKind: Required value]',
    );
    const established = crd({});
    established.status = { conditions: [{ type: 'Established', status: 'True' }] };
    assert.equal(
      message(CRD, crd({ group: 'example.org', names: { plural: 'widgets', singular: 'widget', kind: 'Gadget', listKind: 'GadgetList' } }), established),
      'CustomResourceDefinition.apiextensions.k8s.io "widgets.example.com" is invalid: [spec.names.kind: Invalid value: "Gadget": field is immutable, spec.group: Invalid value: "example.org": field is immutable]',
    );
  });
});
