/**
 * The shape of `capstan.yaml` once validated (`Project`, `Environment`, `AppSpec`), and the
 * settings of one app in one environment once resolved (`AppEnvironment`).
 *
 * `AppSpec` is what the file says: optional settings stay optional, absent lists are `[]`.
 * Use `resolveApp` / `appsInEnvironment` for the effective settings with every default applied.
 */

import type { HealthRule, IgnoreRule, NotificationTarget } from '../core/index.ts';

export const projectApiVersion = 'capstan.dev/v1alpha1';
export const projectKind = 'Project';

/** How an app's manifests are produced; detected from the source directory when omitted. */
export type AppType = 'directory' | 'kustomize' | 'helm' | 'pins' | 'artifact';
export const appTypes: readonly AppType[] = ['directory', 'kustomize', 'helm', 'pins', 'artifact'];

export type SyncWindowKind = 'allow' | 'deny';

/** A cron-style window in which the agent may (`allow`) or may not (`deny`) sync. */
export interface SyncWindow {
  kind: SyncWindowKind;
  /** 5-field cron expression (minute hour day-of-month month day-of-week) or a descriptor (`@daily`). */
  schedule: string;
  /** How long the window stays open after each start, normalised (`90m` reads `1h30m`). */
  duration: string;
  durationMs: number;
  /** IANA time zone the schedule is read in; `UTC` when omitted. */
  timeZone: string;
}

export interface Environment {
  /** DNS label, unique in the project. */
  name: string;
  /** kubeconfig context; undefined means the current (or in-cluster) context. */
  cluster?: string;
  /** The environment releases come from when promoted into this one. */
  promotesFrom?: string;
  syncWindows: SyncWindow[];
  /** Gates on promoting out of this environment (`capstan promote` into the next one). */
  promotion?: PromotionGate;
}

/** `environments[].promotion`: what an environment's apps must show before a release is promoted from it. */
export interface PromotionGate {
  /** The apps of the environment must have been Synced and Healthy for this long (`requireHealthyFor: 10m`). */
  requireHealthyForMs: number;
}

/** Override of an image in every rendered workload, matched by name as written in manifests. */
export interface ImageOverride {
  /** Image name without tag or digest, as written in manifests (`nginx`, `ghcr.io/org/app`). */
  name: string;
  newName?: string;
  /** Mutually exclusive with `digest`. */
  newTag?: string;
  digest?: string;
}

/** The rules of `capstan lint`, static checks of every workload's pod template (as kube-score's). */
export const lintRuleNames = [
  'container-resources',
  'container-probes',
  'image-tag-latest',
  'container-privileged',
  'run-as-root',
  'host-namespaces',
  'image-pull-policy',
] as const;
export type LintRuleName = (typeof lintRuleNames)[number];

/** `lint:` of an app or of one of its environments. */
export interface LintSettings {
  /** Rules not checked. */
  disable: LintRuleName[];
}

export interface SyncPolicy {
  /** Sync automatically when git changes (default true). */
  automated: boolean;
  /** Delete objects that left the render (default true). */
  prune: boolean;
  /** Revert drift made in the cluster (default false). */
  selfHeal: boolean;
  /** Allow an empty render to prune everything (default false). */
  allowEmpty: boolean;
}

export interface RetryOptions {
  /** Retries after the first attempt (default 5). */
  limit: number;
  backoffMs: number;
  maxBackoffMs: number;
}

export interface SyncOptions {
  /** How long to wait for each wave to become healthy (default 5m). */
  timeoutMs: number;
  retry: RetryOptions;
  /** How often the agent re-checks this app against git and the cluster; undefined: the agent's poll interval. */
  pollIntervalMs?: number;
  /**
   * Fields git declares that another field manager holds: `force` (default, undefined) takes them
   * and says which it took from whom, as Argo CD and Flux do; `fail` stops the sync on them.
   */
  conflicts?: ConflictPolicy;
  /**
   * `wait: false` (Flux's): a sync ends once everything is applied, without waiting for the objects
   * to be healthy (hooks are still waited for); undefined: each wave healthy before the next.
   */
  wait?: boolean;
}

export type ConflictPolicy = 'force' | 'fail';

/** Where a chart's repository credentials are read from, never the repo: a JSON file on the host, or a Secret in capstan's namespace. */
export type ChartCredentialsSource = { file: string } | { secret: string };

/**
 * `helm.chart`: a chart fetched from a Helm chart repository (`https://…`) or an OCI registry
 * (`oci://…`) instead of a chart folder in the repo; `version` is exact or a Helm range.
 */
export interface HelmChartSource {
  repository: string;
  name: string;
  version: string;
  credentials?: ChartCredentialsSource;
  /** An OCI registry served on plain http (a loopback registry always is). */
  plainHttp?: boolean;
}

/** `helm.repositories[]`: the credentials for a chart repository the chart's dependencies come from. */
export interface ChartRepositoryCredentials {
  /** The repository's URL (`https://…`, `oci://…`): its credentials are sent to this host only. */
  url: string;
  credentials: ChartCredentialsSource;
}

export interface HelmSpec {
  /** A chart from a repository or registry; `source` is then the folder values files are read from. */
  chart?: HelmChartSource;
  /** Credentials for the repositories of dependencies not vendored in `charts/`, by host. */
  repositories?: ChartRepositoryCredentials[];
  releaseName?: string;
  /** Relative to the source path, applied in order. */
  valuesFiles: string[];
  /** Inline values, merged after the values files. */
  values: Record<string, unknown>;
  /** `--kube-version` (Capabilities.KubeVersion), as Argo CD's helm.kubeVersion: wins over the target cluster's version. */
  kubeVersion?: string;
  /** `--api-versions` (Capabilities.APIVersions), as Argo CD's helm.apiVersions: replaces what the target cluster serves. */
  apiVersions?: string[];
  /** The chart's `crds/` folder is not rendered (Argo CD's skipCrds); default: rendered. */
  skipCRDs?: boolean;
}

/** A cluster-scoped kind a scope lets apps write; `*` as group or kind matches any. The core group is `''`. */
export interface ClusterResource {
  group: string;
  kind: string;
}

/**
 * What an app may write beyond what is always its own, as Argo CD's AppProjects say (`destinations`,
 * `clusterResourceWhitelist`). An app may always write to its namespace and to the namespaces its
 * render creates (Namespace objects, `createNamespace`), and write Namespace and
 * CustomResourceDefinition objects; a scope adds namespaces and cluster-scoped kinds. capstan's own
 * namespace (inventories, Leases, token Secrets) is never writable, whatever a scope says.
 */
export interface Scope {
  /** Its name under `scopes:`; undefined for a scope written inline on an app. */
  name?: string;
  /** Namespaces, by name or by pattern, where `*` matches any characters (`team-*`, `*`). */
  namespaces: string[];
  clusterResources: ClusterResource[];
}

/** Per-environment overrides of an app, as written under `apps[].environments.<env>`. */
export interface AppEnvironmentOverride {
  source?: string;
  namespace?: string;
  /** `sync: auto|manual`, already turned into `automated`. */
  syncPolicy: Partial<SyncPolicy>;
  helm?: { valuesFiles: string[]; values: Record<string, unknown>; chartVersion?: string };
  images: ImageOverride[];
  /** `images: { lockFile }` (or a `- lockFile:` item): a kbld lock file, repo-relative; replaces the app's. */
  imageLockFile?: string;
  /** `lint.disable`, added to the app's. */
  lint?: LintSettings;
  cluster?: string;
  /** `patches` and `postBuild` of this environment: patches after the app's, variables over the app's. */
  postRender?: Omit<PostRender, 'targetNamespace'>;
}

/** Which objects a patch applies to, as Flux and kustomize select them; every field set must match. */
export interface PatchTarget {
  group?: string;
  version?: string;
  kind?: string;
  /** A name, or a regular expression matching the whole name. */
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
}

/** `patches[]`: a strategic merge patch or a JSON 6902 patch (YAML text), applied after rendering. */
export interface RenderPatch {
  patch: string;
  target?: PatchTarget;
}

/** Where `postBuild.substituteFrom` reads variables: a ConfigMap or Secret in the app's namespace on the target cluster. */
export interface SubstituteFrom {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  /** A missing ConfigMap or Secret is skipped instead of failing the render. */
  optional: boolean;
}

/** Flux's Kustomization options, applied to the rendered objects in this order: patches and targetNamespace, then postBuild. */
export interface PostRender {
  /** Every namespaced object is moved to this namespace (kustomize's `namespace:`, as Flux sets it). */
  targetNamespace?: string;
  patches: RenderPatch[];
  /** `${VAR}` substitution (Flux's `postBuild`): inline values win over those read from the cluster. */
  substitute: Record<string, string>;
  substituteFrom: SubstituteFrom[];
}

export interface AppSpec {
  /** DNS label, unique in the project. */
  name: string;
  /** Path inside the config repo, relative to its root, normalised (`apps/guestbook`, or `.`). */
  source: string;
  type?: AppType;
  /** `type: artifact`: the service whose released artifact the app renders (default: the app's name). */
  service?: string;
  namespace?: string;
  createNamespace?: boolean;
  dependsOn: string[];
  helm?: HelmSpec;
  images: ImageOverride[];
  /** `images: { lockFile }` (or a `- lockFile:` item): a kbld lock file (`*.kbld.lock.yml`), repo-relative, normalised. */
  imageLockFile?: string;
  /** `lint:`: the `capstan lint` rules turned off for the app. */
  lint?: LintSettings;
  /** Checked when capstan.yaml loads: every rule ignores something, its pointers are JSON pointers. */
  ignoreDifferences: IgnoreRule[];
  /** Custom health per kind, checked when capstan.yaml loads (statuses, paths, one entry per kind). */
  health: HealthRule[];
  syncPolicy: Partial<SyncPolicy>;
  syncOptions: SyncOptions;
  /** What it may write beyond its own namespaces (`apps[].scope`: a named scope, or one inline); undefined: nothing more. */
  scope?: Scope;
  /** Flux's Kustomization options, applied after rendering (kustomize and directory apps). */
  postRender?: PostRender;
  /** Environments the app is deployed to, with overrides; undefined means every environment. */
  environments?: Record<string, AppEnvironmentOverride>;
}

export interface Project {
  apiVersion: typeof projectApiVersion;
  kind: typeof projectKind;
  /** In declaration order. */
  environments: Environment[];
  /** In declaration order. */
  apps: AppSpec[];
  /** The named scopes (`scopes:`), in declaration order; apps refer to them by name. */
  scopes: Scope[];
  /**
   * The agent deletes what an app applied once the app is removed from capstan.yaml (or from one
   * of its environments); default off: such apps are reported as orphaned and left running.
   */
  pruneRemovedApps?: boolean;
  /** Where notifications go (`notifications:`), in declaration order; URLs come from Secrets or files, never the repo. */
  notifications: NotificationTarget[];
  /**
   * Custom health rules for every app (`health:` at the top), after each app's own: an app's rule
   * for a kind replaces the project's for that kind.
   */
  health?: HealthRule[];
}

/** The effective settings of one app in one environment: every default and override applied. */
export interface AppEnvironment {
  /** The app's name. */
  name: string;
  /** The environment's name. */
  env: string;
  /** kubeconfig context; undefined means the current (or in-cluster) context. */
  cluster?: string;
  source: string;
  type?: AppType;
  /** `type: artifact`: the service whose released artifact the app renders. */
  service?: string;
  namespace: string;
  createNamespace: boolean;
  /**
   * Apps deployed to the same environment that must be synced (and healthy) first. Dependencies
   * not deployed to this environment are skipped, keeping what they themselves depend on.
   */
  dependsOn: string[];
  helm: { releaseName: string; valuesFiles: string[]; values: Record<string, unknown> } & Pick<HelmSpec, 'kubeVersion' | 'apiVersions' | 'skipCRDs' | 'chart' | 'repositories'>;
  images: ImageOverride[];
  /** A kbld lock file whose overrides are applied after `images` (the environment's, else the app's). */
  imageLockFile?: string;
  /** The `capstan lint` rules turned off (the app's and the environment's); undefined: none. */
  lint?: LintSettings;
  ignoreDifferences: IgnoreRule[];
  health: HealthRule[];
  syncPolicy: SyncPolicy;
  syncOptions: SyncOptions;
  /** The environment's sync windows. */
  syncWindows: SyncWindow[];
  /** What the app may write beyond its own namespaces (see `Scope`); undefined: nothing more. */
  scope?: Scope;
  /** Flux's Kustomization options (`targetNamespace`, `patches`, `postBuild`), applied after rendering. */
  postRender?: PostRender;
}

/** A problem in a part of capstan.yaml read as plain data (health rules): the field, as a path below that part, and what is wrong. */
export interface FieldProblem {
  path: ReadonlyArray<string | number>;
  message: string;
}

/** One problem found in a config file, located by line and column (1-based). */
export interface ConfigIssue {
  file: string;
  line: number;
  column: number;
  /** The field concerned, as `apps[1].environments.prod.sync`; '' for the document itself. */
  path: string;
  message: string;
}

export const defaultSyncPolicy: Readonly<SyncPolicy> = { automated: true, prune: true, selfHeal: false, allowEmpty: false };

export const defaultSyncOptions: Readonly<SyncOptions> = {
  timeoutMs: 5 * 60_000,
  retry: { limit: 5, backoffMs: 5_000, maxBackoffMs: 3 * 60_000 },
};
