/**
 * A chart's dependencies, as `helm dependency build` would put them into its `charts/` folder, but
 * fetched by capstan (helm stays offline): every dependency Chart.yaml (or a v1 chart's
 * requirements.yaml) lists that is not vendored in `charts/` is added to the private copy of the
 * chart helm reads, never to the repo checkout:
 * - `file://../common`: that chart folder of the config repo (it must stay inside the repo), copied
 *   and assembled in turn;
 * - `https://…` and `oci://…`: fetched with `fetchChart` at the version Chart.lock (requirements.lock)
 *   pins, else the highest the dependency's range allows;
 * - no repository, or a `helm repo add` alias (`@stable`, `alias:stable`): refused, saying what to
 *   write. Vendored subchart folders are checked (and assembled) the same way.
 */
import { copyFile, mkdir, readdir, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CapstanError, ValidationError } from '../core/index.ts';
import { resolveInRepo } from '../repo-path/index.ts';
import { fetchChart, isVersionRange, type ChartCredentials, type ChartFetchOptions, type FetchedChart } from './chart-source/index.ts';
import { checkArchiveSchemas, prepareChart } from './prepare-chart.ts';

export interface DependencyOptions {
  /** Names the chart in messages (its repo-relative path, or `chart nginx 1.2.3 from …`). */
  subject: string;
  /** The config repo (absolute) `file://` dependencies are read from; undefined for a fetched chart. */
  repoDir?: string;
  /** Fetches remote dependencies; default `fetchChart`. */
  fetchChart?: (request: Parameters<typeof fetchChart>[0], options: ChartFetchOptions) => Promise<FetchedChart>;
  charts?: ChartFetchOptions;
  /** The credentials for a dependency's repository (the app's chart credentials, for its repository's host). */
  credentialsFor?: (repository: string) => ChartCredentials | undefined;
  /** Called when a dependency's version is picked from a range (no lock file pins it). */
  onVersionRange?: () => void;
}

interface ChartDependency {
  name: string;
  version?: string;
  repository?: string;
}

/** Thrown when a dependency must be added to a chart that is read where it is: the caller copies it and assembles the copy. */
export class NeedsCopy extends Error {}

/**
 * Assembles the dependencies of the chart in `chartDir`. `writable`: the directory is capstan's own
 * copy, so dependencies may be added; otherwise a missing one throws `NeedsCopy`. `origin` is the
 * chart's repo-relative path (for `file://`), undefined for a chart fetched from a repository.
 */
export async function assembleDependencies(chartDir: string, shownAs: string, origin: string | undefined, writable: boolean, options: DependencyOptions, seen = new Set<string>()): Promise<void> {
  const { subject } = options;
  const real = await realpath(chartDir).catch(() => chartDir);
  if (seen.has(real)) return;
  seen.add(real);
  const chart = await readYamlFile(path.join(chartDir, 'Chart.yaml'), subject);
  if (chart === undefined) throw new ValidationError(`is not a Helm chart: ${shownAs}/Chart.yaml does not exist`, { subject });
  let dependencies = dependencyList(chart.dependencies);
  let lockFile = 'Chart.lock';
  if (dependencies.length === 0 && chart.apiVersion === 'v1') {
    dependencies = dependencyList((await readYamlFile(path.join(chartDir, 'requirements.yaml'), subject))?.dependencies);
    lockFile = 'requirements.lock';
  }

  const chartsDir = path.join(chartDir, 'charts');
  const { vendoredNames, archives, subcharts } = await vendored(chartsDir, shownAs, subject);
  const missing = dependencies.filter((d) => !vendoredNames.has(d.name) && !archives.some((a) => a.startsWith(`${d.name}-`)));
  if (missing.length > 0) {
    const unknown = missing.filter((d) => d.repository === undefined);
    if (unknown.length > 0) {
      const described = unknown.map((d) => [JSON.stringify(d.name), d.version].filter(Boolean).join(' '));
      const what = unknown.length === 1 ? `dependency ${described[0]} is` : `dependencies ${described.join(', ')} are`;
      throw new ValidationError(
        `cannot be rendered: ${what} listed in ${shownAs}/Chart.yaml without a repository and missing from ${shownAs}/charts/: vendor ${unknown.length === 1 ? 'it' : 'them'} into charts/, or give the repository (https://…, oci://… or file://<path in the repo>)`,
        { subject },
      );
    }
    const alias = missing.find((d) => /^(@|alias:)/.test(d.repository!));
    if (alias) {
      throw new ValidationError(
        `cannot be rendered: dependency ${JSON.stringify(alias.name)} in ${shownAs}/Chart.yaml names the repository ${JSON.stringify(alias.repository)}, an alias of \`helm repo add\` that capstan does not read: write the repository's URL (https://… or oci://…) in Chart.yaml`,
        { subject },
      );
    }
    if (!writable) throw new NeedsCopy();
    await mkdir(chartsDir, { recursive: true });
    const lock = dependencyList((await readYamlFile(path.join(chartDir, lockFile), subject))?.dependencies);
    // one at a time: the order of charts/ entries and of any error is the order Chart.yaml lists them
    for (const dependency of missing) await addDependency(chartDir, shownAs, origin, dependency, lock, lockFile, options, seen);
  }
  for (const sub of subcharts.sort((a, b) => a.dir.localeCompare(b.dir))) {
    await assembleDependencies(sub.dir, sub.shownAs, origin === undefined ? undefined : path.posix.join(origin, 'charts', sub.entry), writable, options, seen);
  }
}

async function vendored(chartsDir: string, shownAs: string, subject: string) {
  const entries = await readdir(chartsDir, { withFileTypes: true }).catch(() => []);
  const vendoredNames = new Set<string>();
  const archives: string[] = [];
  const subcharts: { dir: string; shownAs: string; entry: string }[] = [];
  for (const entry of entries) {
    const full = path.join(chartsDir, entry.name);
    if (entry.name.endsWith('.tgz')) archives.push(entry.name);
    else if (entry.isDirectory() || entry.isSymbolicLink()) {
      const sub = await readYamlFile(path.join(full, 'Chart.yaml'), subject).catch(() => undefined);
      if (sub === undefined) continue;
      if (typeof sub.name === 'string') vendoredNames.add(sub.name);
      subcharts.push({ dir: full, shownAs: `${shownAs}/charts/${entry.name}`, entry: entry.name });
    }
  }
  return { vendoredNames, archives, subcharts };
}

async function addDependency(
  chartDir: string,
  shownAs: string,
  origin: string | undefined,
  dependency: ChartDependency,
  lock: ChartDependency[],
  lockFile: string,
  options: DependencyOptions,
  seen: Set<string>,
): Promise<void> {
  const { subject } = options;
  const repository = dependency.repository!;
  const named = `dependency ${JSON.stringify(dependency.name)} of ${shownAs}`;
  if (repository.startsWith('file://')) {
    const written = repository.slice('file://'.length);
    if (origin === undefined || options.repoDir === undefined) {
      throw new ValidationError(`cannot be rendered: ${named} is ${repository}, but ${shownAs} was fetched from a repository: a fetched chart must hold its file:// dependencies in its charts/`, { subject });
    }
    const rel = path.posix.normalize(path.posix.join(origin, written));
    if (path.posix.isAbsolute(written) || rel === '..' || rel.startsWith('../')) {
      throw new ValidationError(`cannot be rendered: ${named} is ${repository}, which leaves the config repo: a file:// dependency must be a chart folder inside the repo`, { subject });
    }
    let source: string;
    try {
      source = resolveInRepo(options.repoDir, rel);
    } catch (error) {
      if (error instanceof CapstanError) throw new ValidationError(`cannot be rendered: ${named} (${repository}) is refused: ${error.message}`, { subject, cause: error });
      throw error;
    }
    const depChart = await readYamlFile(path.join(source, 'Chart.yaml'), subject);
    if (depChart === undefined) throw new ValidationError(`cannot be rendered: ${named} is ${repository}, but ${rel}/Chart.yaml does not exist`, { subject });
    if (depChart.name !== dependency.name) {
      throw new ValidationError(`cannot be rendered: ${named} is ${repository}, but the chart there is named ${JSON.stringify(depChart.name)}: name the dependency as its Chart.yaml does`, { subject });
    }
    const target = path.join(chartDir, 'charts', dependency.name);
    await mkdir(target);
    await prepareChart({ repoDir: options.repoDir, chartDir: source, chartPath: rel, target, alwaysCopy: true });
    await assembleDependencies(target, rel, rel, true, options, seen);
    return;
  }
  const locked = lock.find((l) => l.name === dependency.name && normalizeRepository(l.repository) === normalizeRepository(repository));
  const version = locked?.version ?? dependency.version ?? '*';
  if (isVersionRange(version)) options.onVersionRange?.();
  const credentials = options.credentialsFor?.(repository);
  const fetch = options.fetchChart ?? fetchChart;
  const fetched = await fetch(
    { repository, name: dependency.name, version, requestedBy: `${subject}: ${named}${locked ? ` (pinned by ${shownAs}/${lockFile})` : ''}`, ...(credentials ? { credentials } : {}) },
    options.charts ?? {},
  );
  const archive = await readFile(fetched.archive);
  checkArchiveSchemas(archive, `${shownAs}/charts/${dependency.name}-${fetched.version}.tgz`);
  await copyFile(fetched.archive, path.join(chartDir, 'charts', `${dependency.name}-${fetched.version}.tgz`));
}

function normalizeRepository(repository: string | undefined): string {
  return (repository ?? '').replace(/\/+$/, '');
}

function dependencyList(value: unknown): ChartDependency[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((d): d is Record<string, unknown> => d !== null && typeof d === 'object' && typeof (d as Record<string, unknown>).name === 'string')
    .map((d) => ({
      name: d.name as string,
      version: typeof d.version === 'string' ? d.version : typeof d.version === 'number' ? String(d.version) : undefined,
      repository: typeof d.repository === 'string' && d.repository ? d.repository : undefined,
    }));
}

/** A YAML file as a mapping; undefined when it does not exist. */
async function readYamlFile(file: string, subject: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CapstanError(`cannot read ${file}`, { subject, cause: error });
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new ValidationError(`${path.basename(file)} is not valid YAML: ${(error as Error).message}`, { subject, cause: error });
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
