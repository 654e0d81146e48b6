import type { ApiCore } from '../api.ts';
import { jsonEqual } from '../field-set.ts';
import type { StoreEvent } from '../store.ts';
import type { KubeObject } from '../types.ts';
import type { Controller } from './scheduler.ts';
import { clone, deleteObject, isPodReady, isRecord, keyOf, managers, mapSelects, namespaceTerminating, podPhase, records, resources, specOf, splitKey, statusOf, str, writeObject, type Json } from './shared.ts';

function selectorOf(service: KubeObject): Record<string, string> | undefined {
  const spec = specOf(service);
  if (spec.type === 'ExternalName' || !isRecord(spec.selector) || Object.keys(spec.selector).length === 0) return undefined;
  return spec.selector as Record<string, string>;
}

/** The container port a Service's targetPort names in a pod, or the number it gives. */
function resolvePort(pod: KubeObject, target: unknown): number | undefined {
  if (typeof target === 'number') return target;
  if (typeof target !== 'string') return undefined;
  if (/^\d+$/.test(target)) return Number(target);
  for (const container of records(specOf(pod).containers)) {
    for (const port of records(container.ports)) if (port.name === target && typeof port.containerPort === 'number') return port.containerPort;
  }
  return undefined;
}

/** The Endpoints of a Service with a selector, as the endpoints controller computes them. */
export function desiredSubsets(service: KubeObject, pods: KubeObject[]): Json[] | undefined {
  const spec = specOf(service);
  const publishNotReady = spec.publishNotReadyAddresses === true;
  const groups = new Map<string, { addresses: Json[]; notReadyAddresses: Json[]; ports: Json[] }>();
  for (const pod of pods) {
    const ip = str(statusOf(pod).podIP);
    const phase = podPhase(pod);
    if (!ip || pod.metadata.deletionTimestamp || phase === 'Succeeded' || phase === 'Failed') continue;
    const ports: Json[] = [];
    for (const servicePort of records(spec.ports)) {
      const port = resolvePort(pod, servicePort.targetPort ?? servicePort.port);
      if (port === undefined) continue;
      ports.push({ ...(typeof servicePort.name === 'string' && servicePort.name ? { name: servicePort.name } : {}), port, protocol: str(servicePort.protocol, 'TCP') });
    }
    if (records(spec.ports).length > 0 && ports.length === 0) continue;
    const podSpec = specOf(pod);
    const address: Json = {
      ip,
      ...(typeof podSpec.hostname === 'string' && podSpec.subdomain === service.metadata.name ? { hostname: podSpec.hostname } : {}),
      ...(typeof podSpec.nodeName === 'string' ? { nodeName: podSpec.nodeName } : {}),
      targetRef: { kind: 'Pod', name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid },
    };
    const key = JSON.stringify(ports);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { addresses: [], notReadyAddresses: [], ports }));
    if (publishNotReady || isPodReady(pod)) group.addresses.push(address);
    else group.notReadyAddresses.push(address);
  }
  const byIp = (a: Json, b: Json): number => str(a.ip).localeCompare(str(b.ip), undefined, { numeric: true });
  const subsets = [...groups.values()].map((g) => ({
    ...(g.addresses.length > 0 ? { addresses: g.addresses.sort(byIp) } : {}),
    ...(g.notReadyAddresses.length > 0 ? { notReadyAddresses: g.notReadyAddresses.sort(byIp) } : {}),
    ...(g.ports.length > 0 ? { ports: g.ports } : {}),
  }));
  return subsets.length > 0 ? subsets : undefined;
}

/** The endpoints controller: an Endpoints object per Service with a selector, listing the addresses of its pods. */
export class EndpointsController implements Controller {
  readonly name = 'endpoints';
  readonly priority = 5;

  constructor(private readonly api: ApiCore) {}

  initialKeys(): string[] {
    return this.api.store.list(resources.services).filter((s) => selectorOf(s)).map(keyOf);
  }

  keysFor(event: StoreEvent): string[] {
    if (event.resource === resources.services) return [keyOf(event.object)];
    if (event.resource === resources.endpoints) {
      const service = this.api.store.get(resources.services, event.namespace, event.object.metadata.name as string);
      return service && selectorOf(service) ? [keyOf(service)] : [];
    }
    if (event.resource !== resources.pods) return [];
    const keys: string[] = [];
    for (const service of this.api.store.list(resources.services, event.namespace)) {
      const selector = selectorOf(service);
      if (!selector) continue;
      if (mapSelects(selector, event.object.metadata.labels) || (event.previous && mapSelects(selector, event.previous.metadata.labels))) keys.push(keyOf(service));
    }
    return keys;
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const type = this.api.type('v1', 'Endpoints');
    const existing = this.api.store.get(resources.endpoints, namespace, name);
    const service = this.api.store.get(resources.services, namespace, name);
    if (!service) {
      if (existing && (existing.metadata.managedFields ?? []).some((m) => m.manager === managers.endpoints)) await deleteObject(this.api, type, existing);
      return;
    }
    const selector = selectorOf(service);
    if (!selector || service.metadata.deletionTimestamp || namespaceTerminating(this.api, namespace)) return;
    const pods = this.api.store.list(resources.pods, namespace).filter((p) => mapSelects(selector, p.metadata.labels));
    const subsets = desiredSubsets(service, pods);
    const labels: Record<string, string> = { ...(service.metadata.labels ?? {}) };
    if (specOf(service).clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
    if (!existing) {
      const endpoints: KubeObject = {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name, namespace, ...(Object.keys(labels).length > 0 ? { labels } : {}) },
        ...(subsets ? { subsets } : {}),
      };
      await this.api.create(type, namespace, endpoints, { fieldManager: managers.endpoints });
      return;
    }
    const sameLabels = jsonEqual(existing.metadata.labels ?? {}, labels);
    if (sameLabels && jsonEqual(existing.subsets, subsets)) return;
    const next = clone(existing);
    if (Object.keys(labels).length > 0) next.metadata.labels = labels;
    else delete next.metadata.labels;
    if (subsets) next.subsets = subsets;
    else delete next.subsets;
    await writeObject(this.api, type, next, managers.endpoints);
  }
}
