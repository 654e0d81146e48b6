import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { ValidationError } from '../core/index.ts';
import { DriftWatcher, InventoryWatcher, ShardCoordinator, createAgent, type Agent } from '../agent/index.ts';
import { Engine, healthyForGate } from '../engine/index.ts';
import { Releases } from '../release/index.ts';
import type { KubeClient } from '../kube/index.ts';
import { createNotifier, KubeEventRecorder } from '../notify/index.ts';
import type { SopsKeys } from '../render/index.ts';
import { createServer, ReleaseDesk, type CapstanServer, type TokenStore, type WebhookSecrets } from '../server/index.ts';
import { CloneWriter, GitCache, defaultCacheDir, parseRemote, type Remote } from '../source/index.ts';
import { chartCacheDir, chartRepositories, kubeClients } from './engine-options.ts';
import { capstanRoot } from './provide-tools.ts';

export interface StartAgentOptions {
  repo: Remote;
  branch?: string;
  envs?: string[];
  host: string;
  port: number;
  /** A kubeconfig (YAML text) or its path; default `$KUBECONFIG`, `~/.kube/config`, in-cluster. */
  kubeconfig?: string;
  kubeconfigPath?: string;
  /** Overrides every environment's cluster. */
  context?: string;
  tokens: TokenStore;
  webhookSecrets: WebhookSecrets;
  /** Serve `git push` for the bare repositories in this directory (`<dir>/<name>.git` at `/git/<name>`). */
  gitReposDir?: string;
  /** Time limit of one git request; default 10 min. */
  gitTimeoutMs?: number;
  /** Largest git request body (a push) taken; default 100 MB. */
  gitMaxPushBytes?: number;
  pollIntervalMs?: number;
  concurrency?: number;
  /** Share the apps with the other replicas of this group through Leases. */
  shardGroup?: string;
  identity?: string;
  inventoryNamespace?: string;
  /** The Secret the API tokens were read from (--tokens-secret): no app may write it. */
  tokensSecret?: { namespace: string; name: string };
  sopsKeys?: SopsKeys;
  cacheDir?: string;
  /** Where fetched Helm charts are kept; default `$CAPSTAN_CHART_CACHE`, else `charts` in the cache directory (see `chartCacheDir`). */
  chartCacheDir?: string;
  /** The chart repositories apps may fetch from (URL prefixes); default `$CAPSTAN_CHART_REPOSITORIES`, else any. */
  chartRepositories?: string[];
  logger?: Logger;
  version: string;
  /** The built web UI the agent serves at `/`; default `dist/ui` of this capstan (`npm run build`). */
  uiDir?: string;
}

export interface RunningAgent {
  url: string;
  agent: Agent;
  server: CapstanServer;
  stop(): Promise<void>;
}

/**
 * Wires pull mode together: an Engine on this machine's git cache and kubeconfig, the Agent
 * reconciling the repo (with a drift watcher, and a shard coordinator when a group is given), and
 * the HTTP server in front of it. Used by `capstan agent` and `capstan up`.
 */
export async function startAgent(options: StartAgentOptions): Promise<RunningAgent> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const clients = kubeClients({ kubeconfig: options.kubeconfig, kubeconfigPath: options.kubeconfigPath });
  // The agent asks for clients too (health, drift), not only the engine: --context applies to both.
  const clientFor = (context: string | undefined): Promise<KubeClient> => clients.clientFor(options.context ?? context);
  const git = new GitCache({ dir: options.cacheDir ?? process.env.CAPSTAN_CACHE_DIR });
  const engine = new Engine({
    git,
    clientFor,
    context: options.context,
    inventoryNamespace: options.inventoryNamespace,
    protectedObjects: options.tokensSecret
      ? [{ key: { group: '', kind: 'Secret', ...options.tokensSecret }, why: `the Secret the agent reads its API tokens from (--tokens-secret ${options.tokensSecret.namespace}/${options.tokensSecret.name})` }]
      : [],
    sopsKeys: options.sopsKeys, // default: read from the environment when an encrypted file needs them
    helmBinary: process.env.CAPSTAN_HELM,
    chartCacheDir: options.chartCacheDir ?? chartCacheDir(options.cacheDir),
    chartRepositories: options.chartRepositories ?? chartRepositories(),
    kustomizeBinary: process.env.CAPSTAN_KUSTOMIZE,
    who: 'agent',
  });
  const client = await clientFor(undefined);
  const server = await createServer({
    host: options.host,
    port: options.port,
    tokens: options.tokens,
    webhookSecrets: options.webhookSecrets,
    branch: options.branch,
    version: options.version,
    logger: logger.child({ component: 'server' }),
    git: options.gitReposDir ? { reposDir: options.gitReposDir, onPush: () => undefined, timeoutMs: options.gitTimeoutMs, maxBodyBytes: options.gitMaxPushBytes } : undefined,
    // the API's releases, promotions and policies: one at a time, in a clone of their own under the cache
    releases: new ReleaseDesk({ repo: options.repo, branch: options.branch, git, engine }),
    ui: { dir: options.uiDir ?? path.join(capstanRoot, 'dist', 'ui') },
  });
  // release management: the agent's auto-releases are made in a private clone of the repo of their
  // own (the API's desk and the CLI on this machine have theirs), and pushed to it
  const releases = new Releases({
    writer: new CloneWriter({
      dir: path.join(options.cacheDir ?? process.env.CAPSTAN_CACHE_DIR ?? defaultCacheDir(), 'work', `${parseRemote(options.repo).cacheName}.auto-release`),
      remote: options.repo,
      ...(options.branch ? { branch: options.branch } : {}),
      committer: { name: 'capstan agent', email: 'agent@capstan.invalid' },
    }),
    gate: healthyForGate(engine),
  });
  // notifications: the targets follow capstan.yaml (the agent configures them at each revision);
  // webhook URLs are read from Secrets through this client, or from files on this host
  const notifier = createNotifier({ client, logger: logger.child({ component: 'agent' }) });
  const events = new KubeEventRecorder({ clientFor, inventoryNamespace: options.inventoryNamespace, instance: options.identity ?? defaultIdentity(), logger: logger.child({ component: 'agent' }) });
  const shards = options.shardGroup
    ? new ShardCoordinator({ client, group: options.shardGroup, identity: options.identity, namespace: options.inventoryNamespace })
    : undefined;
  const agent = createAgent({
    engine,
    repo: options.repo,
    git,
    branch: options.branch,
    envs: options.envs,
    clientFor,
    pollIntervalMs: options.pollIntervalMs,
    concurrency: options.concurrency,
    metrics: server.metrics,
    logger: logger.child({ component: 'agent' }),
    driftWatcher: (onDrift) => new DriftWatcher({ client, onDrift }),
    inventoryWatcher: (onChange) => new InventoryWatcher({ client, onChange, namespace: options.inventoryNamespace, logger: logger.child({ component: 'agent' }) }),
    shards,
    releases,
    notifier,
    events,
    watchCrashes: true,
  });
  server.attach(agent);
  try {
    await agent.start();
  } catch (error) {
    await server.close();
    await notifier.close();
    await clients.close();
    throw error;
  }
  return {
    url: server.url,
    agent,
    server,
    async stop() {
      await server.close();
      await agent.stop();
      // what is still being delivered gets a bounded moment (the notifier's close timeout);
      // Events still being written are abandoned with the clients
      await notifier.close();
      await clients.close();
    },
  };
}

/** `:8080`, `0.0.0.0:8080` or `127.0.0.1:0` → host and port. */
export function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:\[?([^\]]*)\]?)?:(\d{1,5})$/.exec(value.trim());
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) throw new ValidationError(`--listen "${value}" is not [host]:port, e.g. :8080 or 127.0.0.1:8080`);
  return { host: match[1] || '0.0.0.0', port };
}

/** Webhook secrets: one secret for every provider, from a file or `$CAPSTAN_WEBHOOK_SECRET`. */
export function webhookSecretsFrom(file: string | undefined, env: NodeJS.ProcessEnv = process.env): WebhookSecrets {
  const secret = file ? readFileSync(file, 'utf8').trim() : env.CAPSTAN_WEBHOOK_SECRET;
  if (!secret) return {};
  return { github: secret, gitlab: secret, gitea: secret, bitbucket: secret };
}

/** This replica's shard identity: the pod name in a cluster, else the host name and process id. */
export function defaultIdentity(env: NodeJS.ProcessEnv = process.env): string {
  const name = env.CAPSTAN_POD_NAME || `${os.hostname()}-${process.pid}`;
  return name.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '') || `agent-${process.pid}`;
}
