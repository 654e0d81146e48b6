import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { ValidationError } from '../core/index.ts';
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { PooledKubeConfig } from './kube-config.ts';

export interface KubeConfigSource {
  /** A kubeconfig as YAML text; wins over `kubeconfigPath`. */
  kubeconfig?: string;
  /** A kubeconfig file; default `$KUBECONFIG` (all of its files, merged), then `~/.kube/config`, then in-cluster. */
  kubeconfigPath?: string;
  /** The context to use; default the kubeconfig's current-context. */
  context?: string;
}

export interface LoadedKubeConfig {
  config: PooledKubeConfig;
  context: string;
  server: string;
  /** Where the configuration came from, for messages: a path, `given as text`, `in-cluster`. */
  source: string;
}

const serviceAccountToken = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * Reads a kubeconfig (text, file, `$KUBECONFIG`, `~/.kube/config`, or the pod's service account)
 * and selects a context. Every failure is a ValidationError naming the source: a missing context
 * lists the contexts there are.
 */
export function loadKubeConfig(options: KubeConfigSource = {}, env: NodeJS.ProcessEnv = process.env): LoadedKubeConfig {
  const config = new PooledKubeConfig();
  let source: string;
  try {
    if (options.kubeconfig !== undefined) {
      source = 'given as text';
      config.loadFromString(options.kubeconfig);
    } else if (options.kubeconfigPath !== undefined) {
      source = options.kubeconfigPath;
      config.loadFromFile(options.kubeconfigPath);
    } else if (env.KUBECONFIG) {
      source = env.KUBECONFIG;
      // like kubectl: every file of the list, merged; the first file to define a name (or current-context) wins
      const files = env.KUBECONFIG.split(path.delimiter).filter(Boolean);
      for (const file of files) if (!existsSync(file)) throw new Error(`${file} does not exist`);
      config.loadFromFile(files[0]);
      for (const file of files.slice(1)) {
        const more = new KubeConfig();
        more.loadFromFile(file);
        for (const cluster of more.clusters) if (!config.clusters.some((c) => c.name === cluster.name)) config.addCluster(cluster);
        for (const user of more.users) if (!config.users.some((u) => u.name === user.name)) config.addUser(user);
        for (const context of more.contexts) if (!config.contexts.some((c) => c.name === context.name)) config.addContext(context);
        if (!config.getCurrentContext() && more.getCurrentContext()) config.setCurrentContext(more.getCurrentContext());
      }
    } else if (existsSync(path.join(env.HOME ?? homedir(), '.kube', 'config'))) {
      source = path.join(env.HOME ?? homedir(), '.kube', 'config');
      config.loadFromFile(source);
    } else if (env.KUBERNETES_SERVICE_HOST && existsSync(serviceAccountToken)) {
      source = 'in-cluster';
      config.loadFromCluster();
    } else {
      throw new ValidationError('no kubeconfig found: pass --kubeconfig, set KUBECONFIG, create ~/.kube/config, or run in a pod with a service account');
    }
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    const where = options.kubeconfig !== undefined ? 'given as text' : (options.kubeconfigPath ?? env.KUBECONFIG ?? '~/.kube/config');
    // one line: YAML parse errors go on with a code frame of the file
    throw new ValidationError(`cannot be read: ${(error as Error).message.split('\n')[0]}`, { subject: `kubeconfig ${where}`, cause: error });
  }

  const contexts = config.getContexts().map((c) => c.name);
  const context = options.context ?? config.getCurrentContext();
  if (!context) {
    throw new ValidationError(`has no current-context: choose one with --context (${describeContexts(contexts)})`, { subject: `kubeconfig ${source}` });
  }
  if (!contexts.includes(context)) {
    throw new ValidationError(`has no context "${context}": ${describeContexts(contexts)}`, { subject: `kubeconfig ${source}` });
  }
  config.setCurrentContext(context);
  const cluster = config.getCurrentCluster();
  if (!cluster?.server) {
    throw new ValidationError(`context "${context}" names no cluster with a server URL`, { subject: `kubeconfig ${source}` });
  }
  return { config, context, server: cluster.server, source };
}

function describeContexts(contexts: readonly string[]): string {
  return contexts.length === 0 ? 'it defines no contexts' : `available contexts: ${contexts.map((c) => `"${c}"`).join(', ')}`;
}
