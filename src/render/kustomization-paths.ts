import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseAllDocuments, parseDocument } from 'yaml';
import { CapstanError } from '../core/index.ts';
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
 * refused wherever kustomize takes a path (see `isRemote`), and so is Helm chart inflation (capstan
 * never enables it in kustomize). Every problem is collected; one ValidationError names each
 * kustomization file, field and entry.
 */
export async function walkKustomization(repoDir: string, dir: string): Promise<KustomizationWalk> {
  const problems: RenderProblem[] = [];
  const kustomizations = new Set<string>();
  const files = new Set<string>();
  const visited = new Set<string>();

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
          problems.push({ source, message: `${what} is not supported: capstan never enables Helm inside kustomize; render the chart as a helm app (a directory with Chart.yaml) instead` });
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
    for (const field of ['helmCharts', 'helmChartInflationGenerator', 'helmGlobals']) {
      if (k[field] !== undefined) {
        problems.push({ source: kfile, message: `${field} is not supported: capstan never enables Helm inside kustomize; render the chart as a helm app (a directory with Chart.yaml) instead` });
      }
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
  return { kustomizations: [...kustomizations].sort(), files: [...files].sort() };
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
