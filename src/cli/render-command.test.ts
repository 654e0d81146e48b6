// `capstan render`: -o takes a format only (a typo used to become a folder holding decrypted
// Secrets); a snapshot goes only to the folder --output-dir names, Secret values masked unless
// --show-secrets.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { exampleAgeKeyFile, exampleRepo, type ExampleRepo } from '../engine/testing.ts';

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'capstan.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('capstan render', () => {
  let repo: ExampleRepo;
  let work: string;

  function capstan(args: string[]): Promise<Run> {
    const env = { ...process.env, CAPSTAN_CACHE_DIR: path.join(work, 'cache'), SOPS_AGE_KEY_FILE: exampleAgeKeyFile };
    return new Promise((resolve) => {
      execFile(process.execPath, [bin, ...args], { cwd: repo.dir, env }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  before(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'capstan-render-'));
    repo = await exampleRepo();
  });
  after(() => {
    rmSync(work, { recursive: true, force: true });
    rmSync(repo.dir, { recursive: true, force: true });
  });

  test('an unknown -o format is an error naming the formats, and writes nothing', async () => {
    const result = await capstan(['render', 'web', '--env', 'dev', '-o', 'yml']);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.equal(
      result.stderr.split('\n')[0],
      `error: option '-o, --output <format>' argument 'yml' is invalid. "yml" is not an output format: use yaml or json (a release snapshot is written with --output-dir <dir>) (capstan render --help lists the options)`,
    );
    assert.equal(existsSync(path.join(repo.dir, 'yml')), false);
  });

  test('--output-dir writes a snapshot with Secret values masked, and says so', async () => {
    const out = path.join(work, 'masked');
    const result = await capstan(['render', 'web', '--env', 'dev', '--output-dir', out]);
    assert.deepEqual(result, { code: 0, stdout: '', stderr: `wrote 5 objects to ${out} (Secret values masked: pass --show-secrets to write them)\n` });
    assert.deepEqual(readdirSync(path.join(out, 'web')).sort(), ['configmap-web-config.yaml', 'deployment.apps-web.yaml', 'secret-web-credentials.yaml', 'service-web.yaml']);
    const secret = readFileSync(path.join(out, 'web', 'secret-web-credentials.yaml'), 'utf8');
    assert.doesNotMatch(secret, /example-password-not-real/);
    assert.match(secret, /^ {2}password: \+{8}$/m);
  });

  test('--output-dir with --show-secrets writes the values', async () => {
    const out = path.join(work, 'shown');
    const result = await capstan(['render', 'web', '--env', 'dev', '--output-dir', out, '--show-secrets']);
    assert.deepEqual(result, { code: 0, stdout: '', stderr: `wrote 5 objects to ${out}\n` });
    assert.match(readFileSync(path.join(out, 'web', 'secret-web-credentials.yaml'), 'utf8'), /^ {2}password: example-password-not-real$/m);
  });

  test('-o and --output-dir together are a usage error', async () => {
    const out = path.join(work, 'both');
    const result = await capstan(['render', 'web', '--env', 'dev', '-o', 'json', '--output-dir', out]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr.split('\n')[0], `error: option '--output-dir <dir>' cannot be used with option '-o, --output <format>' (capstan render --help lists the options)`);
    assert.equal(existsSync(out), false);
  });
});
