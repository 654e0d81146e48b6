import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ValidationError } from '../core/index.ts';
import { parseDuration } from '../config/index.ts';
import { Engine, openWorkingTree, type RepoRevision } from '../engine/index.ts';
import { createKubeClient, preloadKubeConfig, warmTlsRootStore, type HttpKubeClient } from '../kube/index.ts';
import { RenderCache, type SopsKeys } from '../render/index.ts';
import { GitCache, type Remote } from '../source/index.ts';
import { capstanVersion } from './version.ts';

/** Options every command that reads the config repo takes. */
export interface RepoOptions {
  repo: string;
  revision?: string;
  repoTokenFile?: string;
  sshKey?: string;
}

/** Options every command that talks to a cluster takes. */
export interface ClusterOptions extends RepoOptions {
  kubeconfig?: string;
  context?: string;
  inventoryNamespace?: string;
}

export type OutputFormat = 'table' | 'json' | 'yaml';

export function addRepoOptions(command: Command): Command {
  return command
    .option('--repo <path|url>', 'the config repo: a local folder, file://, https:// or ssh URL', '.')
    .option('--revision <rev>', 'branch, tag or commit of the config repo (default: HEAD; for a local folder, render/diff/validate read the working tree)')
    .option('--repo-token-file <file>', 'file holding the token for an https config repo (default: $CAPSTAN_REPO_TOKEN)')
    .option('--ssh-key <file>', 'private key for an ssh config repo');
}

export function addClusterOptions(command: Command): Command {
  return addRepoOptions(command)
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context for every environment (default: each environment\'s cluster, else the current context)')
    .option('--inventory-namespace <ns>', 'namespace holding capstan\'s inventories', 'capstan-system');
}

export function outputOption(formats: OutputFormat[] = ['table', 'json', 'yaml']): Option {
  return new Option('-o, --output <format>', 'output format').choices(formats).default(formats[0]);
}

export function envOption(): Option {
  return new Option('--env <name>', 'environment').makeOptionMandatory();
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${value}" is not a positive whole number`);
  return n;
}

/** A duration as capstan.yaml writes them (`90s`, `5m`, `1h30m`, `250ms`); a bare whole number is seconds. */
export function duration(value: string): number {
  const text = value.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : parseDuration(text);
  if (ms === undefined) throw new InvalidArgumentError(`"${value}" is not a duration like 90s, 5m or 1h`);
  return ms;
}

export function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`"${value}" is not a port number (0-65535)`);
  return n;
}

export function remoteOf(options: RepoOptions): Remote {
  const url = isLocalRepo(options.repo) ? localGitRepo(options.repo) : looksLikeUrl(options.repo) ? options.repo : missingRepo(options.repo);
  const remote: Remote = { url };
  const token = options.repoTokenFile ? readFileSync(options.repoTokenFile, 'utf8').trim() : process.env.CAPSTAN_REPO_TOKEN;
  if (token) remote.token = token;
  if (options.sshKey) remote.sshKeyFile = path.resolve(options.sshKey);
  return remote;
}

/** `https://…`, `file://…`, `ssh://…`, `git@host:path`: not a path. */
function looksLikeUrl(repo: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/]+@[^/]+:/.test(repo);
}

function missingRepo(repo: string): never {
  throw new ValidationError(`the config repo ${repo} does not exist: pass --repo <path|url> of the config repo (default: the current directory)`);
}

/**
 * A local folder used for its commits (apply, rollback, delete, --revision) must be a git
 * repository's top directory (or a bare repository): git itself would answer with `fatal:` lines.
 */
function localGitRepo(repo: string): string {
  const dir = path.resolve(repo);
  const isRepo = existsSync(path.join(dir, '.git')) || (existsSync(path.join(dir, 'HEAD')) && existsSync(path.join(dir, 'objects')));
  if (!statSync(dir).isDirectory()) throw new ValidationError(`the config repo ${repo} is not a directory: pass --repo <path|url> of the config repo (default: the current directory)`);
  if (!isRepo) {
    throw new ValidationError(`the config repo ${repo} is not the top directory of a git repository, and capstan applies commits: pass --repo <the repository's top directory or URL> (or git init and commit there)`);
  }
  return dir;
}

/** Whether `--repo` names a local folder (not a URL). */
export function isLocalRepo(repo: string): boolean {
  return !looksLikeUrl(repo) && existsSync(repo);
}

/**
 * The repo as commands that do not change a cluster read it: a local folder's working tree (so a
 * change can be checked before it is committed) unless a revision is asked for; a remote at a
 * revision otherwise.
 */
export async function openForReading(engine: Engine, options: RepoOptions): Promise<RepoRevision> {
  if (options.revision === undefined && isLocalRepo(options.repo) && statSync(options.repo).isDirectory()) {
    return openWorkingTree(path.resolve(options.repo));
  }
  return engine.open(remoteOf(options), options.revision);
}

export interface EngineHandle {
  engine: Engine;
  /** The client of a kubeconfig context (undefined: the current one; `--context` is not applied here), shared with the engine. */
  clientFor(context: string | undefined): Promise<HttpKubeClient>;
  /** Closes every cluster connection the engine opened. */
  close(): void;
}

export interface KubeClients {
  /** One client per kubeconfig context (undefined: the current one), made on first use. */
  clientFor(context: string | undefined): Promise<HttpKubeClient>;
  /** Closes every client made. */
  close(): Promise<void>;
}

/** Clients for the contexts of one kubeconfig (YAML text, or a path; default $KUBECONFIG, ~/.kube/config, in-cluster). */
export function kubeClients(source: { kubeconfig?: string; kubeconfigPath?: string } = {}): KubeClients {
  // the kubeconfig reader compiles now, and Node's root certificates are parsed on another thread,
  // while the command reads its config repo (it runs git)
  preloadKubeConfig().catch(() => undefined);
  void warmTlsRootStore();
  const clients = new Map<string, Promise<HttpKubeClient>>();
  return {
    clientFor(context) {
      const key = context ?? '';
      let client = clients.get(key);
      if (!client) {
        client = createKubeClient({ ...source, context });
        clients.set(key, client);
      }
      return client;
    },
    async close() {
      for (const client of clients.values()) (await client.catch(() => undefined))?.close();
    },
  };
}

/**
 * The render cache of this machine, in the git cache's directory (`renders/`). Off with
 * CAPSTAN_RENDER_CACHE=0, and when capstan runs from its TypeScript sources: the key names the
 * build (the bundle's size and time), and an edit of the sources would not change it.
 */
export function renderCache(git: GitCache, env: NodeJS.ProcessEnv = process.env): RenderCache | undefined {
  if (env.CAPSTAN_RENDER_CACHE === '0') return undefined;
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return undefined;
  try {
    const bundle = statSync(path.join(path.dirname(here), 'capstan.mjs'));
    return new RenderCache({ dir: path.join(git.dir, 'renders'), build: `${capstanVersion}:${bundle.size}:${bundle.mtimeMs}` });
  } catch {
    return undefined;
  }
}

/**
 * Where charts fetched from Helm repositories and OCI registries are kept: `$CAPSTAN_CHART_CACHE`,
 * else `charts` in capstan's cache directory when one is set (`$CAPSTAN_CACHE_DIR`, the agent's
 * cache volume), else undefined: the user's cache directory (`$XDG_CACHE_HOME/capstan/charts`).
 */
export function chartCacheDir(cacheDir = process.env.CAPSTAN_CACHE_DIR): string | undefined {
  if (process.env.CAPSTAN_CHART_CACHE) return path.resolve(process.env.CAPSTAN_CHART_CACHE);
  return cacheDir ? path.resolve(cacheDir, 'charts') : undefined;
}

/**
 * The chart repositories apps may fetch from, as the operator lists them (`--chart-repositories`,
 * else `$CAPSTAN_CHART_REPOSITORIES`), comma- or space-separated URL prefixes; undefined: any.
 */
export function chartRepositories(list = process.env.CAPSTAN_CHART_REPOSITORIES): string[] | undefined {
  const prefixes = (list ?? '').split(/[\s,]+/).filter(Boolean);
  return prefixes.length > 0 ? prefixes : undefined;
}

/** An Engine wired to the kubeconfig, the git cache and the render cache of this machine. */
export async function createEngine(options: Partial<ClusterOptions> & { sopsKeys?: SopsKeys } = {}): Promise<EngineHandle> {
  const clients = kubeClients({ kubeconfigPath: options.kubeconfig ? path.resolve(options.kubeconfig) : undefined });
  const git = new GitCache({ dir: process.env.CAPSTAN_CACHE_DIR });
  const engine = new Engine({
    git,
    renderCache: renderCache(git),
    context: options.context,
    inventoryNamespace: options.inventoryNamespace,
    // SOPS keys are read from the environment by render, the first time an encrypted file needs them.
    sopsKeys: options.sopsKeys,
    helmBinary: process.env.CAPSTAN_HELM,
    chartCacheDir: chartCacheDir(),
    chartRepositories: chartRepositories(),
    kustomizeBinary: process.env.CAPSTAN_KUSTOMIZE,
    clientFor: (context) => clients.clientFor(context),
  });
  return {
    engine,
    clientFor: (context) => clients.clientFor(context),
    close() {
      void clients.close();
    },
  };
}
