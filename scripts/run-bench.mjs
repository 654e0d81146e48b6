// Runs the benchmarks under bench/ (all, or the ones named: `npm run bench -- sandbox`).
import { readdirSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

// the benchmarks run capstan as users do, from its bundle: build it first, or bin/capstan.js would
// fall back to the TypeScript sources (through tsx) whenever a source is newer than the bundle
const build = spawnSync(process.execPath, [path.join('scripts', 'build.mjs')], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const names = process.argv.slice(2).length ? process.argv.slice(2) : readdirSync('bench').filter((n) => existsSync(path.join('bench', n, 'run.ts')));
for (const name of names) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join('bench', name, 'run.ts')], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
