import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ValidationError } from '../core/index.ts';
import { findExecutable, isolatedCommand, toolEnvironment } from './isolate-tool.ts';
import { walkKustomization } from './kustomization-paths.ts';
import { parseManifests } from './parse-manifests.ts';
import { isManifestFile } from './read-manifest-files.ts';
import { throwProblems } from './render-error.ts';
import type { SopsAccess } from './sops-access.ts';
import type { RenderedObject, RenderOptions } from './types.ts';

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
 * remote), then kustomize runs without plugins, exec functions or Helm, with an environment of its
 * own and, where the system allows, without a network (see `isolatedCommand`). When the files it reaches include SOPS
 * files, the repo is copied to a private temp dir, those files are decrypted in the copy, kustomize
 * runs there and the copy is deleted.
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
  if (encrypted.length === 0) return runKustomize(repoDir, dir, options);

  const temp = await mkdtemp(path.join(options.tempDir ?? os.tmpdir(), 'capstan-kustomize-'));
  try {
    const copy = path.join(temp, 'repo');
    await cp(repoDir, copy, { recursive: true, verbatimSymlinks: true, filter: (src) => path.basename(src) !== '.git' });
    for (const { file, text } of encrypted) {
      const target = path.join(copy, ...file.split('/'));
      await rm(target, { force: true }); // may be a symlink to another file of the copy
      await writeFile(target, await sops.decrypt(text, file), { mode: 0o600 });
    }
    return await runKustomize(copy, dir, options, shown);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** Runs kustomize on `dir` of `root` (already checked), isolated as `renderKustomize` says. */
export async function runKustomize(root: string, dir: string, options: RenderOptions, shown = dir || '.'): Promise<RenderedObject[]> {
  const command = kustomizeCommand(options);
  const notFound = (cause?: unknown): ValidationError =>
    new ValidationError(`cannot render ${shown} with kustomize: "${command.file}" was not found: install kubectl (or kustomize), or set CAPSTAN_KUSTOMIZE to a kustomize binary`, { cause });
  // found with the caller's PATH, else the kubectl capstan up provided; it runs with no PATH (see toolEnvironment)
  const file = findExecutable(command.file, (options.env ?? process.env).PATH ?? '') ?? (command.file === 'kubectl' ? findExecutable(providedKubectl, '') : undefined);
  if (!file) throw notFound();
  const target = path.join(root, ...(dir ? dir.split('/') : []));
  // No --enable-alpha-plugins, --enable-exec, --enable-helm or --load-restrictor: the defaults
  // keep kustomize to builtin transformers and to files below each kustomization root.
  const run = await isolatedCommand(file, [command.subcommand, target]);
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
