import { ApiCore, clone } from '../api.ts';
import { Store } from '../store.ts';
import type { KubeObject } from '../types.ts';
import { startControllers, type ControllerOptions, type RunningControllers } from './index.ts';

/** An in-process API server with the simulated control plane, for controller tests. */
export interface TestCluster {
  api: ApiCore;
  controllers: RunningControllers;
  /** Unexpected reconcile failures (conflicts are expected and not recorded). */
  errors: string[];
  create(object: KubeObject): Promise<KubeObject>;
  get(apiVersion: string, kind: string, name: string, namespace?: string): KubeObject | undefined;
  list(apiVersion: string, kind: string, namespace?: string): KubeObject[];
  /** Polls until `check` returns something other than undefined; fails with `what` after the deadline (default 30 s: it only bounds a test that fails). */
  until<T>(what: string, check: () => T | undefined, timeoutMs?: number): Promise<T>;
  /** Reads, changes and writes back an object (a user's update, as field manager `test`). */
  modify(apiVersion: string, kind: string, name: string, change: (object: KubeObject) => void, namespace?: string): Promise<KubeObject>;
  remove(apiVersion: string, kind: string, name: string, namespace?: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestCluster(options: Partial<ControllerOptions> = {}): Promise<TestCluster> {
  const api = new ApiCore(new Store());
  await api.bootstrap();
  const errors: string[] = [];
  const controllers = startControllers(api, {
    podReadyDelayMs: 20,
    crashLoopRestartIntervalMs: 60,
    onError: (error, controller, key) => errors.push(`${controller} ${key}: ${(error as Error).message}`),
    ...options,
  });
  const type = (apiVersion: string, kind: string) => api.type(apiVersion, kind);
  return {
    api,
    controllers,
    errors,
    create: (object) => api.create(type(object.apiVersion, object.kind), object.metadata.namespace ?? 'default', object, { fieldManager: 'test' }),
    get: (apiVersion, kind, name, namespace = 'default') => {
      const t = type(apiVersion, kind);
      try {
        return api.get(t, namespace, name);
      } catch {
        return undefined;
      }
    },
    list: (apiVersion, kind, namespace = 'default') => api.list(type(apiVersion, kind), namespace).items,
    until: async <T>(what: string, check: () => T | undefined, timeoutMs = 30_000): Promise<T> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = check();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${errors.length ? `; errors: ${errors.join('; ')}` : ''}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    modify: async (apiVersion, kind, name, change, namespace = 'default') => {
      const t = type(apiVersion, kind);
      const object = clone(api.get(t, namespace, name));
      change(object);
      return api.update(t, namespace, name, object, { fieldManager: 'test' });
    },
    remove: async (apiVersion, kind, name, namespace = 'default') => {
      await api.delete(type(apiVersion, kind), namespace, name);
    },
    stop: () => controllers.stop(),
  };
}

export interface WorkloadOptions {
  name?: string;
  namespace?: string;
  replicas?: number;
  image?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  spec?: Record<string, unknown>;
  podSpec?: Record<string, unknown>;
}

function template(options: WorkloadOptions, app: string): Record<string, unknown> {
  return {
    metadata: { labels: { app }, ...(options.annotations ? { annotations: options.annotations } : {}) },
    spec: { containers: [{ name: 'app', image: options.image ?? 'nginx:1.27' }], ...(options.podSpec ?? {}) },
  };
}

export function deployment(options: WorkloadOptions = {}): KubeObject {
  const name = options.name ?? 'web';
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: options.namespace ?? 'default', ...(options.labels ? { labels: options.labels } : {}) },
    spec: { replicas: options.replicas ?? 3, selector: { matchLabels: { app: name } }, template: template(options, name), ...(options.spec ?? {}) },
  };
}

export function statefulSet(options: WorkloadOptions = {}): KubeObject {
  const name = options.name ?? 'db';
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: options.namespace ?? 'default' },
    spec: { replicas: options.replicas ?? 3, serviceName: name, selector: { matchLabels: { app: name } }, template: template(options, name), ...(options.spec ?? {}) },
  };
}

export function daemonSet(options: WorkloadOptions = {}): KubeObject {
  const name = options.name ?? 'agent';
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: options.namespace ?? 'default' },
    spec: { selector: { matchLabels: { app: name } }, template: template(options, name), ...(options.spec ?? {}) },
  };
}

export function job(options: WorkloadOptions = {}): KubeObject {
  const name = options.name ?? 'migrate';
  const t = template(options, name);
  (t.spec as Record<string, unknown>).restartPolicy ??= 'Never';
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: options.namespace ?? 'default' },
    spec: { template: { spec: t.spec, ...(options.annotations ? { metadata: { annotations: options.annotations } } : {}) }, ...(options.spec ?? {}) },
  };
}

export function pod(options: WorkloadOptions = {}): KubeObject {
  const name = options.name ?? 'solo';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: options.namespace ?? 'default', labels: options.labels ?? { app: name }, ...(options.annotations ? { annotations: options.annotations } : {}) },
    spec: { containers: [{ name: 'app', image: options.image ?? 'nginx:1.27' }], ...(options.podSpec ?? {}) },
  };
}

/** A field of an object by dotted path, for terse assertions. */
export function field(object: KubeObject | undefined, path: string): unknown {
  let current: unknown = object;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}
