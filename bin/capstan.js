#!/usr/bin/env node
// Runs the CLI in this same process, so signals reach it directly and a killed `capstan` never
// leaves a child behind: the esbuild bundle (dist/cli/capstan.mjs, `npm run build`) when it is
// newer than every source file it was built from, else the TypeScript sources through tsx's
// in-process loader.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundle = path.join(root, 'dist', 'cli', 'capstan.mjs');

/** Whether the bundle is newer than every source it was built from (scripts/build.mjs lists them in sources.json). */
function bundleIsFresh() {
  try {
    const built = statSync(bundle).mtimeMs;
    const sources = JSON.parse(readFileSync(path.join(root, 'dist', 'cli', 'sources.json'), 'utf8'));
    // a source edited since, or gone (a stat that throws), means the sources run instead
    return sources.length > 0 && sources.every((source) => statSync(path.join(root, source)).mtimeMs <= built);
  } catch {
    return false;
  }
}

if (process.env.CAPSTAN_NO_BUNDLE !== '1' && bundleIsFresh()) {
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
