import { createHash } from 'node:crypto';
import { release } from 'node:os';
import type { ApiCore } from '../api.ts';
import { jsonEqual } from '../field-set.ts';
import type { StoreEvent } from '../store.ts';
import type { KubeObject } from '../types.ts';
import type { Controller } from './scheduler.ts';
import { clone, managers, resources, statusOf, timestamp, writeStatus, type Json } from './shared.ts';

export const kubernetesVersion = 'v1.32.0';

/** The address of the single simulated node (a kind-like docker network address). */
export const nodeIp = '172.18.0.2';

function architecture(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch === 'ia32' ? '386' : process.arch;
}

/** Labels and status a kubelet registers its node with. */
export function nodeObject(name: string): KubeObject {
  const arch = architecture();
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'beta.kubernetes.io/arch': arch,
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': arch,
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'node-role.kubernetes.io/control-plane': '',
      },
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'], providerID: `sandbox://${name}` },
  };
}

function nodeStatus(name: string, previous: Json): Json {
  const now = timestamp();
  const before = (type: string): Json | undefined =>
    (Array.isArray(previous.conditions) ? (previous.conditions as Json[]) : []).find((c) => c.type === type);
  const condition = (type: string, status: string, reason: string, message: string): Json => {
    const old = before(type);
    const same = old?.status === status && old?.reason === reason;
    return {
      type,
      status,
      lastHeartbeatTime: same ? old.lastHeartbeatTime : now,
      lastTransitionTime: same ? old.lastTransitionTime : now,
      reason,
      message,
    };
  };
  const id = createHash('sha256').update(name).digest('hex');
  const capacity = { cpu: '8', 'ephemeral-storage': '102400Mi', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: '16384Mi', pods: '110' };
  return {
    addresses: [
      { type: 'InternalIP', address: nodeIp },
      { type: 'Hostname', address: name },
    ],
    allocatable: { ...capacity },
    capacity,
    conditions: [
      condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      architecture: architecture(),
      bootID: `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`,
      containerRuntimeVersion: 'containerd://1.7.24',
      kernelVersion: release(),
      kubeProxyVersion: kubernetesVersion,
      kubeletVersion: kubernetesVersion,
      machineID: id.slice(32, 64),
      operatingSystem: 'linux',
      osImage: 'capstan sandbox',
      systemUUID: `${id.slice(32, 40)}-${id.slice(40, 44)}-${id.slice(44, 48)}-${id.slice(48, 52)}-${id.slice(52, 64)}`,
    },
  };
}

/** Registers the single node the kubelet runs pods on, and keeps it Ready. */
export class NodeController implements Controller {
  readonly name = 'node';
  readonly priority = 0;

  constructor(
    private readonly api: ApiCore,
    private readonly nodeName: string,
  ) {}

  initialKeys(): string[] {
    return [this.nodeName];
  }

  keysFor(event: StoreEvent): string[] {
    return event.resource === resources.nodes && event.object.metadata.name === this.nodeName ? [this.nodeName] : [];
  }

  async reconcile(): Promise<void> {
    const type = this.api.type('v1', 'Node');
    let node = this.api.store.get(resources.nodes, undefined, this.nodeName);
    if (!node) node = await this.api.create(type, undefined, nodeObject(this.nodeName), { fieldManager: managers.kubelet });
    if (node.metadata.deletionTimestamp) return;
    const previous = statusOf(node);
    const status = nodeStatus(this.nodeName, previous);
    // keep what others recorded (e.g. images), replace what the kubelet reports
    const next = { ...clone(previous), ...status };
    if (!jsonEqual(previous, next)) await writeStatus(this.api, type, node, next, managers.kubelet);
  }
}
