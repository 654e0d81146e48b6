import type { ApiCore } from '../api.ts';
import { DaemonSetController } from './daemon-set.ts';
import { DeploymentController } from './deployment.ts';
import { EndpointsController } from './endpoints.ts';
import { JobController } from './job.ts';
import { Kubelet } from './kubelet.ts';
import { LoadBalancerController } from './load-balancer.ts';
import { NodeController } from './node.ts';
import { PersistentVolumeClaimController } from './persistent-volume-claim.ts';
import { ReplicaSetController } from './replica-set.ts';
import { Scheduler } from './scheduler.ts';
import { StatefulSetController } from './stateful-set.ts';

export { podLogs } from './pod-logs.ts';
export { crashAnnotation } from './shared.ts';

export interface ControllerOptions {
  /** How long a started pod takes to become Running and Ready (job pods complete after twice this). Default 500. */
  podReadyDelayMs: number;
  /** How often a crash-looping container's restartCount rises. Default 2000. */
  crashLoopRestartIntervalMs?: number;
  /** Name of the single simulated node. Default `sandbox-node`. */
  nodeName?: string;
  /** Told about unexpected reconcile failures; they are retried with backoff either way. */
  onError?: (error: unknown, controller: string, key: string) => void;
}

export interface RunningControllers {
  /** Stops reacting to changes, clears every timer and waits for the reconcile in flight. */
  stop(): Promise<void>;
  /** Resolves once no reconcile is queued or running (pending timers aside); for tests. */
  idle(): Promise<void>;
}

/**
 * Starts the simulated control plane on an API server: a Ready node and its kubelet, and the
 * Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, PersistentVolumeClaim and endpoints
 * controllers, and a load balancer that gives LoadBalancer Services and Ingresses an address. They read the store and write only through the API (`fieldManager` per controller),
 * so validation, resourceVersions, watch events, managed fields and persistence all apply.
 */
export function startControllers(api: ApiCore, options: ControllerOptions): RunningControllers {
  const nodeName = options.nodeName ?? 'sandbox-node';
  const scheduler = new Scheduler(
    [
      new NodeController(api, nodeName),
      new Kubelet(api, {
        nodeName,
        podReadyDelayMs: options.podReadyDelayMs ?? 500,
        crashLoopRestartIntervalMs: options.crashLoopRestartIntervalMs ?? 2000,
      }),
      new PersistentVolumeClaimController(api),
      new ReplicaSetController(api),
      new StatefulSetController(api),
      new DaemonSetController(api, nodeName),
      new JobController(api),
      new DeploymentController(api),
      new EndpointsController(api),
      new LoadBalancerController(api),
    ],
    { onError: options.onError },
  );
  const unsubscribe = api.store.subscribe((event) => scheduler.dispatch(event));
  scheduler.start();
  let stopped: Promise<void> | undefined;
  return {
    stop: () =>
      (stopped ??= (async () => {
        unsubscribe();
        await scheduler.stop();
      })()),
    idle: () => scheduler.idle(),
  };
}
