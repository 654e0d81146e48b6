/**
 * Renders a Helm chart with the real `helm template`, offline and isolated, into RenderedObjects.
 *
 * - Inside the repo: a chart with symlinks is read from a copy without them (see `prepareChart`), so
 *   no link can hand helm a file from outside the config repo, and no values schema may load one.
 * - Offline: helm reads only local files. A dependency not vendored in `charts/` is added to a
 *   private copy of the chart by capstan (`assembleDependencies`: a `file://` chart of the repo, or
 *   one fetched from its repository into capstan's chart cache); a chart from a repository is
 *   fetched the same way and unpacked into the work directory. capstan never runs
 *   `helm dependency update/build` or `helm pull`. helm gets an empty, throw-away HOME and HELM_* directories, so no user plugins, repositories,
 *   registry logins or kube contexts apply, an empty PATH and an unreachable proxy, and, where the
 *   system allows, no network at all (see `isolatedCommand`). No `--post-renderer`, ever.
 * - Helm hooks become capstan hooks the way Argo CD maps them (see `convertHelmHooks`).
 * - Inline values are passed as a temporary JSON file (mode 600) and are scrubbed from any error.
 */
import { execFile, type ExecFileException } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { annotations, CapstanError, TimeoutError, ValidationError, type Manifest } from '../core/index.ts';
import { assembleDependencies, NeedsCopy, type DependencyOptions } from './chart-dependencies.ts';
import { checkChartArchive, extractChart, type ChartCredentials, type ChartFetchOptions } from './chart-source/index.ts';
import { prepareChart } from './prepare-chart.ts';
import { isolatedCommand, toolEnvironment } from './isolate-tool.ts';
import type { RenderedObject } from './types.ts';

export interface HelmRenderOptions {
  /** Absolute path of the chart directory (inside a checked-out repo). */
  chartDir: string;
  /**
   * Absolute path of the repository the chart's files must stay inside: a symlink in the chart that
   * leads out of it is refused. Default: the chart directory itself.
   */
  repoDir?: string;
  /** Repo-relative path of the chart, used in `source` of each object and in messages. */
  chartPath: string;
  releaseName: string;
  namespace: string;
  /** Absolute paths of values files, already checked to be inside the repo, applied in order. */
  valuesFiles: string[];
  /** Inline values, applied after the files. */
  values: Record<string, unknown>;
  /** The helm binary; default: what `findHelm()` finds (`$CAPSTAN_HELM`, then `helm` on PATH). */
  helmBinary?: string;
  /** `--kube-version` for Capabilities.KubeVersion. */
  kubeVersion?: string;
  /** `--api-versions` for Capabilities.APIVersions. */
  apiVersions?: string[];
  /** The chart's `crds/` folder is left out (`--skip-crds`); default: rendered (`--include-crds`). */
  skipCRDs?: boolean;
  /** How long `helm template` may run before it is killed; default 60 000 ms. */
  timeoutMs?: number;
  /**
   * A chart archive fetched from a repository (`fetchChart`), rendered instead of `chartDir`: it is
   * checked, unpacked into the private work directory, and its dependencies assembled there.
   */
  chartArchive?: string;
  /** How dependencies that are not vendored are fetched (cache, credentials; see `assembleDependencies`). */
  charts?: ChartFetchOptions;
  /** The credentials for a dependency's repository, when the app has some for it. */
  credentialsFor?: (repository: string) => ChartCredentials | undefined;
  /** Called when a dependency's version is picked from a range (no Chart.lock pins it). */
  onVersionRange?: () => void;
}

export const defaultHelmTimeoutMs = 60_000;

/** Where `capstan up` and `scripts/setup-tools.mjs` put helm when there is none (git-ignored, never published). */
const devHelm = fileURLToPath(new URL('../../.capstan-tools/bin/helm', import.meta.url));

/**
 * The helm binary to use: `$CAPSTAN_HELM` when set (returned as is, so a wrong setting fails loudly
 * instead of falling back), else `.capstan-tools/bin/helm` of this capstan checkout, else `helm`
 * on PATH; undefined when there is none.
 *
 * Users bring their own helm (PATH or CAPSTAN_HELM). `.capstan-tools` is a fallback that `npm test`
 * and `capstan up` provision when there is none (see src/cli/provide-tools.ts): it sits beside
 * capstan's own sources, never in a config repo.
 */
export async function findHelm(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (env.CAPSTAN_HELM) return env.CAPSTAN_HELM;
  if (await isExecutable(devHelm)) return devHelm;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'helm');
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export async function renderHelmChart(options: HelmRenderOptions): Promise<RenderedObject[]> {
  const { chartPath } = options;
  for (const file of options.valuesFiles) {
    if (!path.isAbsolute(file)) throw new ValidationError(`values file ${JSON.stringify(file)} must be an absolute path`, { subject: chartPath });
  }
  const work = await mkdtemp(path.join(tmpdir(), 'capstan-helm-'));
  try {
    // a chart with symlinks is read from a copy without them, so nothing outside the repo
    const chart = await prepareHelmChart(options, work);
    const helm = options.helmBinary ?? (await findHelm());
    if (helm === undefined) throw helmNotFound(chartPath, 'helm is not on PATH');
    // checked here: inside unshare a missing binary is unshare's exit code, not ENOENT
    if (!(await isExecutable(helm))) throw helmNotFound(chartPath, (await stat(helm).catch(() => undefined)) ? `${helm} is not executable` : `${helm} does not exist`);

    const args = ['template', '--namespace', options.namespace, options.skipCRDs ? '--skip-crds' : '--include-crds'];
    for (const file of options.valuesFiles) args.push('--values', file);
    if (Object.keys(options.values).length > 0) {
      const inline = path.join(work, 'inline-values.json');
      await writeFile(inline, JSON.stringify(options.values), { mode: 0o600 });
      args.push('--values', inline);
    }
    if (options.kubeVersion !== undefined) args.push('--kube-version', options.kubeVersion);
    for (const apiVersion of options.apiVersions ?? []) args.push('--api-versions', apiVersion);
    // `--` ends the flags: a release name or path can never be read as an option
    args.push('--', options.releaseName, chart);

    const stdout = await runHelm(helm, args, work, chart, options);
    return parseHelmOutput(stdout, chartPath);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The chart directory helm reads: the repo's chart (or a copy of it), or a fetched archive unpacked
 * into `work`, with every dependency not vendored added to a private copy (never the checkout).
 */
async function prepareHelmChart(options: HelmRenderOptions, work: string): Promise<string> {
  const { chartPath } = options;
  const copy = path.join(work, 'chart');
  await mkdir(copy);
  const dependencies: DependencyOptions = {
    subject: chartPath,
    ...(options.charts ? { charts: options.charts } : {}),
    ...(options.credentialsFor ? { credentialsFor: options.credentialsFor } : {}),
    ...(options.onVersionRange ? { onVersionRange: options.onVersionRange } : {}),
  };
  if (options.chartArchive !== undefined) {
    const checked = checkChartArchive(await readFile(options.chartArchive), chartPath);
    const unpacked = path.join(work, 'fetched');
    await mkdir(unpacked, { mode: 0o700 });
    const chartDir = await extractChart(checked, unpacked);
    // no links can be in it (refused), but its schemas are checked as a repo chart's are
    await prepareChart({ repoDir: unpacked, chartDir, chartPath, target: copy });
    await assembleDependencies(chartDir, chartPath, undefined, true, dependencies);
    return chartDir;
  }
  const repoDir = options.repoDir ?? options.chartDir;
  const origin = path.relative(repoDir, options.chartDir).split(path.sep).join('/') || '.';
  // a chart with symlinks is read from a copy without them, so nothing outside the repo
  const chart = await prepareChart({ repoDir, chartDir: options.chartDir, chartPath, target: copy });
  try {
    await assembleDependencies(chart, chartPath, origin, chart === copy, { ...dependencies, repoDir });
    return chart;
  } catch (error) {
    if (!(error instanceof NeedsCopy)) throw error;
  }
  // dependencies to add: into a copy of the chart
  const copied = await prepareChart({ repoDir, chartDir: options.chartDir, chartPath, target: copy, alwaysCopy: true });
  await assembleDependencies(copied, chartPath, origin, true, { ...dependencies, repoDir });
  return copied;
}

async function runHelm(helm: string, args: string[], work: string, chart: string, options: HelmRenderOptions): Promise<string> {
  const timeoutMs = options.timeoutMs ?? defaultHelmTimeoutMs;
  const env = toolEnvironment(work, {
    HELM_CACHE_HOME: path.join(work, 'cache'),
    HELM_CONFIG_HOME: path.join(work, 'config'),
    HELM_DATA_HOME: path.join(work, 'data'),
    HELM_PLUGINS: path.join(work, 'plugins'),
    HELM_REPOSITORY_CONFIG: path.join(work, 'config', 'repositories.yaml'),
    HELM_REPOSITORY_CACHE: path.join(work, 'cache', 'repository'),
    HELM_REGISTRY_CONFIG: path.join(work, 'config', 'registry', 'config.json'),
  });
  const command = await isolatedCommand(helm, args);
  return new Promise((resolve, reject) => {
    execFile(
      command.file,
      command.args,
      { cwd: work, env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
      (error: ExecFileException | null, stdout: string, stderr: string) => {
        if (!error) return resolve(stdout);
        const { chartPath } = options;
        if (error.code === 'ENOENT') return reject(helmNotFound(chartPath, `${helm} does not exist`));
        if (error.code === 'EACCES') return reject(helmNotFound(chartPath, `${helm} is not executable`));
        if (error.killed && error.signal === 'SIGKILL') {
          return reject(new TimeoutError(`helm template did not finish within ${timeoutMs / 1000}s`, { subject: chartPath, cause: new Error(`${helm} killed after ${timeoutMs} ms`) }));
        }
        if (typeof error.code === 'string') return reject(new CapstanError(`could not run ${helm}: ${error.code}`, { subject: chartPath, cause: new Error(error.code) }));
        const message = redact(tidyStderr(stderr, work, chart, options), options.values) || `helm exited with code ${error.code ?? error.signal}`;
        // the cause carries no stderr or argument list: both could hold a secret value
        reject(new ValidationError(`helm template failed: ${message}`, { subject: chartPath, cause: new Error(`helm exited with code ${error.code ?? error.signal}`) }));
      },
    );
  });
}

/** helm's stderr as the user should read it: repo-relative chart, no temp paths, no `--debug` advice. */
function tidyStderr(stderr: string, work: string, chart: string, options: HelmRenderOptions): string {
  return stderr
    .split(path.join(work, 'inline-values.json')).join('<inline values>')
    .split(chart).join(options.chartPath)
    .split(options.chartDir).join(options.chartPath)
    .replace(/^Use --debug flag to render out invalid YAML$/m, '')
    .trim();
}

function helmNotFound(chartPath: string, detail: string): CapstanError {
  return new CapstanError(`cannot be rendered: ${detail}; install helm v3 (https://helm.sh/docs/intro/install/) or set CAPSTAN_HELM to the helm binary`, {
    subject: chartPath,
  });
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Replaces every string found in the inline values (3+ characters) with `***`. */
function redact(text: string, values: unknown): string {
  const secrets = new Set<string>();
  const collect = (value: unknown): void => {
    if (typeof value === 'string') {
      if (value.length >= 3) {
        secrets.add(value);
        secrets.add(JSON.stringify(value).slice(1, -1)); // as printed by %q / quote
      }
    } else if (Array.isArray(value)) value.forEach(collect);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(collect);
  };
  collect(values);
  // longest first, so a value that contains another is replaced whole
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) text = text.split(secret).join('***');
  return text;
}

const sourceLine = /^# Source: (.+)$/m;

/**
 * Splits `helm template` output, where every document starts with `---` and `# Source: <chart>/<file>`,
 * into objects with source `<chartPath>: <file>` (`#n` for the n-th further document of one file).
 */
function parseHelmOutput(output: string, chartPath: string): RenderedObject[] {
  const objects: RenderedObject[] = [];
  const perFile = new Map<string, number>();
  for (const chunk of output.split(/^---[ \t]*$/m)) {
    if (!chunk.trim()) continue;
    const match = sourceLine.exec(chunk);
    const file = match ? match[1].trim().split('/').slice(1).join('/') : 'helm output';
    for (const doc of parseAllDocuments(chunk)) {
      const index = perFile.get(file) ?? 0;
      const source = `${chartPath}: ${file}${index > 0 ? `#${index}` : ''}`;
      if (doc.errors.length > 0) throw new ValidationError(`is not valid YAML: ${doc.errors[0].message}`, { subject: source });
      const value: unknown = doc.toJS();
      if (value === null || value === undefined) continue;
      perFile.set(file, index + 1);
      const manifest = asManifest(value, source);
      const converted = convertHelmHooks(manifest);
      if (converted) objects.push({ manifest: converted, source });
    }
  }
  return objects;
}

function asManifest(value: unknown, source: string): Manifest {
  const problem = (what: string) => new ValidationError(`renders an object that ${what}`, { subject: source });
  if (typeof value !== 'object' || Array.isArray(value)) throw problem('is not a mapping');
  const object = value as Record<string, unknown>;
  if (typeof object.apiVersion !== 'string' || !object.apiVersion) throw problem('has no apiVersion');
  if (typeof object.kind !== 'string' || !object.kind) throw problem('has no kind');
  const metadata = object.metadata as Record<string, unknown> | undefined;
  if (metadata === null || typeof metadata !== 'object' || typeof metadata.name !== 'string' || !metadata.name) throw problem(`has no metadata.name (${object.kind})`);
  return object as Manifest;
}

const helmHook = 'helm.sh/hook';
const helmHookWeight = 'helm.sh/hook-weight';
const hookPhases: Record<string, 'PreSync' | 'PostSync'> = {
  'pre-install': 'PreSync',
  'pre-upgrade': 'PreSync',
  'post-install': 'PostSync',
  'post-upgrade': 'PostSync',
};

/**
 * Helm hooks as capstan hooks, as Argo CD maps them:
 * - `pre-install` / `pre-upgrade` → `capstan.dev/hook: PreSync`, `post-install` / `post-upgrade` →
 *   `PostSync`; a hook that is both runs once, as `PreSync` (capstan runs a hook in one phase);
 * - `helm.sh/hook-weight` → `capstan.dev/sync-wave` when the object sets no wave itself;
 * - `crd-install` (Helm 2) alone: an ordinary object, since CRDs are applied first anyway;
 * - every other hook is dropped (undefined): `test` / `test-success` run only on `helm test`, and
 *   `pre/post-delete` and `pre/post-rollback` belong to lifecycle steps a sync does not have:
 *   applying them as ordinary objects would run, on every sync, Jobs written to run only on
 *   uninstall or rollback (dropping a database, say).
 * An object that already sets `capstan.dev/hook` is the author's explicit choice and kept as it is.
 * The `helm.sh/*` annotations stay, so a delete policy can still be read.
 */
function convertHelmHooks(manifest: Manifest): Manifest | undefined {
  const current = manifest.metadata.annotations ?? {};
  const next: Record<string, string> = { ...current };
  const hookText = current[helmHook];
  if (typeof hookText === 'string' && current[annotations.hook] === undefined) {
    const types = hookText.split(',').map((t) => t.trim()).filter(Boolean);
    const phases = (['PreSync', 'PostSync'] as const).filter((phase) => types.some((t) => hookPhases[t] === phase));
    if (phases.length > 0) next[annotations.hook] = phases[0]!;
    else if (!(types.length > 0 && types.every((t) => t === 'crd-install'))) return undefined;
  }
  const weight = current[helmHookWeight];
  if (typeof weight === 'string' && /^\s*[+-]?\d+\s*$/.test(weight) && current[annotations.syncWave] === undefined) {
    next[annotations.syncWave] = String(Number.parseInt(weight, 10));
  }
  if (Object.keys(next).length === Object.keys(current).length) return manifest;
  return { ...manifest, metadata: { ...manifest.metadata, annotations: next } };
}
