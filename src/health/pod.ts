import type { HealthStatus, Manifest } from '../core/index.ts';
import { describeCondition, findCondition, get, getArray, getNumber, getString, health, isFalse, isObject } from './fields.ts';

/**
 * Waiting reasons the kubelet reports for a container that will not start without a change: a
 * crashing process, an image that cannot be pulled or named, a missing config map or secret.
 */
const failingWaitingReasons: ReadonlySet<string> = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

interface ContainerState {
  label: string; // `container "web"` or `init container "migrate"`
  name: string;
  init: boolean;
  ready: boolean;
  restartCount: number;
  waiting?: { reason?: string; message?: string };
  terminated?: { reason?: string; exitCode: number };
  lastTerminated?: { reason?: string; exitCode: number };
}

/**
 * A Pod: Succeeded is Healthy, Failed is Degraded, a container stuck in CrashLoopBackOff or an
 * image pull error is Degraded whatever the phase, Pending is Progressing. A Running pod of a
 * long-lived workload (restartPolicy Always) is Healthy once Ready; pods with restartPolicy Never
 * or OnFailure run to completion, so Running is still Progressing for them.
 */
export function assessPodHealth(pod: Manifest): HealthStatus {
  const phase = getString(pod, 'status', 'phase') ?? 'Pending';
  const containers = [...containerStates(pod, 'initContainerStatuses', 'init container'), ...containerStates(pod, 'containerStatuses', 'container')];

  if (phase === 'Succeeded') return health('Healthy', getString(pod, 'status', 'message'));
  if (phase === 'Failed') return health('Degraded', failureMessage(pod, containers));

  const stuck = containers.filter((c) => c.waiting?.reason !== undefined && failingWaitingReasons.has(c.waiting.reason));
  if (stuck.length > 0) {
    return health('Degraded', stuck.map((c) => [c.label, c.waiting?.reason, c.waiting?.message].filter(Boolean).join(': ')).join('; '));
  }

  if (phase === 'Pending') return health('Progressing', pendingMessage(pod, containers));

  if (phase === 'Running') {
    const restartPolicy = getString(pod, 'spec', 'restartPolicy') ?? 'Always';
    if (restartPolicy !== 'Always') return health('Progressing', `Waiting for pod to complete (restartPolicy ${restartPolicy})`);
    if (isReady(pod, containers)) return health('Healthy', getString(pod, 'status', 'message'));

    const unready = containers.filter((c) => !c.init && !c.ready);
    const restarted = unready.find((c) => c.lastTerminated !== undefined);
    if (restarted?.lastTerminated) {
      return health('Degraded', `${restarted.label} restarted ${restarted.restartCount} times, last exit: ${exitText(restarted.lastTerminated)}`);
    }
    const names = unready.map((c) => c.name);
    return health('Progressing', names.length > 0 ? `Waiting for containers to be ready: ${names.join(', ')}` : 'Waiting for pod to be ready');
  }

  const message = getString(pod, 'status', 'message');
  return health('Unknown', message ? `Pod phase is ${phase}: ${message}` : `Pod phase is ${phase}`);
}

function containerStates(pod: Manifest, field: string, kind: string): ContainerState[] {
  const states: ContainerState[] = [];
  for (const status of getArray(pod, 'status', field)) {
    const name = getString(status, 'name');
    if (name === undefined) continue;
    const waiting = get(status, 'state', 'waiting');
    states.push({
      label: `${kind} "${name}"`,
      name,
      init: field === 'initContainerStatuses',
      ready: get(status, 'ready') === true,
      restartCount: getNumber(status, 'restartCount') ?? 0,
      waiting: isObject(waiting) ? { reason: getString(waiting, 'reason') || undefined, message: getString(waiting, 'message') || undefined } : undefined,
      terminated: terminatedOf(get(status, 'state', 'terminated')),
      lastTerminated: terminatedOf(get(status, 'lastState', 'terminated')),
    });
  }
  return states;
}

function terminatedOf(value: unknown): ContainerState['terminated'] {
  if (!isObject(value)) return undefined;
  return { reason: getString(value, 'reason') || undefined, exitCode: getNumber(value, 'exitCode') ?? 0 };
}

function exitText(terminated: NonNullable<ContainerState['terminated']>): string {
  return terminated.reason ? `${terminated.reason} (exit code ${terminated.exitCode})` : `exit code ${terminated.exitCode}`;
}

/** The Ready condition decides; without conditions, every container must report ready. */
function isReady(pod: Manifest, containers: ContainerState[]): boolean {
  const ready = findCondition(pod, 'Ready');
  if (ready) return ready.status === 'True';
  const regular = containers.filter((c) => !c.init);
  return regular.length > 0 && regular.every((c) => c.ready);
}

function failureMessage(pod: Manifest, containers: ContainerState[]): string {
  const reason = getString(pod, 'status', 'reason');
  const message = getString(pod, 'status', 'message');
  if (message) return reason ? `${reason}: ${message}` : message;
  const failed = containers.find((c) => c.terminated !== undefined && (c.terminated.exitCode !== 0 || c.terminated.reason === 'OOMKilled'));
  if (failed?.terminated) return `${failed.label} failed: ${exitText(failed.terminated)}`;
  return reason ?? 'Pod failed';
}

function pendingMessage(pod: Manifest, containers: ContainerState[]): string {
  const scheduled = findCondition(pod, 'PodScheduled');
  if (scheduled && isFalse(scheduled)) {
    return scheduled.reason && scheduled.message ? `${scheduled.reason}: ${scheduled.message}` : describeCondition(scheduled);
  }
  const message = getString(pod, 'status', 'message');
  if (message) return message;
  const waiting = containers.find((c) => c.waiting?.reason !== undefined);
  if (waiting) return `${waiting.label}: ${waiting.waiting?.reason}`;
  return 'Pod is pending';
}
