import { Command, InvalidArgumentError, Option } from 'commander';
import { formatInstallManifests, installDefaults, installManifests, installNames, installNotes, type InstallFormat } from './install-manifests.ts';

function wholeNumber(value: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`"${value}" is not a whole number`);
  return Number(value);
}

/** `a,b` and repeated options both add to the list; empty items are kept so that validation names them. */
function list(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((item) => item.trim())];
}

interface InstallCommandOptions {
  namespace: string;
  createNamespace: boolean;
  watchNamespaces?: string[];
  repo?: string;
  branch: string;
  env?: string[];
  image?: string;
  replicas: number;
  repoSecret: string;
  tokensSecret: string;
  port: number;
  output: InstallFormat;
}

export function installCommand(): Command {
  return new Command('install')
    .description('Print the manifests that run the capstan agent in a cluster (pipe them to `kubectl apply -f -`)')
    .option('--repo <url>', 'URL of the config repo the agent reconciles (required; no credentials in it)')
    .option('--branch <branch>', 'branch of the config repo', installDefaults.branch)
    .option('--env <name>', 'an environment this agent reconciles (repeat, or a,b; default: all)', list)
    .option('-n, --namespace <namespace>', 'namespace the agent runs in', installDefaults.namespace)
    .option('--no-create-namespace', 'do not emit the Namespace (it exists, or is managed elsewhere)')
    .option('--watch-namespaces <a,b>', 'manage only these namespaces, with a Role in each (default: the whole cluster, with a ClusterRole)', list)
    .option('--image <image>', 'agent image (default: ghcr.io/capstan-dev/capstan:<this version>)')
    .addOption(new Option('--replicas <count>', 'agent replicas; they share the apps through Leases').default(installDefaults.replicas).argParser(wholeNumber))
    .option('--repo-secret <name>', 'existing Secret with read-only repo credentials: key token (https), or ssh-privatekey and known_hosts (ssh)', installDefaults.repoSecret)
    .option('--tokens-secret <name>', 'existing Secret with the API tokens', installDefaults.tokensSecret)
    .addOption(new Option('--port <port>', 'port the agent listens on').default(installDefaults.port).argParser(wholeNumber))
    .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .addHelpText(
      'after',
      `
The Secrets are referenced, never created: make them in the agent namespace before applying.
The optional Secret ${installNames.sopsSecret} (key keys.txt) holds the age key that decrypts SOPS files.
With --watch-namespaces the agent cannot manage cluster-scoped objects (CRDs, ClusterRoles, Namespaces).

Examples:
  capstan install --repo https://github.com/acme/deploy.git --env prod | kubectl apply -f -
  capstan install --repo git@github.com:acme/deploy.git --watch-namespaces shop,blog -o json`,
    )
    .action((opts: InstallCommandOptions) => {
      const options = {
        namespace: opts.namespace,
        createNamespace: opts.createNamespace,
        watchNamespaces: opts.watchNamespaces,
        repo: opts.repo ?? '',
        branch: opts.branch,
        envs: opts.env,
        image: opts.image,
        replicas: opts.replicas,
        repoSecret: opts.repoSecret,
        tokensSecret: opts.tokensSecret,
        port: opts.port,
      };
      const manifests = installManifests(options);
      process.stdout.write(formatInstallManifests(manifests, opts.output, opts.output === 'yaml' ? installNotes(options) : []));
    });
}
