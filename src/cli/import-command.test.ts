// capstan import: Argo CD and Flux manifests shaped like the public example repos (an app-of-apps
// child with a chart, ApplicationSets with list and git directories generators, a Flux monorepo's
// Kustomizations, a HelmRelease from a HelmRepository) read as capstan.yaml, compared with the
// expected files in testdata/import/, and each output loaded by capstan's own config parser.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { parseProject } from '../config/index.ts';
import { importManifests, readManifests, type ImportFrom } from '../import/index.ts';
import { runCapstan, type Run } from './cli-testing.ts';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata', 'import');
const repoDir = path.join(testdata, 'repo');

function imported(from: ImportFrom, ...files: string[]): { text: string; warnings: string[] } {
  const manifests = files.flatMap((file) => readManifests(file, readFileSync(path.join(testdata, file), 'utf8')));
  return importManifests(from, manifests, { repoDir });
}

/** The output equals testdata/import/<name>.capstan.yaml (CAPSTAN_UPDATE_GOLDEN=1 writes it) and is a project capstan loads. */
function assertExpected(name: string, text: string): void {
  const file = path.join(testdata, `${name}.capstan.yaml`);
  if (process.env.CAPSTAN_UPDATE_GOLDEN === '1') writeFileSync(file, text);
  assert.equal(text, readFileSync(file, 'utf8'));
  parseProject(text, `${name}.capstan.yaml`, { directories });
}

/** The folders of testdata/import/repo, as loadProject lists them for a directories generator. */
const directories = new Map([['apps/*', ['apps/backend', 'apps/frontend', 'apps/legacy']]]);

/** `capstan import …` run in testdata/import, from the sources. */
function run(args: string[]): Promise<Run> {
  return runCapstan(['import', ...args], { cwd: testdata, env: { ...process.env, CAPSTAN_NO_BUNDLE: '1' } });
}

describe('capstan import argocd', () => {
  test('an Application with a chart in the repo: values files, values and parameters, sync policy, retry, CreateNamespace, ignoreDifferences', () => {
    const { text, warnings } = imported('argocd', 'argocd-helm-application.yaml');
    assertExpected('argocd-helm-application', text);
    assert.deepEqual(warnings, ['argocd-helm-application.yaml:58: AppProject platform skipped: capstan import argocd reads Application and ApplicationSet (argoproj.io)']);
  });

  test('ApplicationSets: a list generator and a matrix give one app per element and cluster, a git directories generator and a list for one cluster become generators of capstan.yaml, a clusters generator a comment', () => {
    const { text, warnings } = imported('argocd', 'argocd-applicationset.yaml');
    assertExpected('argocd-applicationset', text);
    assert.deepEqual(warnings, []);
  });
});

describe('capstan import flux', () => {
  test('Kustomizations with dependsOn, patches, substitutions and decryption; the GitRepository is the config repo; an Alert is skipped', () => {
    const { text, warnings } = imported('flux', 'flux-kustomization.yaml');
    assertExpected('flux-kustomization', text);
    assert.deepEqual(warnings, ['flux-kustomization.yaml:74: Alert on-call skipped: capstan import flux reads Kustomization (kustomize.toolkit.fluxcd.io) and HelmRelease (helm.toolkit.fluxcd.io)']);
  });

  test('a HelmRelease of a chart from a HelmRepository: helm.chart (fetched by capstan), values, release name, drift detection, a dependency not imported', () => {
    const { text, warnings } = imported('flux', 'flux-helmrelease.yaml');
    assertExpected('flux-helmrelease', text);
    assert.deepEqual(warnings, []);
  });
});

describe('the command', () => {
  test('prints the project on stdout and each skipped kind on stderr, naming the file, the line and the kind', async () => {
    const argo = await run(['argocd', 'argocd-helm-application.yaml', 'argocd-applicationset.yaml', '--repo', 'repo']);
    assert.equal(argo.code, 0, argo.stderr);
    assert.equal(argo.stderr, 'warning: argocd-helm-application.yaml:58: AppProject platform skipped: capstan import argocd reads Application and ApplicationSet (argoproj.io)\n');
    assert.deepEqual(parseProject(argo.stdout, 'capstan.yaml', { directories }).apps.map((a) => a.name), ['podinfo', 'staging-guestbook', 'production-guestbook', 'backend-staging', 'frontend-staging', 'backend', 'frontend', 'team-payments', 'team-search']);
    const flux = await run(['flux', 'flux-kustomization.yaml', 'flux-helmrelease.yaml']);
    assert.equal(flux.code, 0, flux.stderr);
    assert.match(flux.stderr, /^warning: flux-kustomization.yaml:74: Alert on-call skipped: /);
    assert.deepEqual(parseProject(flux.stdout).apps.map((a) => a.name), ['infra-controllers', 'apps', 'ingress-nginx']);
  });

  test('a file that is not YAML is an error naming the file and the line; a missing file names the file', async () => {
    assert.throws(() => readManifests('broken.yaml', 'apiVersion: v1\n---\nmetadata:\n  name: a\n name: b\n'), { message: 'broken.yaml:5:1: not valid YAML: All mapping items must start at the same column' });
    assert.throws(() => readManifests('list.yaml', '- a\n- b\n'), { message: 'list.yaml:1: a document must be a Kubernetes object (a mapping with apiVersion and kind), got a list' });
    const missing = await run(['argocd', 'missing.yaml']);
    assert.deepEqual([missing.code, missing.stdout, missing.stderr], [1, '', 'error: cannot read missing.yaml: no such file\n']);
  });
});
