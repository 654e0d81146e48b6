// Helpers for engine and CLI tests: the example config repo in a real git repository, a sandbox
// cluster over HTTPS, and an Engine wired to both through the same client code as a real cluster.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKubeClient, type KubeClient } from '../kube/index.ts';
import { startSandbox, type Sandbox } from '@capstan/sandbox';
import { loadSopsKeys } from '../render/index.ts';
import { GitCache } from '../source/index.ts';
import { commit, git, type FileSpec } from '../source/testing.ts';
import { Engine, type EngineOptions } from './engine.ts';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const examplesDir = path.join(root, 'examples');
/** The age key the example repo's SOPS Secret is encrypted to (a demo key, kept outside the repo). */
export const exampleAgeKeyFile = path.join(root, 'demo-keys', 'example-age.key');

export interface ExampleRepo {
  dir: string;
  /** Writes files (null deletes), commits them, returns the commit SHA. */
  commit(files: Record<string, FileSpec>, message?: string): Promise<string>;
  read(file: string): string;
}

/** A fresh git repository holding a copy of examples/ as its first commit. */
export async function exampleRepo(): Promise<ExampleRepo> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'capstan-example-repo-'));
  cpSync(examplesDir, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}.unencrypted`) });
  await git(dir, 'init', '--quiet');
  await commit(dir, {}, 'initial');
  return {
    dir,
    commit: (files, message) => commit(dir, files, message),
    read: (file) => readFileSync(path.join(dir, file), 'utf8'),
  };
}

export interface EngineFixture {
  sandbox: Sandbox;
  kubeconfigPath: string;
  client: KubeClient;
  engine: Engine;
  cacheDir: string;
  /**
   * Writes (applies and deletes that are not dry-runs) the engine has sent so far. The sandbox's
   * own controllers keep writing after a sync, so its store's count cannot say what the engine wrote.
   */
  engineWrites(): number;
  stop(): Promise<void>;
}

/** A sandbox, a client for it, and an Engine with its own git cache. */
export async function startEngineFixture(options: Partial<EngineOptions> = {}): Promise<EngineFixture> {
  const sandbox = await startSandbox({ port: 0, token: 'engine-test', podReadyDelayMs: 30 });
  const work = mkdtempSync(path.join(os.tmpdir(), 'capstan-engine-'));
  const kubeconfigPath = path.join(work, 'kubeconfig');
  writeFileSync(kubeconfigPath, sandbox.kubeconfig);
  const client = await createKubeClient({ kubeconfig: sandbox.kubeconfig });
  const cacheDir = path.join(work, 'cache');
  let writes = 0;
  const counted: KubeClient = Object.create(client);
  counted.apply = async (manifest, applyOptions) => {
    if (!applyOptions?.dryRun) writes++;
    return client.apply(manifest, applyOptions);
  };
  counted.delete = async (apiVersion, key, deleteOptions) => {
    if (!deleteOptions?.dryRun) writes++;
    return client.delete(apiVersion, key, deleteOptions);
  };
  const engine = new Engine({
    git: new GitCache({ dir: cacheDir }),
    clientFor: async () => counted,
    sopsKeys: await loadSopsKeys({}, { keyFiles: [exampleAgeKeyFile] }),
    who: 'test-user',
    ...options,
  });
  return {
    sandbox,
    kubeconfigPath,
    client,
    engine,
    cacheDir,
    engineWrites: () => writes,
    async stop() {
      client.close();
      await sandbox.stop();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
