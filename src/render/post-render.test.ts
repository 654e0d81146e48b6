import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadProject, resolveApp } from '../config/index.ts';
import { renderApp, type ReadVariables } from './index.ts';
import { substituteVariables } from './post-render.ts';
import { fixtureRepo, keys, testApp } from './testing.ts';

const repo = fixtureRepo('flux-kustomization');
const secretValue = 's3cr3t-Value';

/** The target cluster's ConfigMaps and Secrets, as `substituteFrom` reads them; records what was read. */
function cluster(reads: string[] = []): ReadVariables {
  const data: Record<string, Record<string, string>> = {
    'ConfigMap/podinfo/cluster-vars': { cluster_env: 'from-cluster', log_level: 'debug', replicas: '9' },
    'Secret/podinfo/cluster-secrets': { db_password: secretValue },
  };
  return async ({ kind, namespace, name }) => {
    reads.push(`${kind}/${namespace}/${name}`);
    return data[`${kind}/${namespace}/${name}`];
  };
}

type Container = { name: string; env?: Array<{ name: string; value: string }>; resources?: unknown };

describe('Flux Kustomization options on an app', () => {
  it('a Flux-shaped repo: patches (strategic merge and JSON 6902 with targets), targetNamespace, then substitutions from capstan.yaml and the cluster', async () => {
    const project = await loadProject(repo);
    const app = resolveApp(project, 'podinfo', 'staging');
    assert.equal(app.namespace, 'podinfo', 'targetNamespace is the app\'s namespace');
    assert.equal(app.syncOptions.timeoutMs, 120_000);
    assert.deepEqual(app.syncOptions.retry, { limit: 5, backoffMs: 30_000, maxBackoffMs: 30_000 });
    const reads: string[] = [];
    const result = await renderApp(repo, app, { readVariables: cluster(reads) });
    assert.deepEqual(reads, ['ConfigMap/podinfo/cluster-vars', 'Secret/podinfo/cluster-secrets', 'ConfigMap/podinfo/not-there']);
    assert.deepEqual(keys(result.objects), ['ConfigMap/podinfo/settings', 'Secret/podinfo/db', 'Service/podinfo/podinfo', 'Deployment/podinfo/podinfo']);
    assert.equal(result.decrypted, true, 'a render holding a Secret\'s value is not cached');

    const deployment = result.objects[3].manifest;
    assert.equal(deployment.metadata.namespace, 'podinfo', 'targetNamespace sets the namespace');
    assert.equal(result.objects[2].manifest.metadata.namespace, 'podinfo', 'targetNamespace replaces the namespace written');
    assert.equal(deployment.metadata.annotations?.['example.com/tier'], 'frontend', 'a JSON 6902 patch targeted by group, version, kind and a name pattern');
    assert.equal(result.objects[3].source, 'apps/podinfo: kustomize output#3', 'each object keeps where it came from');
    const spec = deployment.spec as { replicas: unknown; template: { spec: { containers: Container[] } } };
    assert.equal(spec.replicas, 3, 'inline substitute wins over substituteFrom, and a number reads back as a number');
    const [podinfod, sidecar] = spec.template.spec.containers;
    assert.deepEqual(podinfod.resources, { limits: { memory: '256Mi' } }, 'the strategic merge patch merged into the container by name');
    assert.equal(sidecar.name, 'sidecar', 'the other container kept');
    assert.deepEqual(Object.fromEntries((podinfod.env ?? []).map((e) => [e.name, e.value])), {
      CLUSTER: 'staging',
      REGION: 'eu-west-1',
      LOG_LEVEL: 'debug',
      TEMPLATE: '${not_a_variable}',
    });
    assert.equal((result.objects[2].manifest.spec as { type: string }).type, 'NodePort', 'a JSON 6902 patch targeted by labelSelector');
    assert.deepEqual(result.objects[0].manifest.data, { raw: '${cluster_env}' }, 'an object with substitute: disabled is left as written');
    assert.deepEqual(result.objects[1].manifest.stringData, { password: secretValue }, 'a Secret\'s value goes into a Secret');
  });

  it('a directory app: substitution with defaults, no cluster needed when nothing is read from it', async () => {
    const project = await loadProject(repo);
    const result = await renderApp(repo, resolveApp(project, 'plain', 'production'));
    assert.deepEqual(keys(result.objects), ['ConfigMap/greeting', 'Namespace/plain']);
    assert.deepEqual(result.objects[0].manifest.data, { text: 'hello, world' });
    assert.equal(result.decrypted, false);
  });

  it('a Secret\'s value is refused in any other object, and never quoted in the error', async () => {
    const app = testApp('apps/plain', { namespace: 'podinfo', postRender: { patches: [], substitute: {}, substituteFrom: [{ kind: 'Secret', name: 'cluster-secrets', optional: false }] } });
    const leaking = cluster();
    const read: ReadVariables = async (from) => ({ ...(await leaking(from)), greeting: secretValue });
    const error = await renderApp(repo, app, { readVariables: read }).catch((e: unknown) => e);
    assert.ok(error instanceof Error);
    assert.equal(
      error.message,
      'app web (environment dev): ConfigMap/greeting (apps/plain/config.yaml) uses ${greeting}, whose value comes from Secret/podinfo/cluster-secrets: a Secret\'s values are substituted only into Secrets, where diffs mask them; move the value to a ConfigMap, or the setting into a Secret',
    );
    assert.ok(!error.message.includes(secretValue));
  });

  it('substituteFrom: a missing source fails unless optional; offline, the sources are skipped as flux build --dry-run does', async () => {
    const app = testApp('apps/plain', { postRender: { patches: [], substitute: {}, substituteFrom: [{ kind: 'ConfigMap', name: 'absent', optional: false }] } });
    await assert.rejects(renderApp(repo, app, { readVariables: async () => undefined }), {
      message: 'app web (environment dev): postBuild.substituteFrom reads ConfigMap/web/absent, which does not exist: create it, or mark it optional: true',
    });
    const offline = await renderApp(repo, app);
    assert.deepEqual(offline.objects.find((o) => o.manifest.kind === 'ConfigMap')?.manifest.data, { text: ', world' });
  });

  it('a patch that matches nothing or cannot apply fails the render, naming the app', async () => {
    const app = testApp('apps/plain', { postRender: { patches: [{ patch: '- { op: replace, path: /data/missing/deep, value: x }\n', target: { kind: 'ConfigMap' } }], substitute: {}, substituteFrom: [] } });
    await assert.rejects(renderApp(repo, app), {
      name: 'ValidationError',
      message: 'app web (environment dev): patches and targetNamespace could not be applied: replace operation does not apply: doc is missing path: /data/missing/deep: missing value',
    });
    const unmatched = testApp('apps/plain', { postRender: { patches: [{ patch: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nope\ndata:\n  a: b\n' }], substitute: {}, substituteFrom: [] } });
    await assert.rejects(renderApp(repo, unmatched), {
      message: 'app web (environment dev): patches and targetNamespace could not be applied: no resource matches strategic merge patch "ConfigMap.v1.[noGrp]/nope.[noNs]": no matches for Id ConfigMap.v1.[noGrp]/nope.[noNs]; failed to find unique target for patch ConfigMap.v1.[noGrp]/nope.[noNs]',
    });
  });

  it('Flux\'s substitution rules', () => {
    const values: Record<string, string> = { set: 'v', empty: '' };
    const run = (text: string): string => substituteVariables(text, (name) => values[name]).text;
    assert.equal(run('${set} ${unset} ${empty}'), 'v  ');
    assert.equal(run('${unset:=d} ${empty:=d} ${empty=d} ${unset-d} ${empty:-d} ${set:=d}'), 'd d  d d v');
    assert.equal(run('$${set} $set ${not a name} ${1x}'), '${set} $set ${not a name} ${1x}');
    assert.deepEqual(substituteVariables('${set}${unset}${set}', (name) => values[name]).used, ['set', 'set']);
  });
});
