import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseAllDocuments, parseDocument } from 'yaml';
import { CapstanError, checkChartRepository } from '../core/index.ts';
import { resolveInRepo } from '../repo-path/index.ts';
import { isPlainObject } from './parse-manifests.ts';
import { throwProblems } from './render-error.ts';
import type { RenderProblem } from './types.ts';

/** The names kustomize accepts for a kustomization file, in its order of preference. */
export const kustomizationFileNames: readonly string[] = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** The kustomization file of a repo-relative directory, or undefined. */
export function findKustomizationFile(repoDir: string, dir: string): string | undefined {
  for (const name of kustomizationFileNames) {
    const rel = dir ? `${dir}/${name}` : name;
    if (existsSync(path.join(repoDir, ...rel.split('/')))) return rel;
  }
  return undefined;
}

export interface KustomizationWalk {
  /** Every kustomization file reached, repo-relative, sorted. */
  kustomizations: string[];
  /** Every other local file they name (resources, patches, generator files …), repo-relative, sorted. */
  files: string[];
  /** The charts their `helmCharts` inflate, checked (in the order met). */
  helmCharts: KustomizeHelmChart[];
}

/** One `helmCharts` entry of a kustomization: where kustomize looks for its chart. */
export interface KustomizeHelmChart {
  /** `apps/web/kustomization.yaml helmCharts[0]`, for messages. */
  entry: string;
  name: string;
  /** `helmGlobals.chartHome` (default `charts`), repo-relative, normalised; it may not exist when every chart is fetched. */
  chartHome: string;
  /** Set: a chart fetched from this repository (https:// or oci://) into `<chartHome>/<name>-<version>/<name>`; unset: `<chartHome>/<name>` in the repo. */
  repo?: string;
  version?: string;
}

type Expect = 'any' | 'file';

/** How a directory was reached: as a kustomization, or as one whose resources are plugin configs (generators, transformers, validators). */
type Role = 'kustomization' | 'plugin-configs';

/**
 * Walks the kustomizations reachable from `dir` (repo-relative) before kustomize runs: every local
 * path they name (resources, bases, components, crds, patches with a path, generator files and env
 * files, configurations, generators/transformers/validators and the paths inside their configs,
 * replacements, openapi) must stay inside the repository — through symlinks too — and exist, and
 * every kustomization file too. Remote references of any form kustomize (or go-getter) accepts are
 * refused wherever kustomize takes a path (see `isRemote`); `helmCharts` are checked by
 * `checkHelmCharts` and listed, for `renderKustomize` to prepare. Every problem is collected; one ValidationError names each
 * kustomization file, field and entry.
 */
export async function walkKustomization(repoDir: string, dir: string): Promise<KustomizationWalk> {
  const problems: RenderProblem[] = [];
  const kustomizations = new Set<string>();
  const files = new Set<string>();
  const visited = new Set<string>();
  const helmCharts: KustomizeHelmChart[] = [];

  const visit = async (kdir: string, referrer: RenderProblem | undefined, role: Role): Promise<void> => {
    if (visited.has(`${role}:${kdir}`)) return;
    visited.add(`${role}:${kdir}`);
    const kfile = findKustomizationFile(repoDir, kdir);
    if (!kfile) {
      problems.push(referrer ?? { source: dir || '.', message: 'has no kustomization.yaml, kustomization.yml or Kustomization file' });
      return;
    }
    try {
      resolveInRepo(repoDir, kfile);
    } catch (error) {
      if (error instanceof CapstanError) {
        problems.push({ source: kfile, message: `is refused: ${error.message}` });
        return;
      }
      throw error;
    }
    kustomizations.add(kfile);
    const text = await readFile(path.join(repoDir, ...kfile.split('/')), 'utf8');
    const lineCounter = new LineCounter();
    const document = parseDocument(text, { lineCounter, prettyErrors: false });
    if (document.errors.length > 0) {
      for (const error of document.errors) {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        problems.push({ source: `${kfile}:${line}:${col}`, message: `YAML syntax error: ${error.message}` });
      }
      return;
    }
    const k = document.toJS({ maxAliasCount: 100 }) as unknown;
    if (k === null || k === undefined) return;
    if (!isPlainObject(k)) {
      problems.push({ source: kfile, message: 'a kustomization must be a mapping' });
      return;
    }
    const pending: (() => Promise<void>)[] = []; // visited in order after this file, so reports are stable
    const configs: string[] = []; // plugin config files, read after this file's checks
    /** Checks a path kustomize reads relative to this kustomization; returns the repo-relative file when it is one. */
    const local = (field: string, value: unknown, expect: Expect, source = kfile, nextRole: Role = role): string | undefined => {
      if (typeof value !== 'string' || value === '') return undefined; // kustomize reports malformed entries itself
      const problem = (message: string): undefined => void problems.push({ source, message: `${field} ${JSON.stringify(value)} ${message}` });
      if (isRemote(value)) return problem(remoteRefused);
      if (path.posix.isAbsolute(value) || path.win32.isAbsolute(value)) return problem('is an absolute path: write it relative to the kustomization');
      if (value.includes('\0')) return problem('contains a NUL byte');
      const joined = path.posix.normalize(path.posix.join(kdir || '.', value));
      if (joined === '..' || joined.startsWith('../')) return problem('leaves the repository: kustomizations may only refer to files inside the config repo');
      const rel = joined === '.' ? '' : joined.replace(/\/+$/, '');
      let absolute: string;
      try {
        absolute = resolveInRepo(repoDir, rel);
      } catch (error) {
        if (error instanceof CapstanError) return problem(`is refused: ${error.message}`);
        throw error;
      }
      let stats;
      try {
        stats = statSync(absolute);
      } catch {
        return problem('does not exist');
      }
      if (stats.isDirectory()) {
        if (expect === 'file') return problem('is a directory, not a file');
        pending.push(() => visit(rel, { source, message: `${field} ${JSON.stringify(value)} is a directory without a kustomization.yaml, kustomization.yml or Kustomization file` }, nextRole));
        return undefined;
      }
      files.add(rel);
      return rel;
    };
    const list = (field: string, expect: Expect, inline = false): void => {
      const value = k[field];
      if (!Array.isArray(value)) return;
      value.forEach((entry, i) => {
        if (inline && typeof entry === 'string' && entry.includes('\n')) return; // an inline document
        const file = local(`${field}[${i}]`, entry, expect);
        // a kustomization listed as generators/transformers/validators: its resources are configs too
        if (file && field === 'resources' && role === 'plugin-configs') configs.push(file);
      });
    };
    // generators, transformers and validators name plugin configs: files, kustomizations whose
    // resources are configs, or inline documents; builtin plugins read the paths in them
    const plugins = (field: string): void => {
      const value = k[field];
      if (!Array.isArray(value)) return;
      value.forEach((entry, i) => {
        if (typeof entry === 'string' && entry.includes('\n')) {
          pluginConfigs(entry, kfile, `${field}[${i}] `);
          return;
        }
        const file = local(`${field}[${i}]`, entry, 'any', kfile, 'plugin-configs');
        if (file) configs.push(file);
      });
    };
    /** The documents of a plugin config; `source` and `label` say where it is written. */
    const pluginConfigs = (text: string, source: string, label: string): void => {
      for (const doc of parseAllDocuments(text, { prettyErrors: false })) {
        if (doc.errors.length > 0) return; // kustomize reports the syntax itself
        const config = doc.toJS({ maxAliasCount: 100 }) as unknown;
        if (!isPlainObject(config)) continue;
        const name = isPlainObject(config.metadata) && typeof config.metadata.name === 'string' ? `/${config.metadata.name}` : '';
        const what = `${label}${typeof config.kind === 'string' ? config.kind : 'config'}${name}`;
        if (config.kind === 'HelmChartInflationGenerator') {
          problems.push({ source, message: `${what} is not supported: list the chart under helmCharts in the kustomization, or render it as a helm app (a directory with Chart.yaml)` });
          continue;
        }
        const check = (field: string, value: unknown): void => {
          // paths in a config are relative to the kustomization that uses it; a kustomization that
          // only lists configs may be used from elsewhere, so there only remote forms are judged
          if (role === 'plugin-configs') {
            if (typeof value === 'string' && isRemote(value)) problems.push({ source, message: `${what} ${field} ${JSON.stringify(value)} ${remoteRefused}` });
          } else local(`${what} ${field}`, value, 'file', source);
        };
        check('path', config.path);
        for (const field of ['paths', 'files', 'envs']) {
          const value = config[field];
          if (Array.isArray(value)) value.forEach((entry, j) => check(`${field}[${j}]`, field === 'files' ? filePart(entry) : entry));
        }
        check('env', config.env);
        if (Array.isArray(config.replacements)) config.replacements.forEach((r, j) => isPlainObject(r) && check(`replacements[${j}].path`, r.path));
      }
    };
    list('resources', 'any');
    list('bases', 'any');
    list('components', 'any');
    list('crds', 'file');
    list('configurations', 'file');
    list('patchesStrategicMerge', 'file', true);
    plugins('generators');
    plugins('transformers');
    plugins('validators');
    for (const field of ['patches', 'patchesJson6902', 'replacements']) {
      const value = k[field];
      if (!Array.isArray(value)) continue;
      value.forEach((entry, i) => {
        if (isPlainObject(entry)) local(`${field}[${i}].path`, entry.path, 'file');
      });
    }
    for (const field of ['configMapGenerator', 'secretGenerator']) {
      const value = k[field];
      if (!Array.isArray(value)) continue;
      value.forEach((entry, i) => {
        if (!isPlainObject(entry)) return;
        if (Array.isArray(entry.files)) {
          entry.files.forEach((f, j) => local(`${field}[${i}].files[${j}]`, filePart(f), 'file'));
        }
        if (Array.isArray(entry.envs)) entry.envs.forEach((f, j) => local(`${field}[${i}].envs[${j}]`, f, 'file'));
        local(`${field}[${i}].env`, entry.env, 'file');
      });
    }
    if (isPlainObject(k.openapi)) local('openapi.path', k.openapi.path, 'file');
    if (k.helmChartInflationGenerator !== undefined) {
      problems.push({ source: kfile, message: 'helmChartInflationGenerator is not supported: write the charts under helmCharts (with helmGlobals.chartHome)' });
    }
    if (k.helmCharts !== undefined || k.helmGlobals !== undefined) {
      const found = checkHelmCharts(repoDir, kdir, kfile, k, problems, (field, value) => local(field, value, 'file'));
      helmCharts.push(...found);
    }
    for (const file of configs) pluginConfigs(await readFile(path.join(repoDir, ...file.split('/')), 'utf8'), file, '');
    for (const next of pending) await next();
  };

  await visit(dir, undefined, 'kustomization');
  // a directory reached both as a kustomization and as plugin configs reports a problem once
  const seen = new Set<string>();
  throwProblems(
    problems.filter((p) => !seen.has(`${p.source}\0${p.message}`) && seen.add(`${p.source}\0${p.message}`)),
    dir || '.',
  );
  return { kustomizations: [...kustomizations].sort(), files: [...files].sort(), helmCharts };
}

const chartNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * A kustomization's `helmGlobals` and `helmCharts`, as kustomize reads them, checked so that every
 * chart comes from inside the repo or from a chart repository capstan fetches itself: `chartHome`
 * (default `charts`) inside the repo, through symlinks too; `configHome` refused (capstan gives
 * helm an empty configuration); each chart's name a plain name; a local chart (no `repo`) a
 * directory with Chart.yaml at `<chartHome>/<name>`; a `repo` an https://, http:// or oci:// URL
 * with a version (kustomize would otherwise pull the latest); `valuesFile` and
 * `additionalValuesFiles` files inside the repo (checked by `file`, which adds them to the walk).
 */
function checkHelmCharts(
  repoDir: string,
  kdir: string,
  kfile: string,
  k: Record<string, unknown>,
  problems: RenderProblem[],
  file: (field: string, value: unknown) => string | undefined,
): KustomizeHelmChart[] {
  const report = (message: string): void => void problems.push({ source: kfile, message });
  let chartHomeValue: unknown = 'charts';
  if (k.helmGlobals !== undefined) {
    if (!isPlainObject(k.helmGlobals)) report('helmGlobals must be a mapping such as { chartHome: charts }');
    else {
      if (k.helmGlobals.configHome !== undefined) report(`helmGlobals.configHome ${JSON.stringify(k.helmGlobals.configHome)} is not supported: capstan runs helm with an empty configuration of its own; remove it`);
      if (k.helmGlobals.chartHome !== undefined) chartHomeValue = k.helmGlobals.chartHome;
    }
  }
  const chartHome = insideRepo(repoDir, kdir, chartHomeValue, (message) => report(`helmGlobals.chartHome ${JSON.stringify(chartHomeValue)} ${message}`));
  if (k.helmCharts === undefined) return [];
  if (!Array.isArray(k.helmCharts)) {
    report('helmCharts must be a list of charts, e.g. "- { name: web, releaseName: web }"');
    return [];
  }
  const charts: KustomizeHelmChart[] = [];
  k.helmCharts.forEach((entry, i) => {
    const field = `helmCharts[${i}]`;
    if (!isPlainObject(entry)) return report(`${field} must be a mapping such as { name: web, releaseName: web }`);
    if (typeof entry.valuesFile === 'string' && entry.valuesFile !== '') file(`${field}.valuesFile`, entry.valuesFile);
    if (Array.isArray(entry.additionalValuesFiles)) entry.additionalValuesFiles.forEach((f, j) => file(`${field}.additionalValuesFiles[${j}]`, f));
    const { name, repo, version } = entry;
    if (typeof name !== 'string' || !chartNamePattern.test(name)) return report(`${field}.name must be a chart name (letters, digits, ".", "_" and "-"), got ${JSON.stringify(name ?? null)}`);
    if (chartHome === undefined) return;
    const chart: KustomizeHelmChart = { entry: `${kfile} ${field}`, name, chartHome };
    if (repo !== undefined && repo !== '') {
      const problem = typeof repo === 'string' ? checkChartRepository(repo) : 'is not a URL';
      // shown without a username or password it may hold
      if (problem !== undefined) return report(`${field}.repo ${typeof repo === 'string' ? showUrl(repo) : JSON.stringify(repo)} ${problem.startsWith('"') ? 'is not a URL: write https://charts.example.com or oci://registry.example.com/charts' : problem}`);
      if (typeof version !== 'string' && typeof version !== 'number') return report(`${field} (chart ${name} from ${showUrl(repo as string)}) has no version: set version, so that a commit always renders the same chart`);
      charts.push({ ...chart, repo: repo as string, version: String(version) });
      return;
    }
    const chartRel = chartHome ? `${chartHome}/${name}` : name;
    let isChart = false;
    try {
      isChart = statSync(path.join(resolveInRepo(repoDir, chartRel), 'Chart.yaml')).isFile();
    } catch (error) {
      if (error instanceof CapstanError) return report(`${field} (chart ${name}) is refused: ${error.message}`);
    }
    if (!isChart) return report(`${field} (chart ${name}) has no repo, and ${chartRel}/Chart.yaml does not exist: vendor the chart into ${chartRel}, or set repo and version`);
    charts.push(chart);
  });
  return charts;
}

/** A directory kustomize takes relative to a kustomization, as a repo-relative path inside the repo (it need not exist); undefined after reporting why not. */
function insideRepo(repoDir: string, kdir: string, value: unknown, report: (message: string) => void): string | undefined {
  if (typeof value !== 'string' || value === '') return void report('must be a path relative to the kustomization');
  if (isRemote(value)) return void report(remoteRefused);
  if (path.posix.isAbsolute(value) || path.win32.isAbsolute(value)) return void report('is an absolute path: write it relative to the kustomization, inside the config repo');
  if (value.includes('\0')) return void report('contains a NUL byte');
  const joined = path.posix.normalize(path.posix.join(kdir || '.', value));
  if (joined === '..' || joined.startsWith('../')) return void report('leaves the repository: charts must be inside the config repo');
  const rel = joined === '.' ? '' : joined.replace(/\/+$/, '');
  try {
    resolveInRepo(repoDir, rel);
  } catch (error) {
    if (error instanceof CapstanError) return void report(`is refused: ${error.message}`);
    throw error;
  }
  return rel;
}

/** A repository URL for messages, without a username or password. */
function showUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = '';
      parsed.password = '';
    }
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return JSON.stringify(url);
  }
}

const remoteRefused = 'is remote (a URL, a git repository or another go-getter form): capstan renders only what is in the config repo; vendor it into the repo';

/** `key=path` or `path` of a generator's `files` entry. */
function filePart(entry: unknown): unknown {
  return typeof entry === 'string' && entry.includes('=') ? entry.slice(entry.indexOf('=') + 1) : entry;
}

/** Hosts that kustomize or go-getter read as a git repository without a scheme. */
const gitHosts = /^\s*(github\.com|gitlab\.com|bitbucket\.org|(ssh\.)?dev\.azure\.com|[\w-]+\.visualstudio\.com|git-codecommit\.[\w.-]+\.amazonaws\.com|source\.developers\.google\.com)([/:?]|$)/i;

/**
 * Whether kustomize (whose git loader is tried before the file system, so a decoy folder of the same
 * name does not help) or its go-getter heritage could read `value` as something remote: a URL of
 * any scheme (`https://`, `http://`, `ssh://`, `file://`, `git://`), a forced getter (`git::`,
 * `s3::`, `gcs::`, `hg::`), a shorthand (`gh:`, `github.com/org/repo`), an scp-like address
 * (`git@host:org/repo`, `user@host:path`, `git@host/org/repo`), an Azure `_git/` path, a `//`
 * subpath or a `?ref=` (any query). Errs towards remote: a path inside the repo needs none of these.
 */
export function isRemote(value: string): boolean {
  const first = value.split('/')[0]!;
  return (
    first.includes(':') ||
    first.includes('@') ||
    value.includes('::') ||
    value.includes('://') ||
    value.includes('//') ||
    value.includes('?') ||
    value.includes('_git/') ||
    gitHosts.test(value)
  );
}
