import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CapstanError, ConflictError, NotFoundError, TransientError, ValidationError } from '../core/index.ts';
import { startSandbox, type Sandbox } from '@capstan/sandbox';
import { createKubeClient, type HttpKubeClient } from './create-kube-client.ts';
import { CredentialsUnavailable, type HttpResponse } from './http-transport.ts';
import { ApplyConflictError, ExpiredError, ForbiddenError, KubeValidationError, NamespaceTerminatingError, toKubeError, UnauthorizedError, type KubeOperation } from './kube-errors.ts';
import { RetriesExhausted } from './retry.ts';

const apply: KubeOperation = {
  verb: 'apply',
  kubeVerb: 'patch',
  subject: 'Deployment/web/api',
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  namespace: 'web',
  resource: { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments', namespaced: true, verbs: [], subresources: [] },
  context: 'prod',
  server: 'https://10.0.0.1:6443',
};

function response(status: number, body: unknown, headers: HttpResponse['headers'] = {}): { response: HttpResponse } {
  return { response: { status, headers, body: typeof body === 'string' ? body : JSON.stringify(body) } };
}

function status(code: number, reason: string, message: string, details?: unknown): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code, ...(details ? { details } : {}) };
}

describe('toKubeError: Status answers of real API servers become capstan errors', () => {
  test('409 apply conflicts: every field with its manager, grouped by manager, ending with the way out', () => {
    const error = toKubeError(
      apply,
      response(
        409,
        status(409, 'Conflict', 'Apply failed with 3 conflicts: conflicts with "kubectl-edit" using apps/v1:\n- .spec.replicas\n- .spec.paused\nconflict with "hpa-controller" using autoscaling/v2: .spec.template.spec.containers[name="app"].resources', {
          causes: [
            { reason: 'FieldManagerConflict', message: 'conflict with "kubectl-edit" using apps/v1', field: '.spec.replicas' },
            { reason: 'FieldManagerConflict', message: 'conflict with "kubectl-edit" using apps/v1', field: '.spec.paused' },
            { reason: 'FieldManagerConflict', message: 'conflict with "hpa-controller" with subresource "scale" using autoscaling/v2', field: '.spec.template.spec.containers[name="app"].resources' },
          ],
        }),
      ),
    );
    assert.ok(error instanceof ApplyConflictError && error instanceof ConflictError);
    assert.equal(
      error.message,
      'Deployment/web/api apply failed: conflict with "kubectl-edit" using apps/v1: .spec.replicas, .spec.paused; conflict with "hpa-controller" with subresource "scale" using autoscaling/v2: .spec.template.spec.containers[name="app"].resources; use --force-conflicts to take them',
    );
    assert.deepEqual(
      error.conflicts.map((c) => [c.manager, c.field]),
      [
        ['kubectl-edit', '.spec.replicas'],
        ['kubectl-edit', '.spec.paused'],
        ['hpa-controller', '.spec.template.spec.containers[name="app"].resources'],
      ],
    );
    assert.equal(error.subject, 'Deployment/web/api');
  });

  test('a 409 that is not a field conflict keeps the server message', () => {
    const error = toKubeError(apply, response(409, status(409, 'Conflict', 'Operation cannot be fulfilled on deployments.apps "api": the object has been modified; please apply your changes to the latest version and try again')));
    assert.ok(error instanceof ConflictError && !(error instanceof ApplyConflictError));
    assert.equal(error.message, 'Deployment/web/api apply failed: Operation cannot be fulfilled on deployments.apps "api": the object has been modified; please apply your changes to the latest version and try again');
  });

  test('422 lists each cause as field: message; 400 without causes keeps the message', () => {
    const invalid = toKubeError(
      apply,
      response(
        422,
        status(422, 'Invalid', 'Deployment.apps "api" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.template.spec.containers[0].image: Required value]', {
          name: 'api',
          group: 'apps',
          kind: 'Deployment',
          causes: [
            { reason: 'FieldValueInvalid', message: 'Invalid value: -1: must be greater than or equal to 0', field: 'spec.replicas' },
            { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.template.spec.containers[0].image' },
          ],
        }),
      ),
    );
    assert.ok(invalid instanceof KubeValidationError && invalid instanceof ValidationError);
    assert.equal(invalid.message, 'Deployment/web/api apply failed: spec.replicas: Invalid value: -1: must be greater than or equal to 0; spec.template.spec.containers[0].image: Required value');
    assert.deepEqual(invalid.causes, [
      { field: 'spec.replicas', message: 'Invalid value: -1: must be greater than or equal to 0' },
      { field: 'spec.template.spec.containers[0].image', message: 'Required value' },
    ]);
    const bad = toKubeError(apply, response(400, status(400, 'BadRequest', 'failed to create typed patch object (web/api; apps/v1, Kind=Deployment): .spec.template.spec.containers[name="app"].ports: element 0: associative list with keys has an element that omits key field "protocol"')));
    assert.ok(bad instanceof ValidationError);
    assert.equal(bad.message, 'Deployment/web/api apply failed: failed to create typed patch object (web/api; apps/v1, Kind=Deployment): .spec.template.spec.containers[name="app"].ports: element 0: associative list with keys has an element that omits key field "protocol"');
  });

  test('404: an absent object keeps the server message; an unserved resource says the cluster does not serve the kind', () => {
    const absent = toKubeError(apply, response(404, status(404, 'NotFound', 'namespaces "web" not found', { name: 'web', kind: 'namespaces' })));
    assert.ok(absent instanceof NotFoundError);
    assert.equal(absent.message, 'Deployment/web/api apply failed: namespaces "web" not found');
    const unserved = toKubeError({ ...apply, subject: 'Widget/web/w', apiVersion: 'example.com/v1', kind: 'Widget' }, response(404, '404 page not found'));
    assert.ok(unserved instanceof NotFoundError);
    assert.equal(unserved.message, 'Widget/web/w apply failed: the cluster does not serve Widget in example.com/v1 (is its CRD installed?)');
  });

  test('403 names the context, the verb and the resource', () => {
    const error = toKubeError(apply, response(403, status(403, 'Forbidden', 'deployments.apps "api" is forbidden: User "system:serviceaccount:ci:deployer" cannot patch resource "deployments" in API group "apps" in the namespace "web"')));
    assert.ok(error instanceof ForbiddenError && error instanceof CapstanError);
    assert.equal(error.category, 'terminal');
    assert.equal(
      error.message,
      'Deployment/web/api apply failed: forbidden: context "prod" may not patch deployments.apps in namespace "web": deployments.apps "api" is forbidden: User "system:serviceaccount:ci:deployer" cannot patch resource "deployments" in API group "apps" in the namespace "web"',
    );
  });

  test('403 for a namespace being terminated says so (not RBAC), and is transient: the namespace will be gone', () => {
    const message = 'deployments.apps "api" is forbidden: unable to create new content in namespace web because it is being terminated';
    const details = { name: 'api', group: 'apps', kind: 'deployments', causes: [{ reason: 'NamespaceTerminating', message: 'namespace web is being terminated', field: 'metadata.namespace' }] };
    const error = toKubeError(apply, response(403, status(403, 'Forbidden', message, details)));
    assert.ok(error instanceof NamespaceTerminatingError && error instanceof TransientError);
    assert.equal(error.namespace, 'web');
    assert.equal(error.message, 'Deployment/web/api apply failed: namespace web is being terminated: nothing new can be created in it until it is gone');
    // API servers before 1.16 sent the message without the cause
    const old = toKubeError(apply, response(403, status(403, 'Forbidden', message, { name: 'api', group: 'apps', kind: 'deployments' })));
    assert.equal(old.message, 'Deployment/web/api apply failed: namespace web is being terminated: nothing new can be created in it until it is gone');
  });

  test('410 is an ExpiredError (transient: relist); 5xx and 429 answered directly are transient; anything else is terminal', () => {
    const gone = toKubeError({ ...apply, verb: 'watch', subject: 'Deployment' }, response(410, status(410, 'Expired', 'too old resource version: 5 (100)')));
    assert.ok(gone instanceof ExpiredError && gone instanceof TransientError);
    assert.equal(gone.message, 'Deployment watch failed: too old resource version: 5 (100) (relist and start again)');
    const busy = toKubeError(apply, response(503, 'upstream connect error'));
    assert.ok(busy instanceof TransientError);
    assert.equal(busy.message, 'Deployment/web/api apply failed: 503: upstream connect error');
    const teapot = toKubeError(apply, response(418, ''));
    assert.equal(teapot.category, 'terminal');
    assert.equal(teapot.message, 'Deployment/web/api apply failed: 418: HTTP 418');
  });

  test('exhausted retries are a TransientError with the attempts and the last failure as cause; other socket errors say the server cannot be reached', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const exhausted = toKubeError(apply, { error: new RetriesExhausted(7, undefined, reset) });
    assert.ok(exhausted instanceof TransientError);
    assert.equal(exhausted.message, 'Deployment/web/api apply failed after 7 attempts: ECONNRESET socket hang up');
    assert.equal(exhausted.cause, reset);
    const throttled = toKubeError(apply, { error: new RetriesExhausted(3, response(429, status(429, 'TooManyRequests', 'too many requests')).response, undefined) });
    assert.equal(throttled.message, 'Deployment/web/api apply failed after 3 attempts: 429 TooManyRequests: too many requests');
    const tls = Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    const unreachable = toKubeError(apply, { error: tls });
    assert.equal(unreachable.category, 'terminal');
    assert.equal(unreachable.message, 'Deployment/web/api apply failed: cannot reach https://10.0.0.1:6443: SELF_SIGNED_CERT_IN_CHAIN self-signed certificate in certificate chain');
    const exec = toKubeError(apply, { error: new CredentialsUnavailable(new Error('exec: executable aws not found')) });
    assert.ok(exec instanceof UnauthorizedError);
    assert.equal(exec.message, 'Deployment/web/api apply failed: the credentials of context "prod" could not be obtained: exec: executable aws not found');
  });
});

describe('toKubeError against the sandbox, through the client capstan uses on real clusters', () => {
  let sandbox: Sandbox;
  let client: HttpKubeClient;
  before(async () => {
    sandbox = await startSandbox({ port: 0, token: 'kube-errors' });
    client = await createKubeClient({ kubeconfig: sandbox.kubeconfig });
  });
  after(async () => {
    client?.close();
    await sandbox?.stop();
  });

  test('a server-side apply into a namespace being terminated reports the namespace, not permissions', async () => {
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'leaving' } });
    // a finalizer nobody removes keeps the namespace Terminating for as long as the test needs
    await client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', namespace: 'leaving', finalizers: ['test.capstan.dev/hold'] } });
    await client.delete('v1', { group: '', kind: 'Namespace', namespace: '', name: 'leaving' });
    const manifest = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'leaving' }, spec: {} };
    await assert.rejects(client.apply(manifest), (error: unknown) => {
      assert.ok(error instanceof NamespaceTerminatingError, String(error));
      assert.equal(error.message, 'Deployment/leaving/api apply failed: namespace leaving is being terminated: nothing new can be created in it until it is gone');
      return true;
    });
  });
});
