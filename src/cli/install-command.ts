import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { CapstanError, NotFoundError, ValidationError } from '../core/index.ts';
import { generatorDirectories, parseProject, projectAccess, projectFileName, type ClusterResource } from '../config/index.ts';
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
  scopesFrom?: string;
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

/** `write`: where the manifests go (standard output; tests collect them). */
export function installCommand(write: (text: string) => void = (text) => void process.stdout.write(text)): Command {
  return new Command('install')
    .description('Print the manifests that run the capstan agent in a cluster (pipe them to `kubectl apply -f -`)')
    .option('--repo <url>', 'URL of the config repo the agent reconciles (required; no credentials in it)')
    .option('--branch <branch>', 'branch of the config repo', installDefaults.branch)
    .option('--env <name>', 'an environment this agent reconciles (repeat, or a,b; default: all)', list)
    .option('-n, --namespace <namespace>', 'namespace the agent runs in', installDefaults.namespace)
    .option('--no-create-namespace', 'do not emit the Namespace (it exists, or is managed elsewhere)')
    .option('--watch-namespaces <a,b>', 'manage only these namespaces, with a Role in each (default: the whole cluster, with a ClusterRole)', list)
    .option('--scopes-from <dir>', "a checkout of the config repo: grant only what its apps' scopes allow (a Role in each namespace they write to, a ClusterRole for the cluster-scoped kinds)")
    .option('--image <image>', "agent image, built from capstan's Dockerfile (default: ghcr.io/capstan-dev/capstan:<this version>)")
    .addOption(new Option('--replicas <count>', 'agent replicas; they share the apps through Leases').default(installDefaults.replicas).argParser(wholeNumber))
    .option('--repo-secret <name>', 'existing Secret with read-only repo credentials: key token (https), or ssh-privatekey and known_hosts (ssh)', installDefaults.repoSecret)
    .option('--tokens-secret <name>', 'existing Secret with the API tokens', installDefaults.tokensSecret)
    .addOption(new Option('--port <port>', 'port the agent listens on').default(installDefaults.port).argParser(wholeNumber))
    .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .addHelpText(
      'after',
      `
The image is built from the Dockerfile at the root of capstan's repository, and pushed where the
cluster pulls from: docker build -t <image> . && docker push <image>, then --image <image>.
The Secrets are referenced, never created: make them in the agent namespace before applying.
The optional Secret ${installNames.sopsSecret} (key keys.txt) holds the age key that decrypts SOPS files.
With --watch-namespaces the agent cannot manage cluster-scoped objects (CRDs, ClusterRoles, Namespaces).
With --scopes-from the agent may write only where the apps of its environments may (capstan.yaml's
scopes): their namespaces, the namespaces their scopes name, Namespace and CRD objects, and the
cluster-scoped kinds their scopes grant. Namespaces that Namespace objects in a render create are
not known from capstan.yaml: name them in the app's scope.

Examples:
  capstan install --repo https://github.com/acme/deploy.git --env prod | kubectl apply -f -
  capstan install --repo git@github.com:acme/deploy.git --watch-namespaces shop,blog -o json
  capstan install --repo https://github.com/acme/deploy.git --env prod --scopes-from .
  capstan install --repo https://github.com/acme/deploy.git --image registry.example.com/capstan:0.1.0`,
    )
    .action(async (opts: InstallCommandOptions) => {
      const scoped = opts.scopesFrom === undefined ? undefined : await scopedAccess(opts.scopesFrom, opts);
      const options = {
        namespace: opts.namespace,
        createNamespace: opts.createNamespace,
        watchNamespaces: scoped?.namespaces ?? opts.watchNamespaces,
        clusterResources: scoped?.clusterResources,
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
      write(formatInstallManifests(manifests, opts.output, opts.output === 'yaml' ? installNotes(options) : []));
    });
}

/**
 * What the agent's apps may write, from the capstan.yaml of a checkout of the config repo (its
 * `directories` generators expanded from the checkout's folders): the namespaces to grant one by
 * one and the cluster-scoped kinds.
 */
async function scopedAccess(dir: string, opts: InstallCommandOptions): Promise<{ namespaces: string[]; clusterResources: ClusterResource[] }> {
  if (opts.watchNamespaces !== undefined) throw new ValidationError('--scopes-from and --watch-namespaces cannot be combined: --scopes-from lists the namespaces from capstan.yaml');
  const file = path.join(dir, projectFileName);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`--scopes-from: no ${projectFileName} in ${dir}: give a checkout of the config repo`, { cause: error });
    throw new CapstanError(`--scopes-from: cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  const project = parseProject(text, projectFileName, { directories: await generatorDirectories(dir, text) });
  const access = projectAccess(project, opts.env, { ownNamespace: opts.namespace });
  if (access.patterns.length > 0) {
    const patterns = access.patterns.map((p) => `${p.scope} grants the namespaces matching ${p.pattern}`).join('; ');
    throw new ValidationError(`--scopes-from: ${patterns}, and RBAC cannot grant a pattern: list those namespaces by name in the scope, or install without --scopes-from (every kind everywhere)`);
  }
  if (access.namespaces.length === 0) throw new ValidationError(`--scopes-from: no app of ${opts.env?.length ? `environment ${opts.env.join(', ')}` : 'the project'} writes to any namespace: there is nothing to grant`);
  return { namespaces: access.namespaces, clusterResources: access.clusterResources };
}
