import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFieldSelector, type FieldSelectorTarget } from './field-selector.ts';
import { SelectorError } from './label-selector.ts';
import type { KubeObject } from './types.ts';

function target(group: string, kind: string, namespaced = true, custom = false): FieldSelectorTarget {
  return { group, kind, namespaced, custom };
}

const POD = target('', 'Pod');
const CONFIG_MAP = target('', 'ConfigMap');

function obj(kind: string, name: string, namespace: string | undefined, fields: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind, metadata: { name, namespace }, ...fields };
}

function rejects(t: FieldSelectorTarget, selector: string, message: string): void {
  assert.throws(
    () => parseFieldSelector(t, selector),
    (e: unknown) => e instanceof SelectorError && e.reason === 'BadRequest' && e.message === message,
  );
}

describe('parseFieldSelector', () => {
  test('metadata.name and metadata.namespace, with =, == and !=', () => {
    const cm = obj('ConfigMap', 'web', 'shop');
    assert.equal(parseFieldSelector(CONFIG_MAP, 'metadata.name=web')(cm), true);
    assert.equal(parseFieldSelector(CONFIG_MAP, 'metadata.name==web,metadata.namespace=shop')(cm), true);
    assert.equal(parseFieldSelector(CONFIG_MAP, 'metadata.namespace!=shop')(cm), false);
    assert.equal(parseFieldSelector(CONFIG_MAP, 'metadata.name=api')(cm), false);
    assert.equal(parseFieldSelector(CONFIG_MAP, '')(cm), true);
    assert.equal(parseFieldSelector(CONFIG_MAP, '').empty, true);
  });

  test('pod fields, the spec.host alias and defaults of unset fields', () => {
    const pod = obj('Pod', 'p', 'ns', {
      spec: { nodeName: 'node-1', restartPolicy: 'Always', schedulerName: 'default-scheduler', serviceAccountName: 'default' },
      status: { phase: 'Running', podIPs: [{ ip: '10.0.0.7' }], podIP: '10.0.0.7' },
    });
    for (const s of [
      'spec.nodeName=node-1',
      'spec.host=node-1',
      'status.phase=Running',
      'status.phase!=Pending',
      'spec.restartPolicy=Always',
      'spec.schedulerName=default-scheduler',
      'spec.serviceAccountName=default',
      'status.podIP=10.0.0.7',
      'spec.hostNetwork=false',
      'status.nominatedNodeName=',
    ]) {
      assert.equal(parseFieldSelector(POD, s)(pod), true, s);
    }
    assert.equal(parseFieldSelector(POD, 'status.phase=Pending')(pod), false);
    assert.equal(parseFieldSelector(POD, 'spec.host=node-1').toString(), 'spec.nodeName=node-1');
  });

  test('kinds with registered fields reject others with "field label not supported"', () => {
    rejects(POD, 'spec.containers=x', 'field label not supported: spec.containers');
    rejects(target('', 'Secret'), 'data=x', 'field label not supported: data');
    rejects(target('', 'Namespace', false), 'metadata.namespace=x', 'field label not supported: metadata.namespace');
    rejects(target('', 'Node', false), 'status.phase=Ready', 'field label not supported: status.phase');
    rejects(target('', 'Event'), 'message=x', 'field label not supported: message');
  });

  test('kinds without registered fields use the default conversion message', () => {
    rejects(CONFIG_MAP, 'data.key=x', '"data.key" is not a known field selector: only "metadata.name", "metadata.namespace"');
    rejects(target('apps', 'Deployment'), 'spec.replicas=1', '"spec.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"');
    rejects(target('batch', 'Job'), 'status.succeeded=1', 'field label "status.succeeded" not supported for batchv1.Job');
  });

  test('the first unsupported term in sorted order is the one reported', () => {
    rejects(POD, 'spec.zeta=1,spec.alpha=2', 'field label not supported: spec.alpha');
  });

  test('secrets by type, namespaces by phase, jobs by successful count', () => {
    const secret = obj('Secret', 's', 'ns', { type: 'kubernetes.io/tls' });
    assert.equal(parseFieldSelector(target('', 'Secret'), 'type=kubernetes.io/tls')(secret), true);
    const ns = obj('Namespace', 'dev', undefined, { status: { phase: 'Active' } });
    assert.equal(parseFieldSelector(target('', 'Namespace', false), 'status.phase=Active,metadata.name=dev')(ns), true);
    const job = obj('Job', 'j', 'ns', { status: { succeeded: 2 } });
    assert.equal(parseFieldSelector(target('batch', 'Job'), 'status.successful=2')(job), true);
    assert.equal(parseFieldSelector('Job', 'status.successful=0')(obj('Job', 'k', 'ns')), true);
  });

  test('core and events.k8s.io events select on the involved object, reason, type and source', () => {
    const core = obj('Event', 'web.1', 'ns', {
      involvedObject: { kind: 'Pod', name: 'web', namespace: 'ns' },
      reason: 'BackOff',
      type: 'Warning',
      source: { component: 'kubelet' },
    });
    assert.equal(parseFieldSelector(target('', 'Event'), 'involvedObject.kind=Pod,involvedObject.name=web,reason=BackOff,type=Warning,source=kubelet')(core), true);
    const v1 = obj('Event', 'web.2', 'ns', { regarding: { kind: 'Pod', name: 'web' }, reason: 'Pulled', type: 'Normal', reportingController: 'kubelet' });
    const eventsGroup = target('events.k8s.io', 'Event');
    assert.equal(parseFieldSelector(eventsGroup, 'regarding.name=web,reportingController=kubelet')(v1), true);
    rejects(eventsGroup, 'involvedObject.name=web', 'field label not supported: involvedObject.name');
  });

  test('custom resources accept the CRD selectableFields', () => {
    const widget = target('example.com', 'Widget', true, true);
    const w = obj('Widget', 'w', 'ns', { spec: { color: 'blue', size: 3 } });
    assert.equal(parseFieldSelector(widget, 'spec.color=blue', { selectableFields: ['.spec.color', '.spec.size'] })(w), true);
    assert.equal(parseFieldSelector(widget, 'spec.size=3', { selectableFields: ['.spec.size'] })(w), true);
    rejects(widget, 'spec.color=blue', 'field label not supported: spec.color');
    rejects(target('example.com', 'Gadget', false, true), 'metadata.namespace=x', 'field label not supported: metadata.namespace');
  });

  test('values may escape commas, equals signs and backslashes', () => {
    const cm = obj('ConfigMap', 'a,b=c\\d', 'ns');
    const s = parseFieldSelector(CONFIG_MAP, 'metadata.name=a\\,b\\=c\\\\d');
    assert.equal(s(cm), true);
    assert.equal(s.toString(), 'metadata.name=a\\,b\\=c\\\\d');
  });

  test('rejects bad syntax with the API server messages', () => {
    rejects(CONFIG_MAP, 'metadata.name', "invalid selector: 'metadata.name'; can't understand 'metadata.name'");
    rejects(CONFIG_MAP, 'metadata.name=a=b', 'invalid field selector: unescaped character in value: 61');
    rejects(CONFIG_MAP, 'metadata.name!==x', 'invalid field selector: unescaped character in value: 61');
    rejects(CONFIG_MAP, 'metadata.name=a\\x', 'invalid field selector: invalid escape sequence: \\x');
    rejects(CONFIG_MAP, 'metadata.name=a\\', 'invalid field selector: invalid escape sequence: \\');
    rejects(CONFIG_MAP, ' metadata.name=a', '" metadata.name" is not a known field selector: only "metadata.name", "metadata.namespace"');
  });
});
