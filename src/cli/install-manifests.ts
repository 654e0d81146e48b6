import { stringify } from 'yaml';
import { ValidationError, type Manifest } from '../core/index.ts';
import { formatClusterResource, type ClusterResource } from '../config/index.ts';
import { capstanVersion } from './version.ts';

/** The capstan version these manifests install (package.json's). */
export { capstanVersion };

/** What `capstan install` prints manifests for. Only `repo` is required. */
export interface InstallOptions {
  /** Namespace the agent runs in (its ServiceAccount, Leases, inventories, Secrets); default `capstan-system`. */
  namespace?: string;
  /** Emit the agent's Namespace (first); default true. Never emitted for the watched namespaces. */
  createNamespace?: boolean;
  /**
   * Namespaces the agent manages. Given: a Role per namespace, and no cluster-wide write access (so
   * cluster-scoped objects — CRDs, ClusterRoles, Namespaces — cannot be managed). Omitted: a ClusterRole.
   */
  watchNamespaces?: string[];
  /**
   * Cluster-scoped kinds the agent may write, with `watchNamespaces`: a ClusterRole with exactly
   * these (what the apps' scopes allow: `capstan install --scopes-from`). Omitted: none.
   */
  clusterResources?: ClusterResource[];
  /** URL of the config repo. It must not carry credentials: those belong in `repoSecret`. */
  repo: string;
  /** Branch of the config repo; default `main`. */
  branch?: string;
  /** Environments this agent reconciles; omitted = every environment. */
  envs?: string[];
  /** Agent image, built from capstan's Dockerfile; default `ghcr.io/capstan-dev/capstan:<version>`. */
  image?: string;
  /** Agent replicas (they share the apps through Leases); default 2. */
  replicas?: number;
  /**
   * Name of an existing Secret with read-only repo credentials: key `token` (https), or
   * `ssh-privatekey` and `known_hosts` (ssh). Referenced, never created; default `capstan-repo`.
   */
  repoSecret?: string;
  /** Name of an existing Secret with the API tokens; default `capstan-api-tokens`. */
  tokensSecret?: string;
  /** Port the agent listens on (API, UI, webhooks, git push, metrics); default 8080. */
  port?: number;
  /** Value of the `app.kubernetes.io/version` label; default the capstan version. */
  version?: string;
}

export const installDefaults = {
  namespace: 'capstan-system',
  branch: 'main',
  replicas: 2,
  repoSecret: 'capstan-repo',
  tokensSecret: 'capstan-api-tokens',
  port: 8080,
} as const;

/** Names of the objects and of the optional Secrets the agent reads. */
export const installNames = {
  serviceAccount: 'capstan-agent',
  deployment: 'capstan-agent',
  service: 'capstan',
  /** Role (in the agent's namespace) for inventories, Leases and its Secrets. */
  ownRole: 'capstan-agent',
  /** Role per watched namespace (`*` on `*` there). */
  managedRole: 'capstan-agent-managed',
  /** ClusterRole with `*` on `*` when no namespaces are watched; with them, the cluster-scoped kinds the scopes allow. */
  clusterRole: 'capstan-agent',
  /** ClusterRole for read-only discovery. */
  discoveryRole: 'capstan-agent-discovery',
  /** Optional Secret holding the age key (`keys.txt`) that decrypts SOPS files. */
  sopsSecret: 'capstan-sops-age',
} as const;

/** Where the agent finds what the Deployment mounts. */
export const agentPaths = {
  sshDir: '/etc/capstan/ssh',
  sshKeyFile: '/etc/capstan/ssh/ssh-privatekey',
  knownHostsFile: '/etc/capstan/ssh/known_hosts',
  sopsDir: '/etc/capstan/sops',
  sopsKeyFile: '/etc/capstan/sops/keys.txt',
  tmp: '/tmp',
  cache: '/var/cache/capstan',
} as const;

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkLabel(option: string, value: string, what: string): void {
  if (value.length > 63 || !dnsLabel.test(value)) {
    throw new ValidationError(
      `${option}: "${value}" is not a valid ${what}: it must be at most 63 characters of lower-case letters, digits and '-', starting and ending with a letter or digit`,
    );
  }
}

function checkSubdomain(option: string, value: string): void {
  if (value.length > 253 || !dnsSubdomain.test(value)) {
    throw new ValidationError(
      `${option}: "${value}" is not a valid Secret name: it must be at most 253 characters of lower-case letters, digits, '-' and '.', starting and ending with a letter or digit`,
    );
  }
}

function checkInteger(option: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(`${option} must be a whole number from ${min} to ${max}, got ${value}`);
  }
}

function checkWord(option: string, value: string, what: string): void {
  if (value === '' || /\s/.test(value)) throw new ValidationError(`${option}: "${value}" is not a valid ${what}: it must be non-empty and contain no spaces`);
}

function checkRepo(repo: string | undefined): string {
  if (repo === undefined || repo.trim() === '') throw new ValidationError('--repo is required: the URL of the config repo the agent reconciles');
  checkWord('--repo', repo, 'repository URL');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repo)) {
    let url: URL;
    try {
      url = new URL(repo);
    } catch {
      throw new ValidationError(`--repo: "${repo}" is not a valid URL`);
    }
    if (url.password) {
      // Never echo the URL: it holds a credential.
      throw new ValidationError(
        '--repo must not carry credentials (they would be readable in the Deployment by anyone who can read it): put the token in the repo Secret, key `token`, and give the URL without it',
      );
    }
  }
  return repo;
}

interface Resolved {
  namespace: string;
  createNamespace: boolean;
  watchNamespaces: string[] | undefined;
  clusterResources: ClusterResource[] | undefined;
  repo: string;
  branch: string;
  envs: string[];
  image: string;
  replicas: number;
  repoSecret: string;
  tokensSecret: string;
  port: number;
  version: string;
}

function resolve(options: InstallOptions): Resolved {
  const namespace = options.namespace ?? installDefaults.namespace;
  checkLabel('--namespace', namespace, 'namespace name');
  let watchNamespaces: string[] | undefined;
  if (options.watchNamespaces !== undefined) {
    if (options.watchNamespaces.length === 0) throw new ValidationError('--watch-namespaces needs at least one namespace (omit it to manage the whole cluster)');
    const seen = new Set<string>();
    for (const name of options.watchNamespaces) {
      checkLabel('--watch-namespaces', name, 'namespace name');
      if (seen.has(name)) throw new ValidationError(`--watch-namespaces: "${name}" is given twice`);
      seen.add(name);
    }
    watchNamespaces = [...options.watchNamespaces];
  }
  if (options.clusterResources !== undefined && watchNamespaces === undefined) {
    throw new ValidationError('cluster-scoped kinds are granted one by one only with watch namespaces (--scopes-from sets both); without them the agent gets every kind everywhere');
  }
  const repo = checkRepo(options.repo);
  const branch = options.branch ?? installDefaults.branch;
  checkWord('--branch', branch, 'branch name');
  if (branch.startsWith('-')) throw new ValidationError(`--branch: "${branch}" is not a valid branch name: it cannot start with '-'`);
  const envs = options.envs ?? [];
  const seenEnvs = new Set<string>();
  for (const env of envs) {
    checkLabel('--env', env, 'environment name');
    if (seenEnvs.has(env)) throw new ValidationError(`--env: "${env}" is given twice`);
    seenEnvs.add(env);
  }
  const version = options.version ?? capstanVersion;
  if (version.length > 63 || !labelValue.test(version)) throw new ValidationError(`version "${version}" is not a valid label value`);
  const image = options.image ?? `ghcr.io/capstan-dev/capstan:${version}`;
  checkWord('--image', image, 'image reference');
  const replicas = options.replicas ?? installDefaults.replicas;
  checkInteger('--replicas', replicas, 1, 100);
  const port = options.port ?? installDefaults.port;
  checkInteger('--port', port, 1, 65535);
  const repoSecret = options.repoSecret ?? installDefaults.repoSecret;
  checkSubdomain('--repo-secret', repoSecret);
  const tokensSecret = options.tokensSecret ?? installDefaults.tokensSecret;
  checkSubdomain('--tokens-secret', tokensSecret);
  const clusterResources = options.clusterResources?.map((r) => ({ ...r }));
  return { namespace, createNamespace: options.createNamespace ?? true, watchNamespaces, clusterResources, repo, branch, envs, image, replicas, repoSecret, tokensSecret, port, version };
}

const rbacGroup = 'rbac.authorization.k8s.io';
const readWrite = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

/**
 * The manifests that run the capstan agent in a cluster, in apply order: Namespace (when asked),
 * ServiceAccount, RBAC, Service, PodDisruptionBudget (more than one replica), Deployment. Secrets
 * are only referenced by name: no Secret, and no credential, is ever part of the output.
 * Throws a ValidationError naming the option for any bad option.
 */
export function installManifests(options: InstallOptions): Manifest[] {
  const o = resolve(options);
  const commonLabels = { 'app.kubernetes.io/name': 'capstan', 'app.kubernetes.io/component': 'agent', 'app.kubernetes.io/version': o.version };
  const selector = { 'app.kubernetes.io/name': 'capstan', 'app.kubernetes.io/component': 'agent' };
  const meta = (name: string, namespace?: string): Manifest['metadata'] => ({ name, ...(namespace === undefined ? {} : { namespace }), labels: { ...commonLabels } });
  // Cluster-scoped names are shared by every install in the cluster: suffix them outside the default namespace.
  const clusterName = (name: string): string => (o.namespace === installDefaults.namespace ? name : `${name}-${o.namespace}`);
  const subjects = [{ kind: 'ServiceAccount', name: installNames.serviceAccount, namespace: o.namespace }];

  const out: Manifest[] = [];
  if (o.createNamespace) out.push({ apiVersion: 'v1', kind: 'Namespace', metadata: meta(o.namespace) });
  out.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(installNames.serviceAccount, o.namespace) });

  const discoveryRules: unknown[] = [{ nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/version', '/openapi', '/openapi/*'], verbs: ['get'] }];
  if (o.watchNamespaces) {
    // The engine checks that an app's namespace exists; it may read (never change) exactly these.
    discoveryRules.push({ apiGroups: [''], resources: ['namespaces'], resourceNames: [...new Set([o.namespace, ...o.watchNamespaces])], verbs: ['get'] });
  }
  // A role and the binding that grants it to the agent's ServiceAccount; cluster-wide without a namespace.
  const grant = (name: string, rules: unknown[], namespace?: string): void => {
    const kind = namespace === undefined ? 'ClusterRole' : 'Role';
    out.push({ apiVersion: `${rbacGroup}/v1`, kind, metadata: meta(name, namespace), rules });
    out.push({ apiVersion: `${rbacGroup}/v1`, kind: `${kind}Binding`, metadata: meta(name, namespace), roleRef: { apiGroup: rbacGroup, kind, name }, subjects });
  };
  grant(clusterName(installNames.discoveryRole), discoveryRules);
  if (!o.watchNamespaces) {
    // capstan applies arbitrary objects, cluster-scoped ones included (as Argo CD's application-controller).
    grant(clusterName(installNames.clusterRole), [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]);
  } else if (o.clusterResources && o.clusterResources.length > 0) {
    // only the cluster-scoped kinds the apps' scopes allow
    grant(clusterName(installNames.clusterRole), clusterResourceRules(o.clusterResources));
  }
  grant(
    installNames.ownRole,
    [
      { apiGroups: [''], resources: ['configmaps'], verbs: readWrite },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: readWrite },
      { apiGroups: [''], resources: ['secrets'], resourceNames: [...new Set([o.tokensSecret, o.repoSecret])], verbs: ['get'] },
    ],
    o.namespace,
  );
  for (const ns of o.watchNamespaces ?? []) grant(installNames.managedRole, [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }], ns);

  out.push({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(installNames.service, o.namespace),
    spec: { type: 'ClusterIP', selector, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
  });
  if (o.replicas > 1) {
    out.push({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta(installNames.deployment, o.namespace), spec: { minAvailable: 1, selector: { matchLabels: selector } } });
  }
  out.push(deployment(o, meta(installNames.deployment, o.namespace), commonLabels, selector));
  return out;
}

/**
 * RBAC rules for cluster-scoped kinds: one rule per API group, with the kinds' resource names as
 * kubectl guesses them from a kind (lower case, plural: `-s`, `-es` after an s, `-ies` for a final y).
 */
export function clusterResourceRules(resources: readonly ClusterResource[]): Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }> {
  const byGroup = new Map<string, string[]>();
  for (const { group, kind } of resources) {
    const names = byGroup.get(group) ?? [];
    const resource = kind === '*' ? '*' : resourceOfKind(kind);
    if (!names.includes(resource)) names.push(resource);
    byGroup.set(group, names);
  }
  return [...byGroup].map(([group, names]) => ({ apiGroups: [group], resources: names.includes('*') ? ['*'] : names, verbs: [...readWrite] }));
}

/** The resource a kind is served as, as kubectl's UnsafeGuessKindToResource guesses it: `ClusterRole` → `clusterroles`. */
export function resourceOfKind(kind: string): string {
  const lower = kind.toLowerCase();
  if (lower.endsWith('s')) return `${lower}es`;
  if (lower.endsWith('y')) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

/** The agent's command line: the flags `capstan agent` takes. */
export function agentArgs(options: Pick<Resolved, 'repo' | 'branch' | 'envs' | 'port' | 'namespace' | 'tokensSecret'>): string[] {
  return [
    'agent',
    '--repo',
    options.repo,
    '--branch',
    options.branch,
    ...options.envs.flatMap((env) => ['--env', env]),
    '--listen',
    `:${options.port}`,
    '--tokens-secret',
    `${options.namespace}/${options.tokensSecret}`,
  ];
}

function deployment(o: Resolved, metadata: Manifest['metadata'], podLabels: Record<string, string>, selector: Record<string, string>): Manifest {
  const probe = (path: string, periodSeconds: number, failureThreshold: number): unknown => ({
    httpGet: { path, port: 'http' },
    periodSeconds,
    timeoutSeconds: 2,
    failureThreshold,
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      replicas: o.replicas,
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { ...podLabels } },
        spec: {
          serviceAccountName: installNames.serviceAccount,
          // The Service `capstan` would otherwise inject CAPSTAN_PORT, CAPSTAN_SERVICE_HOST… into capstan's own environment.
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 30,
          securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } } }],
            },
          },
          containers: [
            {
              name: 'agent',
              image: o.image,
              imagePullPolicy: 'IfNotPresent',
              args: agentArgs(o),
              ports: [{ name: 'http', containerPort: o.port, protocol: 'TCP' }],
              env: [
                { name: 'CAPSTAN_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'CAPSTAN_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'CAPSTAN_REPO_TOKEN', valueFrom: { secretKeyRef: { name: o.repoSecret, key: 'token', optional: true } } },
                { name: 'CAPSTAN_REPO_SSH_KEY_FILE', value: agentPaths.sshKeyFile },
                { name: 'CAPSTAN_REPO_KNOWN_HOSTS_FILE', value: agentPaths.knownHostsFile },
                { name: 'SOPS_AGE_KEY_FILE', value: agentPaths.sopsKeyFile },
                { name: 'CAPSTAN_CACHE_DIR', value: agentPaths.cache },
                { name: 'HOME', value: agentPaths.tmp },
              ],
              readinessProbe: probe('/readyz', 5, 3),
              livenessProbe: probe('/healthz', 10, 6),
              resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
              volumeMounts: [
                { name: 'tmp', mountPath: agentPaths.tmp },
                { name: 'cache', mountPath: agentPaths.cache },
                { name: 'repo-ssh', mountPath: agentPaths.sshDir, readOnly: true },
                { name: 'sops-age', mountPath: agentPaths.sopsDir, readOnly: true },
              ],
            },
          ],
          volumes: [
            { name: 'tmp', emptyDir: {} },
            { name: 'cache', emptyDir: {} },
            // 0440 with fsGroup: readable by the agent, and not "too open" for ssh (the files are root's).
            { name: 'repo-ssh', secret: { secretName: o.repoSecret, optional: true, defaultMode: 0o440 } },
            { name: 'sops-age', secret: { secretName: installNames.sopsSecret, optional: true, defaultMode: 0o440 } },
          ],
        },
      },
    },
  };
}

export type InstallFormat = 'yaml' | 'json';

/**
 * The manifests as `kubectl apply -f -` reads them: multi-document YAML, or JSON as one `v1 List`.
 * `notes` (YAML only) are written first as `#` comments.
 */
export function formatInstallManifests(manifests: Manifest[], format: InstallFormat, notes: string[] = []): string {
  if (format === 'json') return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: manifests }, null, 2)}\n`;
  const header = notes.map((line) => `# ${line}`.trimEnd() + '\n').join('');
  return header + manifests.map((m) => stringify(m, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}

/** What to do before applying: the Secrets to create (by name, never with values) and what the RBAC allows. */
export function installNotes(options: InstallOptions): string[] {
  const o = resolve(options);
  const create = `kubectl -n ${o.namespace} create secret generic`;
  return [
    `capstan agent ${o.version}: apply with \`kubectl apply -f -\`.`,
    'These manifests reference Secrets but never create them; create them in the agent namespace first:',
    `  read-only repo credentials, https:  ${create} ${o.repoSecret} --from-literal=token=<token>`,
    `  read-only repo credentials, ssh:    ${create} ${o.repoSecret} --from-file=ssh-privatekey=<key> --from-file=known_hosts=<file>`,
    `  API tokens:                         ${create} ${o.tokensSecret} ...`,
    `  optional, SOPS age key:             ${create} ${installNames.sopsSecret} --from-file=keys.txt=<age key file>`,
    `image ${o.image}: build it from the Dockerfile of capstan ${o.version} and push it where the cluster pulls from: docker build -t ${o.image} . && docker push ${o.image}${options.image === undefined ? ' (or name your own with --image)' : ''}`,
    !o.watchNamespaces
      ? "RBAC: a ClusterRole with every verb on every resource, since apps may hold any object; --scopes-from <config repo> limits it to what the apps' scopes allow, --watch-namespaces to the given namespaces."
      : o.clusterResources && o.clusterResources.length > 0
        ? `RBAC is limited to what the apps' scopes allow: the namespaces ${o.watchNamespaces.join(', ')} (they must exist), and the cluster-scoped kinds ${o.clusterResources.map(formatClusterResource).join(', ')}.`
        : `RBAC is limited to the namespaces ${o.watchNamespaces.join(', ')} (they must exist): cluster-scoped objects (CRDs, ClusterRoles, Namespaces...) cannot be managed by this agent.`,
  ];
}
