import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ValidationError } from '../core/index.ts';
import { walkKustomization } from './kustomization-paths.ts';
import { parseManifests } from './parse-manifests.ts';
import { isManifestFile } from './read-manifest-files.ts';
import { throwProblems } from './render-error.ts';
import type { SopsAccess } from './sops-access.ts';
import type { RenderedObject, RenderOptions } from './types.ts';

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
  const onPath = findOnPath('kustomize', env.PATH ?? '');
  if (onPath) return { file: onPath, subcommand: 'build' };
  return { file: options.kubectlBinary ?? 'kubectl', subcommand: 'kustomize' };
}

function findOnPath(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * A kustomization: the paths it reaches are checked first (nothing outside the repo), then
 * kustomize runs without plugins, exec functions or Helm. When the files it reaches include SOPS
 * files, the repo is copied to a private temp dir, those files are decrypted in the copy, kustomize
 * runs there and the copy is deleted.
 */
export async function renderKustomize(repoDir: string, dir: string, sops: SopsAccess, options: RenderOptions): Promise<RenderedObject[]> {
  const shown = dir || '.';
  const walk = await walkKustomization(repoDir, dir, { allowRemoteBases: options.allowRemoteBases });
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

async function runKustomize(root: string, dir: string, options: RenderOptions, shown = dir || '.'): Promise<RenderedObject[]> {
  const command = kustomizeCommand(options);
  const target = path.join(root, ...(dir ? dir.split('/') : []));
  // No --enable-alpha-plugins, --enable-exec, --enable-helm or --load-restrictor: the defaults
  // keep kustomize to builtin transformers and to files below each kustomization root.
  const args = [command.subcommand, target];
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      command.file,
      args,
      { cwd: root, env: options.env ?? process.env, timeout: options.timeoutMs ?? 60_000, maxBuffer: 256 * 1024 * 1024, windowsHide: true },
      (error, out, err) => {
        if (!error) return resolve(out);
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          return reject(new ValidationError(`cannot render ${shown} with kustomize: "${command.file}" was not found: install kubectl (or kustomize), or set CAPSTAN_KUSTOMIZE to a kustomize binary`, { cause: error }));
        }
        if ((error as { killed?: boolean }).killed) {
          return reject(new ValidationError(`kustomize build of ${shown} did not finish within ${Math.round((options.timeoutMs ?? 60_000) / 1000)} s`, { cause: error }));
        }
        const detail = cleanStderr(String(err), root) || error.message;
        reject(new ValidationError(`kustomize build of ${shown} failed: ${detail}`, { cause: error }));
      },
    );
  });
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
