import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseProject } from '../config/index.ts';
import { importManifests, readManifests } from './index.ts';

const importText = (from: 'argocd' | 'flux', text: string) => {
  const { text: out, warnings } = importManifests(from, readManifests('apps.yaml', text), { repoDir: '/nonexistent' });
  return { out, warnings, project: parseProject(out, 'capstan.yaml') };
};

test('import argocd: a chart from a Helm repository or an OCI registry becomes helm.chart (a range stays a range)', () => {
  const { out, project } = importText(
    'argocd',
    `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: ingress, namespace: argocd }
spec:
  project: default
  source:
    repoURL: https://kubernetes.github.io/ingress-nginx
    chart: ingress-nginx
    targetRevision: 4.11.*
    helm: { releaseName: edge, valueFiles: [values-prod.yaml], values: "controller: { replicaCount: 2 }" }
  destination: { server: https://kubernetes.default.svc, namespace: ingress }
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: redis, namespace: argocd }
spec:
  project: default
  source: { repoURL: registry-1.docker.io/bitnamicharts, chart: redis, targetRevision: 20.1.0 }
  destination: { server: https://kubernetes.default.svc, namespace: redis }
`,
  );
  assert.deepEqual(project.apps.map((a) => [a.name, a.source, a.helm?.chart, a.helm?.releaseName, a.helm?.values]), [
    ['ingress', '.', { repository: 'https://kubernetes.github.io/ingress-nginx', name: 'ingress-nginx', version: '4.11.*' }, 'edge', { controller: { replicaCount: 2 } }],
    ['redis', '.', { repository: 'oci://registry-1.docker.io/bitnamicharts', name: 'redis', version: '20.1.0' }, undefined, {}],
  ]);
  assert.match(out, /# no equivalent: source.helm.valueFiles values-prod.yaml \(a file inside the chart: capstan reads values files from the config repo; copy it there and list it in helm.valuesFiles\)/);
  assert.doesNotMatch(out, /helm pull/);
});

test('import flux: a HelmRelease of a chart from an OCI HelmRepository with credentials becomes helm.chart with credentials from a Secret', () => {
  const { out, project, warnings } = importText(
    'flux',
    `apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: { name: private, namespace: flux-system }
spec: { type: oci, url: oci://ghcr.io/acme/charts, secretRef: { name: ghcr-auth } }
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: { name: api, namespace: flux-system }
spec:
  targetNamespace: api
  chart:
    spec:
      chart: api
      version: ">=1.2.0 <2.0.0"
      sourceRef: { kind: HelmRepository, name: private }
`,
  );
  assert.deepEqual(warnings, []);
  assert.deepEqual(project.apps[0]!.helm?.chart, { repository: 'oci://ghcr.io/acme/charts', name: 'api', version: '>=1.2.0 <2.0.0', credentials: { secret: 'ghcr-auth' } });
  assert.match(out, /# no equivalent: HelmRepository flux-system\/private secretRef ghcr-auth \(capstan reads it as a Secret named ghcr-auth in its own namespace, with the keys username and password: create it there\)/);
});
