import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, lstat, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ValidationError } from '../core/index.ts';
import { findExecutable, isolatedCommand, toolEnvironment } from './isolate-tool.ts';
import { assembleDependencies, type DependencyOptions } from './chart-dependencies.ts';
import { checkChartArchive, extractChart, fetchChart, isVersionRange } from './chart-source/index.ts';
import { findHelm } from './helm.ts';
import { walkKustomization, type KustomizeHelmChart } from './kustomization-paths.ts';
import { prepareChart } from './prepare-chart.ts';
import { parseManifests } from './parse-manifests.ts';
import { isManifestFile } from './read-manifest-files.ts';
import { throwProblems } from './render-error.ts';
import type { SopsAccess } from './sops-access.ts';
import type { ClusterCapabilities, RenderedObject, RenderOptions } from './types.ts';

/** Where `capstan up` and `npm run setup-tools` put kubectl when there is none on PATH (git-ignored). */
const providedKubectl = fileURLToPath(new URL('../../.capstan-tools/bin/kubectl', import.meta.url));

/** How kustomize is run: a kustomize binary (`build <dir>`) or kubectl (`kustomize <dir>`). */
export interface KustomizeCommand {
  file: string;
  subcommand: 'build' | 'kustomize';
}

/** `options.kustomizeBinary`, then `$CAPSTAN_KUSTOMIZE`, then `kustomize` on PATH, else `kubectl kustomize`. */
export function kustomizeCommand(options: RenderOptions): KustomizeCommand {
  const env = options.env ?? process.env;
  const explicit = options.kustomizeBinary ?? (env.CAPSTAN_KUSTOMIZE || undefined);
  if (explicit) return { file: explicit, subcommand: 'build' };
  const onPath = findExecutable('kustomize', env.PATH ?? '');
  if (onPath) return { file: onPath, subcommand: 'build' };
  return { file: options.kubectlBinary ?? 'kubectl', subcommand: 'kustomize' };
}

/**
 * A kustomization: the paths it reaches are checked first (nothing outside the repo, nothing
 * remote), then kustomize runs without plugins or exec functions, with an environment of its
 * own and, where the system allows, without a network (see `isolatedCommand`). When the files it reaches include SOPS
 * files, or a kustomization inflates `helmCharts`, the repo is copied to a private temp dir, those
 * files are decrypted in the copy, the charts are put where kustomize finds them (see
 * `prepareKustomizeCharts`), kustomize runs there (with `--enable-helm`, capstan's helm and the
 * target cluster's version and API versions) and the copy is deleted.
 */
export async function renderKustomize(repoDir: string, dir: string, sops: SopsAccess, options: RenderOptions): Promise<RenderedObject[]> {
  const shown = dir || '.';
  const walk = await walkKustomization(repoDir, dir);
  const encrypted: { file: string; text: string }[] = [];
  for (const file of walk.files) {
    if (!isManifestFile(file)) continue;
    const text = await readFile(path.join(repoDir, ...file.split('/')), 'utf8');
    if (sops.isEncrypted(text)) encrypted.push({ file, text });
  }
  if (encrypted.length === 0 && walk.helmCharts.length === 0) return runKustomize(repoDir, dir, options);

  const temp = await mkdtemp(path.join(options.tempDir ?? os.tmpdir(), 'capstan-kustomize-'));
  try {
    await chmod(temp, 0o700);
    const copy = path.join(temp, 'repo');
    await cp(repoDir, copy, { recursive: true, verbatimSymlinks: true, filter: (src) => path.basename(src) !== '.git' });
    for (const { file, text } of encrypted) {
      const target = path.join(copy, ...file.split('/'));
      await rm(target, { force: true }); // may be a symlink to another file of the copy
      await writeFile(target, await sops.decrypt(text, file), { mode: 0o600 });
    }
    if (walk.helmCharts.length === 0) return await runKustomize(copy, dir, options, shown);
    await prepareKustomizeCharts(repoDir, copy, path.join(temp, 'charts'), walk.helmCharts, options);
    const helmBinary = options.helm?.helmBinary ?? (await findHelm(options.env ?? process.env));
    if (helmBinary === undefined) throw new ValidationError(`cannot render ${shown} with kustomize: its helmCharts need helm, which is not on PATH: install helm v3 (https://helm.sh/docs/intro/install/) or set CAPSTAN_HELM to the helm binary`);
    const capabilities = options.capabilities ? await options.capabilities() : undefined;
    return await runKustomize(copy, dir, options, shown, { helmBinary, ...(capabilities ?? {}) });
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/**
 * Puts each chart of `helmCharts` where kustomize looks for it, in the private copy of the repo, so
 * kustomize never pulls one (it runs `helm pull` for a chart with a repo that is not there): a chart
 * in the repo (`<chartHome>/<name>`, or one vendored at `<chartHome>/<name>-<version>/<name>`) is
 * replaced by the copy `prepareChart` checks (no symlink leads out of the repo, no values schema
 * loads a file); one from a repository is fetched by capstan (`fetchChart`: verified, cached, never
 * by kustomize or helm) and unpacked at `<chartHome>/<name>-<version>/<name>`, kustomize's layout.
 * Either way, dependencies not vendored in the chart's `charts/` are added as for helm apps
 * (`assembleDependencies`).
 */
async function prepareKustomizeCharts(repoDir: string, copy: string, work: string, charts: readonly KustomizeHelmChart[], options: RenderOptions): Promise<void> {
  const done = new Set<string>();
  for (const [i, chart] of charts.entries()) {
    const home = chart.chartHome ? chart.chartHome.split('/') : [];
    const rel = chart.repo === undefined ? [...home, chart.name] : [...home, `${chart.name}-${chart.version}`, chart.name];
    const key = rel.join('/');
    if (done.has(key)) continue;
    done.add(key);
    const target = path.join(copy, ...rel);
    const vendored = path.join(repoDir, ...rel);
    await refuseLinkedFolders(copy, rel.slice(0, -1), chart);
    if (chart.repo === undefined || existsSync(path.join(vendored, 'Chart.yaml'))) {
      const scratch = path.join(work, String(i));
      await mkdir(scratch, { recursive: true, mode: 0o700 });
      const prepared = await prepareChart({ repoDir, chartDir: vendored, chartPath: key, target: scratch });
      await rm(target, { recursive: true, force: true });
      await cp(prepared, target, { recursive: true, verbatimSymlinks: true, filter: (src) => path.basename(src) !== '.git' });
      // dependencies not vendored in charts/ (file:// in the repo, or fetched), as for helm apps
      await assembleDependencies(target, key, key, true, { subject: chart.entry, repoDir, ...dependencyOptions(options) });
      continue;
    }
    // a range may pick a newer chart next time: the render says so, and is not kept
    if (isVersionRange(chart.version!)) options.onVersionRange?.();
    const fetched = await fetchChart({ repository: chart.repo, name: chart.name, version: chart.version!, requestedBy: chart.entry }, options.charts ?? {});
    const what = `${chart.entry}: chart ${chart.name} ${fetched.version}`;
    const checked = checkChartArchive(await readFile(fetched.archive), what);
    if (checked.name !== chart.name) throw new ValidationError(`${what}: the archive holds chart ${JSON.stringify(checked.name)}, not ${JSON.stringify(chart.name)}`);
    const unpacked = path.join(work, String(i));
    await mkdir(unpacked, { recursive: true, mode: 0o700 });
    const folder = await extractChart(checked, unpacked);
    // no links can be in it (refused), but its values schemas are checked as a repo chart's are
    const scratch = path.join(work, `${i}-checked`);
    await mkdir(scratch, { recursive: true, mode: 0o700 });
    await prepareChart({ repoDir: unpacked, chartDir: folder, chartPath: `${chart.entry}: chart ${chart.name} ${fetched.version}`, target: scratch });
    await rm(target, { recursive: true, force: true });
    await mkdir(path.dirname(target), { recursive: true });
    await cp(folder, target, { recursive: true });
    await assembleDependencies(target, what, undefined, true, { subject: chart.entry, ...dependencyOptions(options) });
  }
}

function dependencyOptions(options: RenderOptions): Pick<DependencyOptions, 'charts' | 'onVersionRange'> {
  return { ...(options.charts ? { charts: options.charts } : {}), ...(options.onVersionRange ? { onVersionRange: options.onVersionRange } : {}) };
}

/**
 * The folders above a chart in the copy must be folders, not symlinks: the chart is written there,
 * and a link (kept as it is in the copy) could lead the write back into the checkout or elsewhere.
 */
async function refuseLinkedFolders(copy: string, parts: readonly string[], chart: KustomizeHelmChart): Promise<void> {
  for (let i = 1; i <= parts.length; i++) {
    const stats = await lstat(path.join(copy, ...parts.slice(0, i))).catch(() => undefined);
    if (stats === undefined) return;
    if (stats.isSymbolicLink()) {
      throw new ValidationError(`${chart.entry} (chart ${chart.name}): ${parts.slice(0, i).join('/')} is a symlink: capstan puts the chart there, so chartHome and the folders below it must be real folders of the repo`);
    }
  }
}

/** What kustomize needs to inflate `helmCharts`: the helm it runs, and the cluster's capabilities when known. */
interface KustomizeHelm extends Partial<ClusterCapabilities> {
  helmBinary: string;
}

/** Runs kustomize on `dir` of `root` (already checked), isolated as `renderKustomize` says; with `helm`, Helm charts are enabled. */
export async function runKustomize(root: string, dir: string, options: RenderOptions, shown = dir || '.', helm?: KustomizeHelm): Promise<RenderedObject[]> {
  const command = kustomizeCommand(options);
  const notFound = (cause?: unknown): ValidationError =>
    new ValidationError(`cannot render ${shown} with kustomize: "${command.file}" was not found: install kubectl (or kustomize), or set CAPSTAN_KUSTOMIZE to a kustomize binary`, { cause });
  // found with the caller's PATH, else the kubectl capstan up provided; it runs with no PATH (see toolEnvironment)
  const file = findExecutable(command.file, (options.env ?? process.env).PATH ?? '') ?? (command.file === 'kubectl' ? findExecutable(providedKubectl, '') : undefined);
  if (!file) throw notFound();
  const target = path.join(root, ...(dir ? dir.split('/') : []));
  // No --enable-alpha-plugins, --enable-exec or --load-restrictor: the defaults keep kustomize to
  // builtin transformers and to files below each kustomization root. --enable-helm only for a
  // kustomization with helmCharts, run from a copy where every chart is local and checked, with a
  // helm that is as isolated as kustomize itself (it is kustomize's child).
  const helmArgs: string[] = [];
  if (helm) {
    helmArgs.push('--enable-helm', '--helm-command', helm.helmBinary);
    if (helm.kubeVersion !== undefined) helmArgs.push('--helm-kube-version', helm.kubeVersion);
    for (const apiVersion of helm.apiVersions ?? []) helmArgs.push('--helm-api-versions', apiVersion);
  }
  const run = await isolatedCommand(file, [command.subcommand, ...helmArgs, target]);
  const work = await mkdtemp(path.join(options.tempDir ?? os.tmpdir(), 'capstan-kustomize-home-'));
  try {
    return await new Promise<RenderedObject[]>((resolve, reject) => {
      execFile(
        run.file,
        run.args,
        { cwd: root, env: toolEnvironment(work), timeout: options.timeoutMs ?? 60_000, killSignal: 'SIGKILL', maxBuffer: 256 * 1024 * 1024, windowsHide: true },
        (error, out, err) => {
          if (!error) {
            try {
              return resolve(parseOutput(out, shown));
            } catch (problem) {
              return reject(problem as Error);
            }
          }
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') return reject(notFound(error));
          if ((error as { killed?: boolean }).killed) {
            return reject(new ValidationError(`kustomize build of ${shown} did not finish within ${Math.round((options.timeoutMs ?? 60_000) / 1000)} s`, { cause: error }));
          }
          const detail = cleanStderr(String(err), root) || error.message;
          reject(new ValidationError(`kustomize build of ${shown} failed: ${detail}`, { cause: error }));
        },
      );
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function parseOutput(stdout: string, shown: string): RenderedObject[] {
  const parsed = parseManifests(stdout, `${shown}: kustomize output`);
  throwProblems(parsed.problems, shown);
  return parsed.objects;
}

/**
 * kustomize's stderr, readable: klog framing (`E1201 09:15:59.227 123 run.go:72] "command failed"
 * err="…"`) and a leading `error: ` removed, and the checkout's absolute path made repo-relative.
 */
export function cleanStderr(stderr: string, root: string): string {
  let text = stderr
    .trim()
    .split('\n')
    .map((line) => {
      let rest = line.replace(/^[EWIF]\d{4} [\d:.]+\s+\d+ [\w.-]+:\d+\] /, '');
      const quoted = /^"command failed" err=("(?:[^"\\]|\\.)*")$/.exec(rest);
      if (quoted) {
        try {
          rest = JSON.parse(quoted[1]) as string;
        } catch {
          // keep it as printed
        }
      }
      return rest.replace(/^error: /, '');
    })
    .join('\n');
  for (const prefix of [`${root}${path.sep}`, root]) text = text.split(prefix).join(prefix === root ? '.' : '');
  return text.length > 4000 ? `${text.slice(0, 4000)}…` : text;
}
