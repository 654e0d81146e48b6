import type { Dirent } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { CapstanError } from '../core/index.ts';
import { resolveInRepo } from '../repo-path/index.ts';
import { readTarGz } from './read-tar-gz.ts';
import { throwProblems } from './render-error.ts';
import type { RenderProblem } from './types.ts';

export interface PrepareChartOptions {
  /** The repository root the chart's files must stay inside (absolute). */
  repoDir: string;
  /** The chart directory (absolute, inside `repoDir`). */
  chartDir: string;
  /** How the chart is named in messages (repo-relative). */
  chartPath: string;
  /** An empty directory to copy the chart into when it holds symlinks. */
  target: string;
  /** Copy it into `target` even without symlinks (its dependencies are to be added to the copy). */
  alwaysCopy?: boolean;
}

const insideOnly = 'a Helm chart may only read files inside the config repo';

/**
 * The directory helm is to read for a chart, checked: helm follows symlinks wherever they lead
 * (`.Files.Get` on a link to a tokens file would render the tokens), so a chart that holds any
 * symlink is copied into `target` with each link replaced by what it points to (every file and
 * directory of the tree: files `.helmignore` leaves out, subcharts in `charts/` and links to
 * directories included; `.git` skipped), and a link whose target leaves the repository, even for
 * one hop, is refused, as is one that points nowhere or into a loop. A chart without symlinks is
 * read where it is. Every `values.schema.json`, also inside vendored `charts/*.tgz`, may only use
 * references within itself: helm's JSON Schema validator loads `$ref`s from `file://` and
 * `http://` URLs. Every problem is collected; one RenderValidationError names each link or schema.
 */
export async function prepareChart(options: PrepareChartOptions): Promise<string> {
  const { repoDir, chartPath } = options;
  const realRoot = await realpath(repoDir);
  const problems: RenderProblem[] = [];
  const problem = (message: string): void => void problems.push({ source: chartPath, message });

  // entries are copied concurrently (libuv's pool bounds the work in flight); problems are sorted at the end
  /** Copies (to `dest`, when given) and checks a directory of the chart. */
  const copyDir = async (real: string, dest: string | undefined, ancestors: ReadonlySet<string>): Promise<void> => {
    const entries = await readdir(real, { withFileTypes: true });
    await Promise.all(entries.map((entry) => copyEntry(entry, real, dest, ancestors)));
  };
  const copyEntry = async (entry: Dirent, real: string, dest: string | undefined, ancestors: ReadonlySet<string>): Promise<void> => {
    if (entry.name === '.git') return;
    let source = path.join(real, entry.name);
    const shown = path.relative(realRoot, source).split(path.sep).join('/');
    let isDirectory = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      try {
        source = await realpath(resolveInRepo(realRoot, shown));
      } catch (error) {
        if (error instanceof CapstanError) problem(`${error.message}: ${insideOnly}`);
        else if ((error as NodeJS.ErrnoException).code === 'ENOENT') problem(`symlink "${shown}" points to ${JSON.stringify(await readlink(path.join(real, entry.name)))}, which does not exist`);
        else throw error;
        return;
      }
      const stats = await stat(source);
      isDirectory = stats.isDirectory();
      isFile = stats.isFile();
      if (isDirectory && ancestors.has(source)) {
        problem(`symlink "${shown}" points to a directory that contains it, a loop helm would follow forever`);
        return;
      }
    }
    const to = dest === undefined ? undefined : path.join(dest, entry.name);
    if (isDirectory) {
      if (to !== undefined) await mkdir(to);
      await copyDir(source, to, new Set(ancestors).add(source));
    } else if (isFile) {
      if (to !== undefined) await copyFile(source, to);
      if (entry.name === 'values.schema.json') checkSchema(await readFile(source, 'utf8'), shown, problem);
      else if (path.basename(real) === 'charts' && isArchive(entry.name)) checkArchive(await readFile(source), shown, problem, 0);
    }
    // sockets, fifos and devices are not chart files (git cannot hold them): left out
  };

  let start: string;
  try {
    start = await realpath(options.chartDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return options.chartDir; // no chart: the caller says so
    throw error;
  }
  const copy = options.alwaysCopy === true || (await holdsSymlink(start));
  await copyDir(start, copy ? options.target : undefined, new Set([start]));
  throwProblems(problems.sort((a, b) => (a.message < b.message ? -1 : a.message > b.message ? 1 : 0)), chartPath);
  return copy ? options.target : options.chartDir;
}

/** Whether a directory tree (`.git` aside) holds a symlink anywhere. */
async function holdsSymlink(dir: string): Promise<boolean> {
  const entries = await readdir(dir, { withFileTypes: true });
  if (entries.some((entry) => entry.isSymbolicLink() && entry.name !== '.git')) return true;
  const found = await Promise.all(entries.filter((entry) => entry.isDirectory() && entry.name !== '.git').map((entry) => holdsSymlink(path.join(dir, entry.name))));
  return found.includes(true);
}

function isArchive(name: string): boolean {
  return name.endsWith('.tgz') || name.endsWith('.tar.gz');
}

/** Keys whose value JSON Schema validators resolve, and may load from elsewhere. */
const referenceKeys = ['$ref', '$dynamicRef', '$recursiveRef'];

/**
 * A values schema may refer only within itself (`#…`); `$schema` may only name a json-schema.org
 * meta-schema. Anything else is a file or URL helm's validator would load.
 */
function checkSchema(text: string, shown: string, problem: (message: string) => void): void {
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (error) {
    problem(`${shown} is not valid JSON: ${(error as Error).message}`);
    return;
  }
  const found: string[] = [];
  const visit = (value: unknown, at: string): void => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => visit(item, `${at}[${i}]`));
      return;
    }
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const where = at ? `${at}.${key}` : key;
      if (referenceKeys.includes(key) && typeof child === 'string' && !child.startsWith('#')) found.push(`"${key}": ${JSON.stringify(child)} (at ${where})`);
      else if (key === '$schema' && typeof child === 'string' && !/^https?:\/\/json-schema\.org\//.test(child)) found.push(`"$schema": ${JSON.stringify(child)}`);
      else visit(child, where);
    }
  };
  visit(schema, '');
  if (found.length > 0) {
    problem(
      `${shown} refers outside itself with ${found.join(', ')}: helm's schema validator would load that file or URL; use references within the schema ("#/…") or copy what it refers to into it`,
    );
  }
}

/**
 * The values schemas inside a chart archive (a fetched chart or dependency), checked as those of
 * vendored archives are; throws a RenderValidationError naming each.
 */
export function checkArchiveSchemas(data: Buffer, shown: string): void {
  const problems: RenderProblem[] = [];
  checkArchive(data, shown, (message) => void problems.push({ source: shown, message }), 0);
  throwProblems(problems, shown);
}

/** The schemas of an archived subchart, and of the archives inside it, as helm loads them. */
function checkArchive(data: Buffer, shown: string, problem: (message: string) => void, depth: number): void {
  let files;
  try {
    files = readTarGz(data);
  } catch {
    return; // not an archive helm can load either: helm reports it
  }
  for (const file of files) {
    const name = `${shown}: ${file.name}`;
    if (path.posix.basename(file.name) === 'values.schema.json') checkSchema(file.data.toString('utf8'), name, problem);
    else if (/(^|\/)charts\/[^/]+$/.test(file.name) && isArchive(file.name)) {
      if (depth >= 8) problem(`${name} nests chart archives more than 8 deep`);
      else checkArchive(file.data, name, problem, depth + 1);
    }
  }
}
