// Builds the web UI into dist/ui (index.html + hashed assets), served by the agent at /: first the
// API types from openapi.json (scripts/gen-ui-api.mjs), then `vite build` of ui/. Run by scripts/build.mjs.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function buildUi() {
  const started = Date.now();
  const gen = spawnSync(process.execPath, [path.join(root, 'scripts', 'gen-ui-api.mjs')], { stdio: 'inherit' });
  if (gen.status !== 0) throw new Error('scripts/gen-ui-api.mjs failed');
  const { build } = await import('vite');
  await build({ configFile: path.join(root, 'ui', 'vite.config.ts'), logLevel: 'warn' });
  console.log(`built dist/ui in ${Date.now() - started} ms`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await buildUi();
