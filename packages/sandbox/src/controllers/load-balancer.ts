import type { ApiCore } from '../api.ts';
import type { StoreEvent } from '../store.ts';
import type { Controller } from './scheduler.ts';
import { clone, keyOf, managers, resources, specOf, splitKey, statusOf, writeStatus, type Json } from './shared.ts';

/** The address the sandbox's simulated load balancer and ingress controller publish. */
export const loadBalancerAddress = '127.0.0.1';

/**
 * A stand-in for a cloud load balancer and an ingress controller: every Service of type
 * LoadBalancer and every Ingress gets `status.loadBalancer.ingress: [{ip: 127.0.0.1}]`, as a
 * cluster with a load-balancer implementation (MetalLB, a cloud provider) and an ingress
 * controller would publish, so that their health can be judged as on such a cluster.
 */
export class LoadBalancerController implements Controller {
  readonly name = 'load-balancer';
  readonly priority = 3;

  constructor(private readonly api: ApiCore) {}

  initialKeys(): string[] {
    return [
      ...this.api.store.list(resources.services).map((s) => `service:${keyOf(s)}`),
      ...this.api.store.list(resources.ingresses).map((i) => `ingress:${keyOf(i)}`),
    ];
  }

  keysFor(event: StoreEvent): string[] {
    if (event.type === 'DELETED') return [];
    if (event.resource === resources.services) return [`service:${keyOf(event.object)}`];
    if (event.resource === resources.ingresses) return [`ingress:${keyOf(event.object)}`];
    return [];
  }

  async reconcile(key: string): Promise<void> {
    const kind = key.slice(0, key.indexOf(':'));
    const { namespace, name } = splitKey(key.slice(kind.length + 1));
    const resource = kind === 'service' ? resources.services : resources.ingresses;
    const object = this.api.store.get(resource, namespace, name);
    if (!object || object.metadata.deletionTimestamp) return;
    if (kind === 'service' && specOf(object).type !== 'LoadBalancer') return;
    const status = statusOf(object);
    const balancer = (status.loadBalancer ?? {}) as Json;
    if (Array.isArray(balancer.ingress) && balancer.ingress.length > 0) return;
    const type = kind === 'service' ? this.api.type('v1', 'Service') : this.api.type('networking.k8s.io/v1', 'Ingress');
    await writeStatus(this.api, type, object, { ...clone(status), loadBalancer: { ingress: [{ ip: loadBalancerAddress }] } }, managers.loadBalancer);
  }
}
