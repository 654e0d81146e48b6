import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { CapstanError } from '../core/index.ts';
import { resolveInRepo } from '../source/index.ts';
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
}

export interface WalkKustomizationOptions {
  allowRemoteBases?: boolean;
}

type Expect = 'any' | 'file';

/**
 * Walks the kustomizations reachable from `dir` (repo-relative) before kustomize runs: every local
 * path they name (resources, bases, components, crds, patches with a path, generator files and env
 * files, configurations, generators/transformers/validators, replacements, openapi) must stay
 * inside the repository — through symlinks too — and exist. Helm chart inflation is refused
 * (capstan never enables it in kustomize), and so are remote bases unless allowed. Every problem is
 * collected; one ValidationError names each kustomization file and path.
 */
export async function walkKustomization(repoDir: string, dir: string, options: WalkKustomizationOptions = {}): Promise<KustomizationWalk> {
  const problems: RenderProblem[] = [];
  const kustomizations = new Set<string>();
  const files = new Set<string>();
  const visited = new Set<string>();

  const visit = async (kdir: string, referrer: RenderProblem | undefined): Promise<void> => {
    if (visited.has(kdir)) return;
    visited.add(kdir);
    const kfile = findKustomizationFile(repoDir, kdir);
    if (!kfile) {
      problems.push(referrer ?? { source: dir || '.', message: 'has no kustomization.yaml, kustomization.yml or Kustomization file' });
      return;
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
    const local = (field: string, value: unknown, expect: Expect): void => {
      if (typeof value !== 'string' || value === '') return; // kustomize reports malformed entries itself
      const problem = (message: string): void => void problems.push({ source: kfile, message: `${field} "${value}" ${message}` });
      if (isRemote(value)) {
        if (!options.allowRemoteBases) problem('is a remote base: capstan renders only what is in the config repo (vendor it into the repo, or enable remote bases)');
        return;
      }
      if (path.posix.isAbsolute(value) || path.win32.isAbsolute(value)) return problem('is an absolute path: write it relative to the kustomization');
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
        pending.push(() => visit(rel, { source: kfile, message: `${field} "${value}" is a directory without a kustomization.yaml, kustomization.yml or Kustomization file` }));
      } else {
        files.add(rel);
      }
    };
    const list = (field: string, expect: Expect, inline = false): void => {
      const value = k[field];
      if (!Array.isArray(value)) return;
      value.forEach((entry, i) => {
        if (inline && typeof entry === 'string' && entry.includes('\n')) return; // an inline document
        local(`${field}[${i}]`, entry, expect);
      });
    };
    list('resources', 'any');
    list('bases', 'any');
    list('components', 'any');
    list('crds', 'file');
    list('configurations', 'file');
    list('patchesStrategicMerge', 'file', true);
    list('generators', 'any', true);
    list('transformers', 'any', true);
    list('validators', 'any', true);
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
          entry.files.forEach((f, j) => {
            // `key=path` or `path`
            if (typeof f === 'string') local(`${field}[${i}].files[${j}]`, f.includes('=') ? f.slice(f.indexOf('=') + 1) : f, 'file');
          });
        }
        if (Array.isArray(entry.envs)) entry.envs.forEach((f, j) => local(`${field}[${i}].envs[${j}]`, f, 'file'));
        local(`${field}[${i}].env`, entry.env, 'file');
      });
    }
    if (isPlainObject(k.openapi)) local('openapi.path', k.openapi.path, 'file');
    for (const field of ['helmCharts', 'helmChartInflationGenerator', 'helmGlobals']) {
      if (k[field] !== undefined) {
        problems.push({ source: kfile, message: `${field} is not supported: capstan never enables Helm inside kustomize; render the chart as a helm app (a directory with Chart.yaml) instead` });
      }
    }
    for (const next of pending) await next();
  };

  await visit(dir, undefined);
  throwProblems(problems, dir || '.');
  return { kustomizations: [...kustomizations].sort(), files: [...files].sort() };
}

/** A kustomize remote target: a URL, an scp-like git address or a `host/org/repo` shorthand. */
export function isRemote(value: string): boolean {
  return (
    /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ||
    /^[\w.-]+@[\w.-]+:/.test(value) ||
    /^(github\.com|gitlab\.com|bitbucket\.org|dev\.azure\.com)\//.test(value) ||
    /\?(.*&)?(ref|version|timeout|submodules)=/.test(value)
  );
}
