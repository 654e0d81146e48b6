import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { exampleAgeKeyFile, exampleRepo } from '../engine/testing.ts';
import { GitCache } from '../source/index.ts';
import { renderCache } from './engine-options.ts';

const run = promisify(execFile);
const bundle = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli', 'capstan.mjs');

test('the bundled CLI keeps a commit render in the cache directory, unless CAPSTAN_RENDER_CACHE=0, and never one with SOPS secrets', { skip: !existsSync(bundle) && 'no bundle: npm run build' }, async () => {
  const repo = await exampleRepo();
  const render = async (cacheDir: string, extra: Record<string, string> = {}, app = 'api') => {
    const env = { ...process.env, CAPSTAN_CACHE_DIR: cacheDir, SOPS_AGE_KEY_FILE: exampleAgeKeyFile, ...extra };
    const { stdout } = await run(process.execPath, [bundle, 'render', app, '--env', 'dev', '--revision', 'HEAD'], { cwd: repo.dir, env });
    return stdout;
  };
  const cacheDir = mkdtempSync(path.join(tmpdir(), 'capstan-cli-cache-'));
  const first = await render(cacheDir);
  assert.equal(readdirSync(path.join(cacheDir, 'renders')).filter((name) => name.endsWith('.json')).length, 1);
  assert.equal(await render(cacheDir), first, 'the same manifests from the cache');

  const off = mkdtempSync(path.join(tmpdir(), 'capstan-cli-cache-'));
  assert.equal(await render(off, { CAPSTAN_RENDER_CACHE: '0' }), first);
  assert.equal(existsSync(path.join(off, 'renders')), false);

  // web holds a SOPS-encrypted Secret: rendered (decrypted) every time, never written down
  const secrets = mkdtempSync(path.join(tmpdir(), 'capstan-cli-cache-'));
  assert.match(await render(secrets, {}, 'web'), /kind: Secret/);
  assert.equal(existsSync(path.join(secrets, 'renders')), false);
});

test('capstan run from its sources keeps no renders: an edit of the render code would not change the key', () => {
  assert.equal(renderCache(new GitCache({ dir: mkdtempSync(path.join(tmpdir(), 'capstan-cli-cache-')) })), undefined);
});
