import { createHash } from 'node:crypto';
import type { ApiCore } from '../api.ts';
import { jsonEqual } from '../field-set.ts';
import { imageTag } from '../defaults.ts';
import type { StoreEvent } from '../store.ts';
import type { KubeObject } from '../types.ts';
import { nodeIp } from './node.ts';
import type { Controller, ReconcileResult } from './scheduler.ts';
import {
  clone,
  crashAnnotation,
  isRecord,
  keyOf,
  managers,
  podPhase,
  records,
  resources,
  specOf,
  splitKey,
  statusOf,
  str,
  timestamp,
  writeStatus,
  type Json,
} from './shared.ts';

export interface KubeletOptions {
  nodeName: string;
  /** How long a started pod takes to become Running and Ready; job pods finish after twice this. */
  podReadyDelayMs: number;
  /** How often a crash-looping container's restartCount rises. */
  crashLoopRestartIntervalMs: number;
}

/**
 * Names of the containers of a pod that crash: those whose image mentions `crashloop`, and those
 * the `sandbox.capstan.dev/crash` annotation names (`"true"` means every regular container).
 */
export function crashingContainers(pod: KubeObject): Set<string> {
  const spec = specOf(pod);
  const out = new Set<string>();
  const containers = records(spec.containers);
  for (const container of [...records(spec.initContainers), ...containers]) {
    if (str(container.image).includes('crashloop')) out.add(str(container.name));
  }
  const annotation = pod.metadata.annotations?.[crashAnnotation]?.trim();
  if (annotation === 'true') for (const container of containers) out.add(str(container.name));
  else if (annotation && annotation !== 'false') for (const name of annotation.split(',')) out.add(name.trim());
  return out;
}

/** The image reference and image ID a container runtime reports for an image (`nginx:1.27` → `docker.io/library/nginx:1.27`). */
export function resolveImage(image: string): { image: string; imageID: string } {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  let name = at >= 0 ? image.slice(0, at) : image;
  const tag = imageTag(image);
  if (name.lastIndexOf(':') > name.lastIndexOf('/')) name = name.slice(0, name.lastIndexOf(':'));
  const first = name.split('/')[0];
  const hasRegistry = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  let repository = hasRegistry ? name : `docker.io/${name.includes('/') ? name : `library/${name}`}`;
  repository = repository.toLowerCase();
  const reference = tag ? `${repository}:${tag}` : `${repository}@${digest}`;
  const imageID = `${repository}@${digest ?? `sha256:${sha256(reference)}`}`;
  return { image: reference, imageID };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Go's `time.Duration` text for whole seconds: 10s, 1m20s, 5m0s. */
function goDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  return `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}

/** The kubelet's crash-loop back-off before the n-th restart: 10s doubling up to 5m. */
export function backOffSeconds(restartCount: number): number {
  return Math.min(10 * 2 ** Math.max(0, restartCount - 1), 300);
}

type ContainerState = { kind: 'waiting'; reason: string } | { kind: 'running' } | { kind: 'completed' } | { kind: 'error' } | { kind: 'crashLoop' };

/**
 * A simulated kubelet (and scheduler) for the single node: binds pending pods to the node, then
 * walks them through ContainerCreating → Running and Ready, crash-loops containers asked to crash,
 * and completes the containers of pods that do not restart (job pods).
 */
export class Kubelet implements Controller {
  readonly name = 'kubelet';
  readonly priority = 1;
  /** When the kubelet started each pod (by uid); lost on restart, when startTime stands in. */
  private started = new Map<string, number>();
  /** When a crash-looping container's restart count next rises (by `uid/container`). */
  private restarts = new Map<string, number>();
  private nextIp = 2;

  constructor(
    private readonly api: ApiCore,
    private readonly options: KubeletOptions,
  ) {}

  initialKeys(): string[] {
    return this.api.store.list(resources.pods).map(keyOf);
  }

  keysFor(event: StoreEvent): string[] {
    if (event.resource === resources.nodes && event.object.metadata.name === this.options.nodeName) {
      // a node (re)appearing or relabelled may now fit pods that did not fit before
      if (event.type === 'MODIFIED' && jsonEqual(event.previous?.metadata.labels, event.object.metadata.labels)) return [];
      return this.api.store.list(resources.pods).filter((p) => !specOf(p).nodeName).map(keyOf);
    }
    if (event.resource !== resources.pods) return [];
    if (event.type === 'DELETED') {
      this.forget(event.object.metadata.uid);
      return [];
    }
    return [keyOf(event.object)];
  }

  private forget(uid: string | undefined): void {
    if (!uid) return;
    this.started.delete(uid);
    for (const key of this.restarts.keys()) if (key.startsWith(`${uid}/`)) this.restarts.delete(key);
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    const pod = this.api.store.get(resources.pods, namespace, name);
    if (!pod || pod.metadata.deletionTimestamp) return;
    const phase = podPhase(pod);
    if (phase === 'Succeeded' || phase === 'Failed') return;
    const nodeName = str(specOf(pod).nodeName);
    if (!nodeName) return this.schedule(pod);
    if (nodeName !== this.options.nodeName) return;
    return this.sync(pod);
  }

  /** The scheduler's part: bind to the node when the pod's node selector allows it. */
  private async schedule(pod: KubeObject): Promise<void> {
    const node = this.api.store.get(resources.nodes, undefined, this.options.nodeName);
    const selector = specOf(pod).nodeSelector;
    const fits = node !== undefined && (!isRecord(selector) || Object.entries(selector).every(([k, v]) => node.metadata.labels?.[k] === v));
    const type = this.api.type('v1', 'Pod');
    if (!fits) {
      const previous = statusOf(pod);
      const message = node
        ? "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
        : 'no nodes available to schedule pods';
      const status: Json = {
        ...clone(previous),
        phase: 'Pending',
        conditions: [condition(previous, 'PodScheduled', 'False', 'Unschedulable', message)],
      };
      await writeStatus(this.api, type, pod, status, managers.scheduler);
      return;
    }
    await this.api.bindPod(pod.metadata.namespace as string, pod.metadata.name as string, this.options.nodeName, { fieldManager: managers.scheduler });
  }

  private async sync(pod: KubeObject): Promise<ReconcileResult | void> {
    const uid = pod.metadata.uid as string;
    const now = Date.now();
    const previous = statusOf(pod);
    let startedAt = this.started.get(uid);
    if (startedAt === undefined) {
      const recorded = typeof previous.startTime === 'string' ? Date.parse(previous.startTime) : NaN;
      startedAt = Number.isNaN(recorded) ? now : recorded;
      this.started.set(uid, startedAt);
    }
    const delay = this.options.podReadyDelayMs;
    const spec = specOf(pod);
    const restartPolicy = str(spec.restartPolicy, 'Always');
    const crashing = crashingContainers(pod);
    const runAt = startedAt + delay;
    const doneAt = startedAt + 2 * delay;
    const wakeups: number[] = [];
    const ready = now >= runAt;
    if (!ready) wakeups.push(runAt);

    const inits = records(spec.initContainers);
    const containers = records(spec.containers);
    // init containers run one after the other before the regular ones; a crashing one blocks the rest
    const initStates: ContainerState[] = [];
    let initBlocked = !ready;
    let initFailed = false;
    for (const container of inits) {
      if (initBlocked) initStates.push({ kind: 'waiting', reason: 'PodInitializing' });
      else if (crashing.has(str(container.name))) {
        initBlocked = true;
        if (restartPolicy === 'Never') {
          initFailed = true;
          initStates.push({ kind: 'error' });
        } else initStates.push({ kind: 'crashLoop' });
      } else if (container.restartPolicy === 'Always') initStates.push({ kind: 'running' }); // a native sidecar keeps running
      else initStates.push({ kind: 'completed' });
    }
    const states: ContainerState[] = containers.map((container) => {
      if (initBlocked) return { kind: 'waiting', reason: inits.length > 0 ? 'PodInitializing' : 'ContainerCreating' };
      if (crashing.has(str(container.name))) return restartPolicy === 'Never' ? { kind: 'error' } : { kind: 'crashLoop' };
      if (restartPolicy === 'Always' || now < doneAt) {
        if (restartPolicy !== 'Always') wakeups.push(doneAt);
        return { kind: 'running' };
      }
      return { kind: 'completed' };
    });

    const ip = str(previous.podIP) || (spec.hostNetwork === true ? nodeIp : this.allocateIp());
    const build = (container: Json, state: ContainerState, init: boolean): Json =>
      this.containerStatus(pod, container, state, previous, init, { runAt, doneAt, now, wakeups });
    const initStatuses = inits.map((c, i) => build(c, initStates[i], true));
    const containerStatuses = containers.map((c, i) => build(c, states[i], false)).sort((a, b) => (str(a.name) < str(b.name) ? -1 : 1));

    let phase = 'Pending';
    if (initFailed) phase = 'Failed';
    else if (!initBlocked) {
      const terminated = states.every((s) => s.kind === 'completed' || s.kind === 'error');
      if (terminated) phase = states.some((s) => s.kind === 'error') ? 'Failed' : 'Succeeded';
      else phase = 'Running';
    }
    const finished = phase === 'Succeeded' || phase === 'Failed';
    const unready = containerStatuses.filter((s) => s.ready !== true).map((s) => str(s.name));
    const incomplete = inits.filter((_, i) => initStates[i].kind !== 'completed' && initStates[i].kind !== 'running').map((c) => str(c.name));
    const completedReason = phase === 'Succeeded' ? 'PodCompleted' : undefined;
    const conditions = [
      condition(previous, 'PodReadyToStartContainers', finished ? 'False' : 'True'),
      incomplete.length === 0
        ? condition(previous, 'Initialized', 'True', completedReason)
        : condition(previous, 'Initialized', 'False', 'ContainersNotInitialized', `containers with incomplete status: [${incomplete.join(' ')}]`),
      readiness(previous, 'Ready', unready, completedReason),
      readiness(previous, 'ContainersReady', unready, completedReason),
      condition(previous, 'PodScheduled', 'True'),
    ];
    const status: Json = {
      conditions,
      containerStatuses,
      hostIP: nodeIp,
      hostIPs: [{ ip: nodeIp }],
      ...(initStatuses.length > 0 ? { initContainerStatuses: initStatuses } : {}),
      phase,
      podIP: ip,
      podIPs: [{ ip }],
      ...(previous.qosClass !== undefined ? { qosClass: previous.qosClass } : {}),
      startTime: str(previous.startTime) || timestamp(startedAt),
    };
    await writeStatus(this.api, this.api.type('v1', 'Pod'), pod, status, managers.kubelet);
    if (finished) return;
    const next = wakeups.filter((t) => t > now);
    if (next.length > 0) return { requeueAfterMs: Math.min(...next) - now };
  }

  private containerStatus(
    pod: KubeObject,
    container: Json,
    state: ContainerState,
    previous: Json,
    init: boolean,
    times: { runAt: number; doneAt: number; now: number; wakeups: number[] },
  ): Json {
    const name = str(container.name);
    const spec = str(container.image);
    const before = records(init ? previous.initContainerStatuses : previous.containerStatuses).find((s) => s.name === name);
    const uid = pod.metadata.uid as string;
    const resolved = resolveImage(spec);
    let restartCount = typeof before?.restartCount === 'number' ? before.restartCount : 0;
    const id = (attempt: number): string => `containerd://${sha256(`${uid}/${name}/${attempt}`)}`;
    const base = { image: resolved.image, imageID: resolved.imageID, name };
    switch (state.kind) {
      case 'waiting':
        return { image: spec, imageID: '', lastState: {}, name, ready: false, restartCount, started: false, state: { waiting: { reason: state.reason } } };
      case 'running': {
        const previousState = isRecord(before?.state) ? before.state : {};
        const wasRunning = isRecord(previousState.running) ? previousState.running : undefined;
        let lastState = isRecord(before?.lastState) ? before.lastState : {};
        let startedAt = str(wasRunning?.startedAt) || timestamp(times.runAt);
        if (wasRunning && before?.image !== resolved.image) {
          // a new image (`kubectl set image pod/...`): the container is killed and started again
          lastState = { terminated: { containerID: str(before?.containerID), exitCode: 0, finishedAt: timestamp(times.now), reason: 'Completed', startedAt } };
          restartCount++;
          startedAt = timestamp(times.now);
        }
        return {
          ...base,
          containerID: id(restartCount),
          lastState,
          ready: true,
          restartCount,
          started: true,
          state: { running: { startedAt } },
        };
      }
      case 'completed':
        return {
          ...base,
          containerID: id(restartCount),
          lastState: {},
          ready: init,
          restartCount,
          started: false,
          state: { terminated: { containerID: id(restartCount), exitCode: 0, finishedAt: timestamp(init ? times.runAt : times.doneAt), reason: 'Completed', startedAt: timestamp(times.runAt) } },
        };
      case 'error':
        return {
          ...base,
          containerID: id(restartCount),
          lastState: {},
          ready: false,
          restartCount,
          started: false,
          state: { terminated: { containerID: id(restartCount), exitCode: 1, finishedAt: timestamp(times.runAt), reason: 'Error', startedAt: timestamp(times.runAt) } },
        };
      case 'crashLoop': {
        const interval = this.options.crashLoopRestartIntervalMs;
        const key = `${uid}/${name}`;
        let due = this.restarts.get(key);
        let lastState = isRecord(before?.lastState) && isRecord(before.lastState.terminated) ? before.lastState : undefined;
        if (restartCount === 0 || due === undefined || times.now >= due || !lastState) {
          if (restartCount === 0 || (due !== undefined && times.now >= due)) restartCount++;
          due = times.now + interval;
          const at = timestamp(times.now);
          lastState = { terminated: { containerID: id(restartCount - 1), exitCode: 1, finishedAt: at, reason: 'Error', startedAt: at } };
        }
        this.restarts.set(key, due);
        times.wakeups.push(due);
        const podName = `${pod.metadata.name}_${pod.metadata.namespace}(${uid})`;
        return {
          ...base,
          containerID: id(restartCount - 1),
          lastState,
          ready: false,
          restartCount,
          started: false,
          state: {
            waiting: {
              message: `back-off ${goDuration(backOffSeconds(restartCount))} restarting failed container=${name} pod=${podName}`,
              reason: 'CrashLoopBackOff',
            },
          },
        };
      }
    }
  }

  private allocateIp(): string {
    const used = new Set<string>();
    for (const pod of this.api.store.list(resources.pods)) {
      const ip = statusOf(pod).podIP;
      if (typeof ip === 'string') used.add(ip);
    }
    const size = 256 * 256;
    for (let i = 0; i < size; i++) {
      const n = (this.nextIp + i) % size;
      if (n % 256 === 0 || n % 256 === 255 || n < 2) continue;
      const ip = `10.244.${Math.floor(n / 256)}.${n % 256}`;
      if (used.has(ip)) continue;
      this.nextIp = n + 1;
      return ip;
    }
    return '10.244.255.254';
  }
}

function condition(previous: Json, type: string, status: string, reason?: string, message?: string): Json {
  const old = records(previous.conditions).find((c) => c.type === type);
  const since = old && old.status === status && typeof old.lastTransitionTime === 'string' ? old.lastTransitionTime : timestamp();
  return {
    lastProbeTime: null,
    lastTransitionTime: since,
    ...(message ? { message } : {}),
    ...(reason ? { reason } : {}),
    status,
    type,
  };
}

function readiness(previous: Json, type: 'Ready' | 'ContainersReady', unready: string[], completedReason: string | undefined): Json {
  if (completedReason) return condition(previous, type, 'False', completedReason);
  if (unready.length === 0) return condition(previous, type, 'True');
  return condition(previous, type, 'False', 'ContainersNotReady', `containers with unready status: [${unready.join(' ')}]`);
}
