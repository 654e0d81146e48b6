import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { findHelm, renderApp, type ClusterCapabilities, type RenderResult } from './index.ts';
import { testApp } from './testing.ts';

// a repo whose only chart is testdata/capabilities-chart: it reports .Capabilities in a ConfigMap,
// renders a ServiceMonitor only where the API exists, and has a CRD in crds/
const repo = fileURLToPath(new URL('testdata', import.meta.url));
const chart = 'capabilities-chart';
const helmBinary = await findHelm();

function configMap(result: RenderResult): Record<string, string> {
  const found = result.objects.find((o) => o.manifest.kind === 'ConfigMap');
  assert.ok(found, 'the chart renders its ConfigMap');
  return found.manifest.data as Record<string, string>;
}
const kinds = (result: RenderResult): string[] => result.objects.map((o) => o.manifest.kind).sort();

describe('helm template gets the cluster capabilities, the app settings, and skipCRDs', { skip: helmBinary === undefined && 'helm is not installed (node scripts/setup-tools.mjs)' }, () => {
  const cluster: ClusterCapabilities = { kubeVersion: 'v1.29.3', apiVersions: ['monitoring.coreos.com/v1', 'monitoring.coreos.com/v1/ServiceMonitor', 'v1', 'v1/ConfigMap'] };

  it("without a cluster, helm's defaults: no ServiceMonitor API, helm's own kube version; the crds/ folder is rendered", async () => {
    const result = await renderApp(repo, testApp(chart), { helm: { helmBinary } });
    assert.equal(configMap(result).serviceMonitor, 'false');
    assert.match(configMap(result).kubeVersion!, /^v1\.\d+\.\d+$/);
    assert.deepEqual(kinds(result), ['ConfigMap', 'CustomResourceDefinition']);
  });

  it("with a cluster, its version and API versions (asked once), so what the chart checks for is rendered", async () => {
    let asked = 0;
    const result = await renderApp(repo, testApp(chart), { helm: { helmBinary }, capabilities: async () => (asked++, cluster) });
    assert.equal(asked, 1);
    assert.deepEqual(configMap(result), { kubeVersion: 'v1.29.3', serviceMonitor: 'true', monitoringGroup: 'true', recent: 'true' });
    assert.deepEqual(kinds(result), ['ConfigMap', 'CustomResourceDefinition', 'ServiceMonitor']);
  });

  it("the app's helm.kubeVersion and apiVersions win over the cluster's (the cluster is not asked when both are set)", async () => {
    let asked = 0;
    const capabilities = async (): Promise<ClusterCapabilities> => (asked++, cluster);
    const both = testApp(chart, { helm: { releaseName: 'web', valuesFiles: [], values: {}, kubeVersion: 'v1.27.1', apiVersions: ['example.com/v1'] } });
    const result = await renderApp(repo, both, { helm: { helmBinary }, capabilities });
    assert.equal(asked, 0);
    assert.deepEqual(configMap(result), { kubeVersion: 'v1.27.1', serviceMonitor: 'false', monitoringGroup: 'false' });

    const versionOnly = testApp(chart, { helm: { releaseName: 'web', valuesFiles: [], values: {}, kubeVersion: '1.28' } });
    const mixed = await renderApp(repo, versionOnly, { helm: { helmBinary }, capabilities });
    assert.equal(asked, 1, 'the API versions still come from the cluster');
    assert.deepEqual(configMap(mixed), { kubeVersion: 'v1.28.0', serviceMonitor: 'true', monitoringGroup: 'true' });
  });

  it('skipCRDs: true leaves the chart\'s crds/ folder out', async () => {
    const skipping = testApp(chart, { helm: { releaseName: 'web', valuesFiles: [], values: {}, skipCRDs: true } });
    const result = await renderApp(repo, skipping, { helm: { helmBinary }, capabilities: async () => cluster });
    assert.deepEqual(kinds(result), ['ConfigMap', 'ServiceMonitor']);
  });
});
