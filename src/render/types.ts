import type { AppType } from '../config/index.ts';
import type { Manifest } from '../core/index.ts';
import type { ChartFetchOptions } from './chart-source/index.ts';
import type { HelmRenderOptions } from './helm.ts';
import type { SopsKeys } from './sops/index.ts';

/** One object produced by a render, with where it came from (for error messages). */
export interface RenderedObject {
  manifest: Manifest;
  /**
   * Where the object was read from, repo-relative: `apps/web/deploy.yaml` (with `#2` for the
   * third document of a multi-document file), or for Helm `charts/db: templates/statefulset.yaml`.
   */
  source: string;
}

/** What `renderApp` produced: the type used (detected or configured) and the objects, sorted. */
export interface RenderResult {
  type: AppType;
  objects: RenderedObject[];
  /** The render decrypted SOPS files: it holds secret material, and is never written to a cache. */
  decrypted?: boolean;
  /**
   * A chart (or a dependency) was picked from a version range in its repository: the same commit
   * may render a newer version once one is published, so the render is kept no longer than a
   * repository index is (`defaultIndexTtlMs`).
   */
  versionRanges?: boolean;
}

/** What `helm template` is told of the target cluster: `--kube-version` and `--api-versions`. */
export interface ClusterCapabilities {
  /** `v<major>.<minor>.<patch>`, e.g. `v1.29.3`. */
  kubeVersion: string;
  /** Every `group/version` and `group/version/Kind` the cluster serves (`v1` and `v1/Pod` for the core group), sorted. */
  apiVersions: string[];
}

/** Decrypts a SOPS document; the default is the sops module's `decryptSops`. */
export type DecryptSopsFunction = (text: string, file: string, keys: SopsKeys) => Promise<string>;

/** Renders a Helm chart; the default is `renderHelmChart`. */
export type RenderHelmFunction = (options: HelmRenderOptions) => Promise<RenderedObject[]>;

export interface RenderOptions {
  /**
   * Age identities for SOPS files. When undefined they are loaded from `env` (`SOPS_AGE_KEY`,
   * `SOPS_AGE_KEY_FILE`) the first time an encrypted file is met.
   */
  sopsKeys?: SopsKeys;
  /** Replaces the SOPS decryption (tests). */
  decryptSops?: DecryptSopsFunction;
  /** Replaces the Helm renderer (tests). */
  renderHelm?: RenderHelmFunction;
  /** Passed to the Helm renderer. */
  helm?: Pick<HelmRenderOptions, 'helmBinary' | 'kubeVersion' | 'apiVersions'>;
  /**
   * How charts from repositories (`helm.chart`) and dependencies not vendored in `charts/` are
   * fetched: the cache directory, how a credentials Secret is read. Default: the user's cache
   * directory, and no Secrets (credentials from files only).
   */
  charts?: ChartFetchOptions;
  /** Called when a chart or dependency version is picked from a range (`renderApp` sets `versionRanges` with it). */
  onVersionRange?: () => void;
  /**
   * The target cluster's version and API versions, for `helm template` (charts, and kustomize's
   * `helmCharts`) as Argo CD passes them; asked only by renders that run helm. Undefined (offline):
   * helm's defaults, unless the app sets `helm.kubeVersion` / `helm.apiVersions`, which always win.
   */
  capabilities?: () => Promise<ClusterCapabilities>;
  /**
   * A kustomize binary, run as `kustomize build <dir>`. Default: `$CAPSTAN_KUSTOMIZE`, then
   * `kustomize` on PATH, else `kubectl kustomize <dir>`.
   */
  kustomizeBinary?: string;
  /** The kubectl used when there is no kustomize binary (default `kubectl`). */
  kubectlBinary?: string;
  /** How long kustomize may run (default 60 s). */
  timeoutMs?: number;
  /** Where temporary copies of a repo (kustomize with SOPS files) go; default the OS temp dir. */
  tempDir?: string;
  /** Environment for keys, `CAPSTAN_KUSTOMIZE`, PATH and the child processes (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Whether a kind is namespaced, as the cluster's discovery says (or, offline, the list of built-in
 * kinds); undefined when the kind does not exist; `unknown` when there is no cluster to ask about
 * it (offline, a custom resource whose CRD is not in the render).
 */
export type KindLookup = (apiVersion: string, kind: string) => { namespaced: boolean } | 'unknown' | undefined;

export interface ValidateObjectsOptions {
  /** The app's namespace, given to namespaced objects that have none. */
  namespace: string;
  lookup: KindLookup;
  /**
   * Problems with an object that other modules find (the plan's sync-wave and hook annotations),
   * each a message that follows the object's name; reported with the others, at the object's file.
   */
  checkObject?: (manifest: Manifest) => readonly string[];
}

/** One problem found in a render: where (repo-relative source), which object when known, what. */
export interface RenderProblem {
  source: string;
  /** `Kind/namespace/name`, or what is known of it. */
  subject?: string;
  message: string;
}
