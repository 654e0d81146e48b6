/**
 * Which files of the config repo an app's render reads, so a commit re-renders only the apps it
 * touched: the source directory; for kustomize every directory its kustomizations reach and every
 * file they name; for Helm the chart directory, its values files and its `file://` dependencies
 * (for a chart fetched from a repository, only its values files).
 * capstan.yaml is handled by comparing resolved settings (see `changedApps` in agent.ts).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { releaseFile, type AppEnvironment } from '../config/index.ts';
import { detectAppType, walkKustomization } from '../render/index.ts';
import { normalizeRepoPath, resolveInRepo } from '../repo-path/index.ts';

/** Repo-relative paths an app's render reads: whole directories (`''` is the repository) and single files. */
export interface AppInputs {
  dirs: string[];
  files: string[];
}

/**
 * The inputs of an app at a checkout; `undefined` when they cannot be worked out (a broken
 * kustomization, a missing source): then every change is taken to touch the app, so the render
 * runs and reports the problem.
 */
export async function appInputs(repoDir: string, app: AppEnvironment): Promise<AppInputs | undefined> {
  let source: string;
  try {
    source = normalizeRepoPath(app.source);
  } catch {
    return undefined;
  }
  const dirs = new Set<string>([source]);
  const files = new Set<string>();
  if (app.imageLockFile !== undefined) files.add(app.imageLockFile);
  // an artifact app reads its release file and the artifacts of its service
  if (app.type === 'artifact') return { dirs: [source], files: [releaseFile(app.service ?? app.name, app.env), ...files].sort() };
  // a chart fetched from its repository (helm.chart): the repo gives only its values files
  if (app.helm.chart !== undefined) {
    for (const file of app.helm.valuesFiles) files.add(normalizeRepoPath(path.posix.join(source || '.', file)));
    return { dirs: [], files: [...files].sort() };
  }
  try {
    const type = app.type ?? detectAppType(repoDir, source);
    if (type === 'kustomize') {
      const walk = await walkKustomization(repoDir, source);
      for (const k of walk.kustomizations) dirs.add(dirOf(k));
      for (const f of walk.files) files.add(f);
    } else if (type === 'helm') {
      for (const file of app.helm.valuesFiles) files.add(normalizeRepoPath(path.posix.join(source || '.', file)));
      for (const dep of await fileDependencies(repoDir, source)) dirs.add(dep);
    }
  } catch {
    return undefined;
  }
  return { dirs: [...dirs].sort(), files: [...files].sort() };
}

/** Whether a changed repo-relative file is one of the inputs. */
export function touches(inputs: AppInputs | undefined, file: string): boolean {
  if (inputs === undefined) return true;
  if (inputs.files.includes(file)) return true;
  return inputs.dirs.some((dir) => dir === '' || file === dir || file.startsWith(`${dir}/`));
}

function dirOf(file: string): string {
  const dir = path.posix.dirname(file);
  return dir === '.' ? '' : dir;
}

/** Chart dependencies kept in the repo (`repository: file://../common`), repo-relative. */
async function fileDependencies(repoDir: string, chart: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(resolveInRepo(repoDir, chart ? `${chart}/Chart.yaml` : 'Chart.yaml'), 'utf8');
  } catch {
    return [];
  }
  const doc = parse(text) as { dependencies?: { repository?: unknown }[] } | null;
  const out: string[] = [];
  for (const dep of doc?.dependencies ?? []) {
    if (typeof dep?.repository !== 'string' || !dep.repository.startsWith('file://')) continue;
    out.push(normalizeRepoPath(path.posix.join(chart || '.', dep.repository.slice('file://'.length))));
  }
  return out;
}
