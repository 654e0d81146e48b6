import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import { generate } from 'selfsigned';
import { stringify as toYaml } from 'yaml';
import { ApiCore } from './api.ts';
import type { KubeObject } from './types.ts';
import { startControllers } from './controllers/index.ts';
import { CostModel, type CostProfile } from './cost-model.ts';
import { FaultInjector, type FaultOptions } from './faults.ts';
import { Journal } from './journal.ts';
import { createHandler } from './server.ts';
import type { SandboxStats } from './request-stats.ts';
import { Store } from './store.ts';

export type { FaultKind, FaultOptions } from './faults.ts';
export { parseFaultSpec } from './faults.ts';
export type { SandboxStats, RequestCounts } from './request-stats.ts';
export { costProfiles, parseCostSpec, realCostProfile, type CostClass, type CostProfile, type RequestCost } from './cost-model.ts';

export interface SandboxOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Persist state to this file; without it the sandbox lives in memory. */
  data?: string;
  /** Write a kubeconfig for the sandbox to this file. */
  kubeconfigOut?: string;
  /** Bearer token every request must carry; a random one is made when none is given (it is in the kubeconfig). */
  token?: string;
  /** Serve HTTPS with a self-signed certificate (default) or plain HTTP. */
  tls?: boolean;
  /** Delay before a started pod becomes Running and Ready. */
  podReadyDelayMs?: number;
  /** How often a crash-looping container (image `…:crashloop`) restarts; default 2 s. */
  crashLoopRestartIntervalMs?: number;
  /** Injected failures from the start; change later with `setFaults`. */
  faults?: FaultOptions;
  /** How many past events a watch can resume from (older resourceVersions get 410 Gone). */
  watchHistory?: number;
  bookmarkIntervalMs?: number;
  /** How long a watch for initial events not older than a resourceVersion not reached yet waits for it (default 3 s, as the apiserver). */
  resourceVersionWaitMs?: number;
  /** Name of the kubeconfig context, cluster and user. */
  contextName?: string;
  /**
   * Answer no sooner than a real API server would: a latency floor per request and a shared
   * capacity (`realCostProfile`, `capstan sandbox --cost real`; see cost-model.ts). Off by default.
   */
  cost?: CostProfile;
  /**
   * The `gitVersion` `/version` reports, as a managed cluster's (`v1.29.3-gke.1282001`); its
   * `major` and `minor` follow. Default `v1.32.0-capstan-sandbox`.
   */
  version?: string;
}

export interface Sandbox {
  url: string;
  /** A kubeconfig (YAML) that points at this sandbox with its token and CA. */
  kubeconfig: string;
  kubeconfigPath?: string;
  /** PEM of the self-signed certificate, when serving HTTPS. */
  ca?: string;
  setFaults(options: FaultOptions): void;
  /**
   * Test hook: edits a stored object without touching its `metadata.managedFields`, as some writes
   * on real API servers do (the scale subresource before 1.22, some controllers). The object is
   * validated, its resourceVersion moves and watchers see MODIFIED. Returns the stored object.
   */
  writeUntracked(apiVersion: string, kind: string, namespace: string | undefined, name: string, edit: (object: Record<string, unknown> & { metadata: Record<string, unknown> }) => void): Promise<Record<string, unknown>>;
  /** Requests by verb and client, the most in flight, and the store's writes (see request-stats.ts). */
  stats(): SandboxStats;
  /** Counts requests afresh (writes keep counting): between the passes of a benchmark. */
  resetStats(): void;
  stop(): Promise<void>;
}

/** Starts the sandbox API server: a Kubernetes-compatible API with simulated controllers. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? defaultToken(options.data ? `${path.resolve(options.data)}.token` : undefined);
  const tls = options.tls ?? true;
  let store: Store;
  if (options.data) {
    mkdirSync(path.dirname(path.resolve(options.data)), { recursive: true });
    const { journal, state } = await Journal.open(options.data);
    store = new Store(journal, state, { historySize: options.watchHistory });
  } else {
    store = new Store(undefined, undefined, { historySize: options.watchHistory });
  }
  const api = new ApiCore(store, { resourceVersionWaitMs: options.resourceVersionWaitMs });
  await api.bootstrap();
  const faults = new FaultInjector();
  if (options.faults) faults.configure(options.faults);
  const handler = createHandler(api, { token, faults, bookmarkIntervalMs: options.bookmarkIntervalMs, cost: options.cost ? new CostModel(options.cost) : undefined, version: options.version });

  let server: Server;
  let ca: string | undefined;
  if (tls) {
    const pems = await certificate(host, options.data ? `${path.resolve(options.data)}.tls.json` : undefined);
    ca = pems.cert;
    server = createHttpsServer({ key: pems.private, cert: pems.cert }, handler.handle);
  } else {
    server = createHttpServer(handler.handle);
  }
  server.keepAliveTimeout = 120_000;
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host;
  const url = `${tls ? 'https' : 'http'}://${urlHost}:${port}`;
  const controllers = startControllers(api, { podReadyDelayMs: options.podReadyDelayMs ?? 500, crashLoopRestartIntervalMs: options.crashLoopRestartIntervalMs });

  const name = options.contextName ?? 'capstan-sandbox';
  const kubeconfig = toYaml({
    apiVersion: 'v1',
    kind: 'Config',
    // client-node refuses a plain-http server unless TLS verification is declared off
    clusters: [{ name, cluster: { server: url, ...(ca ? { 'certificate-authority-data': Buffer.from(ca).toString('base64') } : { 'insecure-skip-tls-verify': true }) } }],
    users: [{ name, user: { token } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: 'default' } }],
    'current-context': name,
    preferences: {},
  });
  if (options.kubeconfigOut) {
    mkdirSync(path.dirname(path.resolve(options.kubeconfigOut)), { recursive: true });
    writeFileSync(options.kubeconfigOut, kubeconfig, { mode: 0o600 });
  }

  let stopped: Promise<void> | undefined;
  return {
    url,
    kubeconfig,
    kubeconfigPath: options.kubeconfigOut,
    ca,
    setFaults: (next) => faults.configure(next),
    writeUntracked: async (apiVersion, kind, namespace, name, edit) => (await api.writeUntracked(apiVersion, kind, namespace, name, edit as (object: KubeObject) => void)) as unknown as Record<string, unknown>,
    stats: () => handler.stats(),
    resetStats: () => handler.resetStats(),
    stop: () =>
      (stopped ??= (async () => {
        handler.closeWatches();
        await controllers.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          for (const socket of sockets) socket.destroy();
        });
        await store.close();
      })()),
  };
}

/**
 * A self-signed certificate for the sandbox. With `--data` it is kept beside the data file, so a
 * kubeconfig written before a restart still trusts the restarted sandbox.
 */
async function certificate(host: string, keep: string | undefined): Promise<{ private: string; cert: string }> {
  if (keep && existsSync(keep)) {
    const saved = JSON.parse(readFileSync(keep, 'utf8')) as { private?: unknown; cert?: unknown };
    if (typeof saved.private === 'string' && typeof saved.cert === 'string') return { private: saved.private, cert: saved.cert };
  }
  const extraIp = host !== '127.0.0.1' && host !== 'localhost' && host !== '0.0.0.0' ? [{ type: 7 as const, ip: host }] : [];
  const pems = await generate([{ name: 'commonName', value: 'capstan-sandbox' }], {
    keyType: 'ec',
    curve: 'P-256',
    notAfterDate: new Date(Date.now() + 365 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, ...extraIp] },
    ],
  });
  if (keep) writeFileSync(keep, JSON.stringify({ private: pems.private, cert: pems.cert }), { mode: 0o600 });
  return { private: pems.private, cert: pems.cert };
}

/** A random token; with `--data` it is kept beside the data file so a restart keeps old kubeconfigs valid. */
function defaultToken(keep: string | undefined): string {
  if (keep && existsSync(keep)) {
    const saved = readFileSync(keep, 'utf8').trim();
    if (saved) return saved;
  }
  const token = randomBytes(24).toString('base64url');
  if (keep) writeFileSync(keep, token + '\n', { mode: 0o600 });
  return token;
}
