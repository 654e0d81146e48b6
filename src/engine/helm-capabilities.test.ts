// helm template through the engine gets the target cluster's version and API versions (as Argo CD
// passes them), read from the client's cached /version and discovery: no request per render, and a
// kept render is used again only while the cluster still has the version and APIs it was made for.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startSandbox } from '@capstan/sandbox';
import { createKubeClient, type HttpKubeClient } from '../kube/index.ts';
import { findHelm } from '../render/index.ts';
import { GitCache } from '../source/index.ts';
import { makeRepo, tempDir } from '../source/testing.ts';
import { Engine, type RenderResult } from './engine.ts';

const chartDir = fileURLToPath(new URL('../render/testdata/capabilities-chart', import.meta.url));

/** The files of a directory, by path relative to it. */
function filesOf(dir: string, prefix: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) Object.assign(files, filesOf(full, `${prefix}${name}/`));
    else files[`${prefix}${name}`] = readFileSync(full, 'utf8');
  }
  return files;
}

const project = `apiVersion: capstan.dev/v1alpha1
kind: Project
environments:
  - name: dev
apps:
  - { name: monitoring, source: charts/capabilities, namespace: mon }
  - { name: other, source: charts/capabilities, namespace: other }
  - { name: kustomized, source: apps/kustomized, namespace: kustomized }
`;
const kustomization = 'helmCharts:\n  - { name: capabilities, releaseName: kustomized }\n';

const serviceMonitorCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'servicemonitors.monitoring.coreos.com' },
  spec: {
    group: 'monitoring.coreos.com',
    names: { kind: 'ServiceMonitor', listKind: 'ServiceMonitorList', plural: 'servicemonitors', singular: 'servicemonitor' },
    scope: 'Namespaced',
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
};

const reported = (result: RenderResult): Record<string, string> => result.objects.find((o) => o.manifest.kind === 'ConfigMap')!.manifest.data as Record<string, string>;
const kinds = (result: RenderResult): string[] => result.objects.map((o) => o.manifest.kind).sort();
const requests = (client: HttpKubeClient): number => Object.values(client.stats().requests).reduce((a, b) => a + b, 0);

test("a chart renders against the target cluster's version and APIs; a cluster that gains a CRD or a new version renders it anew", { skip: (await findHelm()) === undefined && 'helm is not installed (node scripts/setup-tools.mjs)' }, async (t) => {
  const gke = await startSandbox({ port: 0, token: 'capabilities', version: 'v1.29.3-gke.1282001' });
  const upgraded = await startSandbox({ port: 0, token: 'capabilities', version: 'v1.30.1' });
  const client = await createKubeClient({ kubeconfig: gke.kubeconfig });
  const upgradedClient = await createKubeClient({ kubeconfig: upgraded.kubeconfig });
  t.after(async () => {
    client.close();
    upgradedClient.close();
    await gke.stop();
    await upgraded.stop();
  });
  const { dir } = await makeRepo({ 'capstan.yaml': project, ...filesOf(chartDir, 'charts/capabilities/'), ...filesOf(chartDir, 'apps/kustomized/charts/capabilities/'), 'apps/kustomized/kustomization.yaml': kustomization });
  const engine = new Engine({ git: new GitCache({ dir: tempDir() }), clientFor: async () => client, helmBinary: await findHelm() });
  const checkout = await engine.open({ url: dir });

  const first = await engine.render(checkout, 'monitoring', 'dev', client);
  assert.deepEqual(reported(first), { kubeVersion: 'v1.29.3', serviceMonitor: 'false', monitoringGroup: 'false', recent: 'true' }, "the cluster's version without its -gke suffix");
  assert.deepEqual(kinds(first), ['ConfigMap', 'CustomResourceDefinition']);

  // cached discovery and /version: neither the same render again nor another chart's costs a request
  const before = requests(client);
  assert.equal(await engine.render(checkout, 'monitoring', 'dev', client), first, 'kept: the cluster has not changed');
  await engine.render(checkout, 'other', 'dev', client);
  assert.equal(requests(client) - before, 0, JSON.stringify(client.stats().requests));

  // the cluster gains the ServiceMonitor CRD (apply forgets discovery after applying CRDs, as here)
  await client.apply(serviceMonitorCrd);
  client.invalidateDiscovery();
  const withCrd = await engine.render(checkout, 'monitoring', 'dev', client);
  assert.deepEqual(reported(withCrd), { kubeVersion: 'v1.29.3', serviceMonitor: 'true', monitoringGroup: 'true', recent: 'true' });
  assert.deepEqual(kinds(withCrd), ['ConfigMap', 'CustomResourceDefinition', 'ServiceMonitor']);
  // kustomize's helmCharts get the same capabilities
  const kustomized = await engine.render(checkout, 'kustomized', 'dev', client);
  assert.deepEqual(reported(kustomized), { kubeVersion: 'v1.29.3', serviceMonitor: 'true', monitoringGroup: 'true', recent: 'true' });
  assert.deepEqual(kinds(kustomized), ['ConfigMap', 'ServiceMonitor'], 'includeCRDs left out, as kustomize does');

  // the same commit against a cluster of another version (an upgrade) is not the kept render
  const onUpgraded = await engine.render(checkout, 'monitoring', 'dev', upgradedClient);
  assert.equal(reported(onUpgraded).kubeVersion, 'v1.30.1');
  assert.equal(reported(onUpgraded).serviceMonitor, 'false');

  // offline (capstan render, validate, diff --offline): helm's defaults
  const offline = await engine.render(checkout, 'monitoring', 'dev');
  assert.equal(reported(offline).serviceMonitor, 'false');
  assert.deepEqual(kinds(offline), ['ConfigMap', 'CustomResourceDefinition']);
});
