// Runs the benchmarks under bench/ (all, or the ones named: `npm run bench -- sandbox`).
import { readdirSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const names = process.argv.slice(2).length ? process.argv.slice(2) : readdirSync('bench').filter((n) => existsSync(path.join('bench', n, 'run.ts')));
for (const name of names) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join('bench', name, 'run.ts')], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
