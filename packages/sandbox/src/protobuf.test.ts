import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startSandbox, type Sandbox } from './index.ts';
import { decodeProtobufObject, UnsupportedProtobufKindError } from './protobuf.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtureDir = path.join(here, 'testdata', 'protobuf');

/**
 * Bodies captured from kubectl v1.32 (fixture.bin) beside what `--dry-run=client -o json` prints for the
 * same command (fixture.json). create-job-from-cronjob copies the pod template of rich-cronjob.yaml,
 * applied to a sandbox first.
 */
const fixtures: Record<string, string> = {
  'create-namespace': 'kubectl create namespace foo2',
  'create-configmap': 'kubectl create configmap cm2 --from-literal=a=b --from-literal=colour=blue',
  'create-configmap-binary': 'kubectl create configmap cm3 --from-file=blob=small.bin --from-literal=text=hello',
  'create-secret-generic': 'kubectl create secret generic s --from-literal=password=hunter2',
  'create-secret-docker-registry': 'kubectl create secret docker-registry reg --docker-server=r.example.com --docker-username=u --docker-password=p',
  'create-deployment': 'kubectl create deployment web --image=nginx --port=80 --replicas=2',
  'create-deployment-multi': 'kubectl create deployment multi --image=nginx --image=busybox',
  'create-service-clusterip': 'kubectl create service clusterip svc1 --tcp=80:8080',
  'create-service-nodeport': 'kubectl create service nodeport svc2 --tcp=80:8080 --node-port=30080',
  'create-service-loadbalancer': 'kubectl create service loadbalancer svc3 --tcp=443:8443',
  'create-service-externalname': 'kubectl create service externalname svc4 --external-name=example.com',
  'create-serviceaccount': 'kubectl create serviceaccount sa1',
  'create-job': 'kubectl create job j --image=busybox -- echo hi',
  'create-cronjob': "kubectl create cronjob cj --image=busybox --schedule='*/5 * * * *' -- date",
  'create-job-from-cronjob': 'kubectl create job rich-run --from=cronjob/rich',
  'create-role': 'kubectl create role r --verb=get,list --resource=pods,deployments.apps --resource-name=x',
  'create-rolebinding': 'kubectl create rolebinding rb --role=r --user=alice --group=devs --serviceaccount=default:sa1',
  'create-clusterrole': 'kubectl create clusterrole cr --verb=get --resource=nodes --non-resource-url=/healthz',
  'create-clusterrole-aggregation': 'kubectl create clusterrole cragg --aggregation-rule=rbac.example.com/aggregate=true',
  'create-clusterrolebinding': 'kubectl create clusterrolebinding crb --clusterrole=cr --user=bob',
  'create-quota': 'kubectl create quota q --hard=cpu=1,memory=1G,pods=10 --scopes=BestEffort',
  'create-pdb-min-available': 'kubectl create pdb p --selector=app=web --min-available=50%',
  'create-pdb-max-unavailable': 'kubectl create pdb p2 --selector=app=web --max-unavailable=1',
  'create-priorityclass': 'kubectl create priorityclass high --value=1000 --description=high --preemption-policy=Never',
  'create-ingress': 'kubectl create ingress ing --class=nginx --rule=foo.com/bar=svc1:80,tls=sec --rule=/path*=svc2:http --default-backend=svc3:443 --annotation=a=b',
  autoscale: 'kubectl autoscale deployment web2 --min=2 --max=5 --cpu-percent=80',
};

function fixture(name: string): Buffer {
  return readFileSync(path.join(fixtureDir, `${name}.bin`));
}

// A minimal protobuf writer for hand-made bodies.
type Bytes = number[];

function varint(value: number | bigint): Bytes {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: Bytes = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}

const int = (field: number, value: number | bigint): Bytes => [...varint(field << 3), ...varint(value)];
const bytes = (field: number, data: Bytes): Bytes => [...varint((field << 3) | 2), ...varint(data.length), ...data];
const str = (field: number, text: string): Bytes => bytes(field, [...Buffer.from(text)]);
const msg = (field: number, ...parts: Bytes[]): Bytes => bytes(field, parts.flat());
const mapEntry = (field: number, key: string, value: string): Bytes => msg(field, str(1, key), str(2, value));

function envelope(apiVersion: string, kind: string, raw: Bytes): Buffer {
  return Buffer.from([0x6b, 0x38, 0x73, 0x00, ...msg(1, str(1, apiVersion), str(2, kind)), ...bytes(2, raw), ...str(3, ''), ...str(4, '')]);
}

describe('decodeProtobufObject', () => {
  for (const [name, command] of Object.entries(fixtures)) {
    test(`${command} decodes to the JSON kubectl prints`, () => {
      const expected = JSON.parse(readFileSync(path.join(fixtureDir, `${name}.json`), 'utf8')) as unknown;
      assert.deepEqual(decodeProtobufObject(fixture(name)), expected);
    });
  }

  test('a kind outside the table is reported by name', () => {
    assert.throws(
      () => decodeProtobufObject(fixture('create-token')),
      (error: unknown) => error instanceof UnsupportedProtobufKindError && error.kind === 'TokenRequest' && error.apiVersion === 'authentication.k8s.io/v1',
    );
  });

  test('DeleteOptions under any group version, with pointer zero values kept', () => {
    const body = envelope('apps/v1', 'DeleteOptions', [...int(1, 0), ...msg(2, str(1, 'uid-1'), str(2, '42')), ...str(4, 'Foreground'), ...str(5, 'All')]);
    assert.deepEqual(decodeProtobufObject(body), {
      apiVersion: 'apps/v1',
      kind: 'DeleteOptions',
      gracePeriodSeconds: 0,
      preconditions: { uid: 'uid-1', resourceVersion: '42' },
      propagationPolicy: 'Foreground',
      dryRun: ['All'],
    });
  });

  test('Scale: omitempty zero dropped from spec, a required zero kept in status', () => {
    const body = envelope('autoscaling/v1', 'Scale', [...msg(1, str(1, 'web'), str(3, 'default')), ...msg(2, int(1, 0)), ...msg(3, int(1, 0))]);
    assert.deepEqual(decodeProtobufObject(body), {
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name: 'web', namespace: 'default', creationTimestamp: null },
      spec: {},
      status: { replicas: 0 },
    });
  });

  test('times, owner references and managed fields with their FieldsV1 JSON', () => {
    const metadata = msg(
      1,
      str(1, 'cm'),
      int(7, 3),
      msg(8, int(1, 1767225600)),
      msg(9, int(1, 1767225630), int(2, 500_000_000)),
      int(10, 0),
      mapEntry(11, 'app', 'web'),
      msg(13, str(5, 'apps/v1'), str(1, 'Deployment'), str(3, 'web'), str(4, 'u-1'), int(6, 1)),
      str(14, 'example.com/cleanup'),
      msg(17, str(1, 'kubectl'), str(2, 'Apply'), str(3, 'v1'), msg(4, int(1, 1767225600)), str(6, 'FieldsV1'), msg(7, str(1, '{"f:data":{"f:a":{}}}'))),
    );
    const body = envelope('v1', 'ConfigMap', [...metadata, ...mapEntry(2, 'a', 'b'), ...msg(3, str(1, 'bin'), bytes(2, [0, 255])), ...int(4, 0)]);
    assert.deepEqual(decodeProtobufObject(body), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'cm',
        generation: 3,
        creationTimestamp: '2026-01-01T00:00:00Z',
        deletionTimestamp: '2026-01-01T00:00:30Z',
        deletionGracePeriodSeconds: 0,
        labels: { app: 'web' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'u-1', controller: true }],
        finalizers: ['example.com/cleanup'],
        managedFields: [
          { manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } },
        ],
      },
      immutable: false,
      data: { a: 'b' },
      binaryData: { bin: 'AP8=' },
    });
  });

  test('unknown fields of every wire type are skipped, also inside nested messages', () => {
    const plain = envelope('v1', 'ConfigMap', [...msg(1, str(1, 'cm')), ...mapEntry(2, 'a', 'b')]);
    const unknown: Bytes = [
      ...int(99, 7),
      ...varint((98 << 3) | 1), ...[1, 2, 3, 4, 5, 6, 7, 8],
      ...varint((97 << 3) | 5), ...[1, 2, 3, 4],
      ...str(96, 'ignored'),
      ...varint((95 << 3) | 3), ...int(1, 1), ...varint((95 << 3) | 4),
    ];
    const noisy = envelope('v1', 'ConfigMap', [...unknown, ...msg(1, str(1, 'cm'), str(15, 'cluster-name')), ...mapEntry(2, 'a', 'b'), ...unknown]);
    assert.deepEqual(decodeProtobufObject(noisy), decodeProtobufObject(plain));
  });

  test('negative int32, large int64 and packed repeated numbers', () => {
    const podSpec = msg(2, msg(2, str(1, 'c')), msg(14, int(2, 2n ** 40n), bytes(4, [...varint(1000), ...varint(2000)])), int(25, -5));
    const body = envelope('batch/v1', 'Job', [...msg(2, msg(6, podSpec))]);
    assert.deepEqual(decodeProtobufObject(body), {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { creationTimestamp: null },
      spec: {
        template: {
          metadata: { creationTimestamp: null },
          spec: { containers: [{ name: 'c', resources: {} }], securityContext: { runAsUser: 2 ** 40, supplementalGroups: [1000, 2000] }, priority: -5 },
        },
      },
      status: {},
    });
  });

  test('malformed bodies fail with a clear message', () => {
    assert.throws(() => decodeProtobufObject(Buffer.from('{"kind":"ConfigMap"}')), /malformed protobuf body: it does not start with the Kubernetes magic "k8s\\0"/);
    assert.throws(() => decodeProtobufObject(Buffer.from([0x6b, 0x38, 0x73, 0x00])), /malformed protobuf body: the envelope names no kind/);
    const good = fixture('create-configmap');
    assert.throws(() => decodeProtobufObject(good.subarray(0, good.length - 10)), /^Error: malformed protobuf in runtime\.Unknown at byte \d+: length \d+ runs past the end of the data$/);
    assert.throws(
      () => decodeProtobufObject(envelope('v1', 'ConfigMap', int(1, 5))),
      /^Error: malformed protobuf in ConfigMap at byte 1: field metadata \(1\) has wire type 0$/,
    );
    assert.throws(() => decodeProtobufObject(envelope('v1', 'ConfigMap', [0x0a, 0xff])), /malformed protobuf in ConfigMap at byte 2: truncated varint/);
  });
});

describe('protobuf bodies through the sandbox server', () => {
  let sandbox: Sandbox;
  const auth = { Authorization: 'Bearer protobuf-test' };
  const protobuf = { ...auth, 'Content-Type': 'application/vnd.kubernetes.protobuf', Accept: 'application/vnd.kubernetes.protobuf,application/json' };
  const configmaps = () => `${sandbox.url}/api/v1/namespaces/default/configmaps`;
  const payload = (body: Buffer) => new Uint8Array(body);

  before(async () => {
    sandbox = await startSandbox({ port: 0, tls: false, token: 'protobuf-test' });
  });
  after(async () => {
    await sandbox.stop();
  });

  test('create, update and a dry-run delete take protobuf bodies and answer JSON', async () => {
    const created = await fetch(configmaps(), { method: 'POST', headers: protobuf, body: payload(fixture('create-configmap')) });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('content-type'), 'application/json');
    const object = (await created.json()) as { metadata: { name: string; uid: string }; data: Record<string, string> };
    assert.equal(object.metadata.name, 'cm2');
    assert.deepEqual(object.data, { a: 'b', colour: 'blue' });

    const changed = envelope('v1', 'ConfigMap', [...msg(1, str(1, 'cm2')), ...mapEntry(2, 'a', 'changed')]);
    const updated = await fetch(`${configmaps()}/cm2`, { method: 'PUT', headers: protobuf, body: payload(changed) });
    assert.equal(updated.status, 200);
    assert.deepEqual(((await updated.json()) as { data: Record<string, string> }).data, { a: 'changed' });

    const dryRun = envelope('v1', 'DeleteOptions', str(5, 'All'));
    const deleted = await fetch(`${configmaps()}/cm2`, { method: 'DELETE', headers: protobuf, body: payload(dryRun) });
    assert.equal(deleted.status, 200);
    assert.equal((await fetch(`${configmaps()}/cm2`, { headers: auth })).status, 200);
  });

  test('a kind the sandbox cannot decode is 415 naming the kind; garbage is 400', async () => {
    const unsupported = await fetch(configmaps(), { method: 'POST', headers: protobuf, body: payload(fixture('create-token')) });
    assert.equal(unsupported.status, 415);
    assert.equal(
      ((await unsupported.json()) as { message: string }).message,
      'the body of the request was in an unknown format - the sandbox cannot decode protobuf bodies of kind TokenRequest (authentication.k8s.io/v1); accepted media types include: application/json, application/yaml',
    );
    const garbage = await fetch(configmaps(), { method: 'POST', headers: protobuf, body: payload(Buffer.from('not protobuf')) });
    assert.equal(garbage.status, 400);
    assert.match(((await garbage.json()) as { message: string }).message, /^the request body is not valid protobuf: malformed protobuf body/);
  });

  test('a body whose managed fields nest 100,000 levels deep is refused with 400 and not stored', async () => {
    const deep = '{"f:a":'.repeat(100_000) + '{}' + '}'.repeat(100_000);
    const metadata = msg(1, str(1, 'deep-fields'), msg(17, str(1, 'kubectl'), str(2, 'Update'), str(3, 'v1'), str(6, 'FieldsV1'), msg(7, str(1, deep))));
    const body = envelope('v1', 'ConfigMap', metadata);
    const response = await fetch(configmaps(), { method: 'POST', headers: protobuf, body: payload(body) });
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `the object provided is unrecognized (must be of type ConfigMap): the request body nests arrays and objects more than 500 levels deep (${body.subarray(0, 30).toString('hex')} ...)`,
      reason: 'BadRequest',
      code: 400,
    });
    assert.equal((await fetch(`${configmaps()}/deep-fields`, { headers: auth })).status, 404);
  });
});
