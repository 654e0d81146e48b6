import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import pino from 'pino';
import { ValidationError } from '../core/index.ts';
import { createKubeClient } from '../kube/index.ts';
import { loadTokens } from '../server/index.ts';
import { chartRepositories, duration, positiveInt, remoteOf } from './engine-options.ts';
import { defaultIdentity, parseListen, startAgent, webhookSecretsFrom } from './start-agent.ts';
import { capstanVersion } from './version.ts';

interface AgentCommandOptions {
  repo: string;
  branch?: string;
  env?: string[];
  listen: string;
  kubeconfig?: string;
  context?: string;
  tokensFile?: string;
  tokensSecret?: string;
  webhookSecretFile?: string;
  gitDir?: string;
  gitTimeout: number;
  gitMaxPushSize: number;
  pollInterval: number;
  concurrency: number;
  shardGroup?: string;
  identity?: string;
  inventoryNamespace: string;
  repoTokenFile?: string;
  sshKey?: string;
  chartCache?: string;
  chartRepositories?: string;
  logLevel: string;
}

export function agentCommand(): Command {
  return new Command('agent')
    .description('Reconcile every app of the environments continuously (pull mode), with the HTTP API, webhooks, git push, drift detection and self-heal')
    .requiredOption('--repo <path|url>', 'the config repo: a local folder or bare repository, file://, https:// or ssh URL')
    .option('--branch <name>', 'the branch to follow (default: the repo\'s default branch)')
    .option('--env <name...>', 'environments to reconcile (default: all)')
    .option('--listen <[host]:port>', 'address of the HTTP API', ':8080')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option('--context <name>', 'kubeconfig context for every environment')
    .option('--tokens-file <file>', 'API tokens, one "<role> <name> <token>" per line (roles: read, deploy, admin)')
    .option('--tokens-secret <namespace/name>', 'API tokens from a Secret whose keys are token names and values "<role>:<token>"')
    .option('--webhook-secret-file <file>', 'the secret webhooks are signed with (default: $CAPSTAN_WEBHOOK_SECRET)')
    .option('--git-dir <dir>', 'serve `git push` to the bare repositories in this directory at /git/<name>')
    .addOption(new Option('--git-timeout <duration>', 'time limit of one git request (a push, a fetch): then git is stopped and the request ended').default(10 * 60_000, '10m').argParser(positiveDuration))
    .addOption(new Option('--git-max-push-size <size>', 'largest git push (or fetch request) taken, e.g. 100MB, 1GiB; larger ones are refused before anything is stored').default(100_000_000, '100MB').argParser(byteSize))
    .addOption(new Option('--poll-interval <duration>', 'how often git is fetched; 0 turns polling off').default(60_000, '60s').argParser(duration))
    .addOption(new Option('--concurrency <n>', 'syncs at once').default(4).argParser(positiveInt))
    .option('--shard-group <name>', 'share the apps with the other replicas of this group through Leases')
    .option('--identity <name>', 'this replica\'s name in its shard group (default: $CAPSTAN_POD_NAME or host-pid)')
    .option('--inventory-namespace <ns>', 'namespace of capstan\'s inventories and Leases', process.env.CAPSTAN_NAMESPACE ?? 'capstan-system')
    .option('--repo-token-file <file>', 'file holding the token for an https config repo (default: $CAPSTAN_REPO_TOKEN)')
    .option('--ssh-key <file>', 'private key for an ssh config repo')
    .option('--chart-repositories <prefixes>', 'the only Helm repositories and OCI registries apps may fetch charts from, comma-separated URL prefixes such as https://charts.example.com,oci://registry.example.com/team (default: $CAPSTAN_CHART_REPOSITORIES, else any)')
    .option('--chart-cache <dir>', 'where Helm charts fetched from repositories and OCI registries are kept (default: $CAPSTAN_CHART_CACHE, else $XDG_CACHE_HOME/capstan/charts or ~/.cache/capstan/charts)')
    .addOption(new Option('--log-level <level>', 'log level (JSON lines on stderr)').choices(['debug', 'info', 'warn', 'error', 'silent']).default('info'))
    .addHelpText('after', '\nExample:\n  capstan agent --repo https://github.com/acme/config.git --env prod --tokens-file tokens.txt --listen :8080')
    .action(async (opts: AgentCommandOptions) => {
      if (!opts.tokensFile && !opts.tokensSecret) throw new ValidationError('give the API tokens with --tokens-file or --tokens-secret (the API refuses every request without one)');
      const logger = pino({ level: opts.logLevel }, pino.destination(2));
      const kubeconfigPath = opts.kubeconfig ? path.resolve(opts.kubeconfig) : undefined;
      let secret;
      if (opts.tokensSecret) {
        const [namespace, name] = opts.tokensSecret.split('/');
        if (!namespace || !name) throw new ValidationError(`--tokens-secret "${opts.tokensSecret}" is not <namespace>/<name>`);
        secret = { client: await createKubeClient({ kubeconfigPath, context: opts.context }), namespace, name };
      }
      const tokens = await loadTokens({ file: opts.tokensFile, secret });
      secret?.client.close();
      const { host, port } = parseListen(opts.listen);
      const running = await startAgent({
        repo: remoteOf({ repo: opts.repo, repoTokenFile: opts.repoTokenFile, sshKey: opts.sshKey }),
        branch: opts.branch,
        envs: opts.env,
        host,
        port,
        kubeconfigPath,
        context: opts.context,
        tokens,
        tokensSecret: secret ? { namespace: secret.namespace, name: secret.name } : undefined,
        webhookSecrets: webhookSecretsFrom(opts.webhookSecretFile),
        gitReposDir: opts.gitDir ? path.resolve(opts.gitDir) : undefined,
        gitTimeoutMs: opts.gitTimeout,
        gitMaxPushBytes: opts.gitMaxPushSize,
        pollIntervalMs: opts.pollInterval,
        concurrency: opts.concurrency,
        shardGroup: opts.shardGroup,
        identity: opts.shardGroup ? (opts.identity ?? defaultIdentity()) : undefined,
        inventoryNamespace: opts.inventoryNamespace,
        chartCacheDir: opts.chartCache ? path.resolve(opts.chartCache) : undefined,
        chartRepositories: opts.chartRepositories === undefined ? undefined : chartRepositories(opts.chartRepositories),
        logger,
        version: capstanVersion,
      });
      console.log(`capstan agent serving ${running.url} (${running.agent.apps().length} apps)`);
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: NodeJS.Signals): void => {
          if (stopping) {
            logger.warn({ signal }, 'a second signal: exiting now');
            process.exit(1);
          }
          stopping = true;
          // Git requests end at once; a sync waiting for a rollout does not: after the grace it is
          // abandoned, as a killed agent's would be, and the next start reconciles the app again.
          const grace = setTimeout(() => {
            logger.warn({ signal, graceMs: shutdownGraceMs }, `the agent did not stop within ${shutdownGraceMs / 1000}s (a sync is still running): exiting; the next start reconciles its app again`);
            process.exit(1);
          }, shutdownGraceMs);
          grace.unref();
          void running.stop().finally(() => {
            clearTimeout(grace);
            resolve();
          });
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}

/** How long a stopping agent waits for what is running (syncs) before it exits anyway. */
const shutdownGraceMs = 4_000;

const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, ki: 1024, kib: 1024, mi: 1024 ** 2, mib: 1024 ** 2, gi: 1024 ** 3, gib: 1024 ** 3 };

/** A size in bytes: `100MB` (decimal: kB, MB, GB), `1GiB` (binary: KiB, MiB, GiB), `500000` (bytes). */
export function byteSize(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  const unit = match && Object.hasOwn(BYTE_UNITS, match[2]!.toLowerCase()) ? BYTE_UNITS[match[2]!.toLowerCase()] : undefined;
  const bytes = match && unit !== undefined ? Math.floor(Number(match[1]) * unit) : NaN;
  if (!Number.isFinite(bytes) || bytes < 1) throw new InvalidArgumentError(`"${value}" is not a size like 100MB, 512KiB or 1GiB`);
  return bytes;
}

/** A duration above zero (`--git-timeout 0` would end every request at once). */
export function positiveDuration(value: string): number {
  const ms = duration(value);
  if (ms <= 0) throw new InvalidArgumentError(`"${value}" is not a duration above zero, like 90s or 10m`);
  return ms;
}
