// Bundles the CLI into dist/cli/capstan.mjs with esbuild (installed with tsx), so that `capstan`
// starts in ~0.2 s instead of ~1.7 s of transpiling and resolving hundreds of modules. The bundle
// is split into chunks along the CLI's dynamic imports (one per command), so a command compiles
// only the code it runs: `capstan apply` never parses fastify or the sandbox.
// bin/capstan.js uses the bundle only while it is newer than every source file it was built from
// (listed in dist/cli/sources.json); otherwise it runs the TypeScript sources through tsx, so an
// edit is never shadowed by a stale bundle.
import { build } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Two modules client-node pulls in and capstan never runs, left out of the bundle: the generated
 * API clients its KubeConfig imports for makeApiClient() alone (scripts/client-node-gen.mjs), and
 * node-fetch's whatwg-url, which it does not use on Node 20 (scripts/whatwg-url.mjs). Together they
 * were two thirds of what `capstan apply` compiled at start.
 */
const leaveOutUnused = {
  name: 'leave-out-unused',
  setup(build) {
    const from = (importer, ...parts) => importer.includes(path.join('node_modules', ...parts) + path.sep);
    build.onResolve({ filter: /^\.\/gen\/index\.js$/ }, (args) =>
      from(args.importer, '@kubernetes', 'client-node', 'dist') && path.basename(args.importer) === 'config.js' ? { path: path.join(root, 'scripts', 'client-node-gen.mjs') } : undefined,
    );
    build.onResolve({ filter: /^whatwg-url$/ }, (args) => (from(args.importer, 'node-fetch') ? { path: path.join(root, 'scripts', 'whatwg-url.mjs') } : undefined));
  },
};

const started = Date.now();
rmSync(path.join(root, 'dist', 'cli'), { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  metafile: true,
  entryPoints: [path.join(root, 'src', 'cli', 'main.ts')],
  outdir: path.join(root, 'dist', 'cli'),
  entryNames: 'capstan',
  chunkNames: '[name]-[hash]', // beside capstan.mjs: code that finds files relative to itself sits two levels below the root, as in src/
  splitting: true,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  plugins: [leaveOutUnused],
  // CommonJS dependencies bundled into an ES module still call require() for Node's built-ins.
  banner: { js: "import { createRequire as __capstanRequire } from 'node:module'; const require = __capstanRequire(import.meta.url);" },
});
// The sources the bundle was made from, for bin/capstan.js to tell whether it is still fresh
// without walking src/ and packages/ (a stat per file it lists instead of every .ts file, tests
// included); the sandbox's, packages/sandbox/src, are reached through node_modules/@capstan/sandbox.
const sources = Object.keys(result.metafile.inputs).filter((input) => input.startsWith('src/') || input.startsWith('packages/'));
writeFileSync(path.join(root, 'dist', 'cli', 'sources.json'), JSON.stringify(sources));
console.log(`built dist/cli/capstan.mjs in ${Date.now() - started} ms`);

// The web UI (dist/ui), served by the agent at /.
const { buildUi } = await import('./build-ui.mjs');
await buildUi();
