import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { ValidationError, type Manifest } from '../core/index.ts';
import { buildPlan, deletePolicyOf, formatPlan, planObjects } from './index.ts';

const testdata = new URL('./testdata/', import.meta.url);

function fixture(name: string): Manifest[] {
  return parseAllDocuments(readFileSync(new URL(name, testdata), 'utf8')).map((d) => d.toJS() as Manifest);
}

function expected(name: string): string {
  return readFileSync(new URL(name, testdata), 'utf8').trimEnd();
}

/** A deterministic shuffle (mulberry32), so a failure can be reproduced from the seed. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  const random = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function configMap(name: string, annotations?: Record<string, string>): Manifest {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'app', ...(annotations ? { annotations } : {}) } };
}

describe('buildPlan', () => {
  for (const name of ['guestbook', 'waves-and-hooks', 'crds', 'argo-sync-waves']) {
    test(`${name}.yaml orders as ${name}.plan.txt`, () => {
      assert.equal(formatPlan(buildPlan(fixture(`${name}.yaml`))), expected(`${name}.plan.txt`));
    });

    test(`${name}.yaml gives the same plan under input shuffles`, () => {
      const objects = fixture(`${name}.yaml`);
      const reference = formatPlan(buildPlan(objects));
      for (let seed = 1; seed <= 20; seed++) assert.equal(formatPlan(buildPlan(shuffled(objects, seed))), reference, `seed ${seed}`);
    });
  }

  test('stages carry phase and wave, steps their objects, and only the CRD step waits', () => {
    const plan = buildPlan(fixture('crds.yaml'));
    assert.deepEqual(
      plan.stages.map((s) => [s.phase, s.wave, s.steps.map((step) => [step.kind, step.waitEstablished ?? false])]),
      [
        ['Sync', 0, [['namespaces', false], ['workloads', false], ['other', false], ['custom', false]]],
        ['Sync', 1, [['crds', true], ['custom', false]]],
      ],
    );
    assert.equal(planObjects(plan).length, fixture('crds.yaml').length);
  });

  test('every input object appears exactly once, as the same object', () => {
    const objects = fixture('guestbook.yaml');
    const planned = planObjects(buildPlan(objects));
    assert.equal(planned.length, objects.length);
    for (const object of objects) assert.ok(planned.includes(object), `${object.kind}/${object.metadata.name} missing`);
  });

  test('a kind of a built-in group that the render defines by a CRD is a custom resource', () => {
    const crd: Manifest = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'backups.apps' },
      spec: { group: 'apps', names: { kind: 'Backup', plural: 'backups' }, scope: 'Namespaced', versions: [] },
    };
    const backup: Manifest = { apiVersion: 'apps/v1', kind: 'Backup', metadata: { name: 'nightly', namespace: 'app' } };
    const ingress: Manifest = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'app' } };
    assert.equal(
      formatPlan(buildPlan([backup, ingress, crd])),
      ['Sync wave 0', '  1. CustomResourceDefinition/backups.apps (wait until Established)', '  2. Ingress/app/web', '  3. Backup/app/nightly'].join('\n'),
    );
    // without the CRD, an unknown kind of a built-in group is ordered with the other built-in kinds
    assert.equal(formatPlan(buildPlan([backup, ingress])), ['Sync wave 0', '  1. Backup/app/nightly, Ingress/app/web'].join('\n'));
    // unless the caller says the cluster defines it
    assert.equal(formatPlan(buildPlan([backup, ingress], { customKinds: ['apps/Backup'] })), ['Sync wave 0', '  1. Ingress/app/web', '  2. Backup/app/nightly'].join('\n'));
  });

  test('negative and explicitly signed waves are integers; stages ascend', () => {
    const plan = buildPlan([configMap('c', { 'capstan.dev/sync-wave': '+3' }), configMap('a', { 'capstan.dev/sync-wave': '-12' }), configMap('b', { 'capstan.dev/sync-wave': ' 0 ' })]);
    assert.deepEqual(
      plan.stages.map((s) => s.wave),
      [-12, 0, 3],
    );
  });

  test('an empty render is an empty plan', () => {
    assert.deepEqual(buildPlan([]), { stages: [] });
  });

  test('a non-integer wave is a ValidationError naming the object and the value', () => {
    assert.throws(
      () => buildPlan([configMap('ok'), configMap('settings', { 'capstan.dev/sync-wave': '1.5' })]),
      (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        assert.equal(error.message, 'ConfigMap/app/settings has an invalid capstan.dev/sync-wave annotation "1.5": it must be an integer such as -1, 0 or 5');
        assert.equal(error.subject, 'ConfigMap/app/settings');
        return true;
      },
    );
    for (const bad of ['', 'early', '1e3', '0x10', '99999999999999999999']) {
      assert.throws(() => buildPlan([configMap('settings', { 'capstan.dev/sync-wave': bad })]), ValidationError, `wave ${JSON.stringify(bad)}`);
    }
  });

  test('a Namespace as a hook, or an unknown hook phase, is a ValidationError; all problems are listed together', () => {
    const deployment: Manifest = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'api', annotations: { 'capstan.dev/hook': 'PreSync' } } };
    const job: Manifest = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace: 'app', annotations: { 'capstan.dev/hook': 'Later' } } };
    assert.throws(
      () => buildPlan([job, configMap('w', { 'capstan.dev/sync-wave': 'x' }), deployment]),
      (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        assert.equal(
          error.message,
          [
            '3 problems in the rendered manifests:',
            'ConfigMap/app/w has an invalid capstan.dev/sync-wave annotation "x": it must be an integer such as -1, 0 or 5',
            'Job/app/migrate has an invalid capstan.dev/hook annotation "Later": it must be PreSync, Sync, PostSync, SyncFail or Skip',
            'Namespace/api cannot be a PreSync hook: a Namespace or CustomResourceDefinition is applied as an ordinary object',
          ].join('\n'),
        );
        return true;
      },
    );
  });

  test('an object rendered twice is a ValidationError', () => {
    assert.throws(() => buildPlan([configMap('dup'), configMap('dup')]), {
      name: 'ValidationError',
      message: 'ConfigMap/app/dup is rendered more than once (v1): every object must appear once',
    });
  });

  test('a CRD already earlier than its custom resources stays in its own wave', () => {
    const crd: Manifest = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com', annotations: { 'capstan.dev/sync-wave': '-1' } },
      spec: { group: 'example.com', names: { kind: 'Widget', plural: 'widgets' } },
    };
    const widget: Manifest = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'app', annotations: { 'capstan.dev/sync-wave': '2' } } };
    assert.equal(
      formatPlan(buildPlan([widget, crd])),
      ['Sync wave -1', '  1. CustomResourceDefinition/widgets.example.com (wait until Established)', 'Sync wave 2', '  1. Widget/app/w'].join('\n'),
    );
  });

  test("Argo CD annotations order objects as capstan's own do; where both are set they must agree", () => {
    const argo = (name: string, annotations: Record<string, string>) => configMap(name, annotations);
    assert.equal(
      formatPlan(buildPlan([argo('late', { 'argocd.argoproj.io/sync-wave': '5' }), argo('early', { 'capstan.dev/sync-wave': '-2', 'argocd.argoproj.io/sync-wave': '-2' })])),
      ['Sync wave -2', '  1. ConfigMap/app/early', 'Sync wave 5', '  1. ConfigMap/app/late'].join('\n'),
    );
    assert.throws(() => buildPlan([argo('both', { 'capstan.dev/sync-wave': '1', 'argocd.argoproj.io/sync-wave': '2' })]), {
      name: 'ValidationError',
      message: 'ConfigMap/app/both has capstan.dev/sync-wave "1" and argocd.argoproj.io/sync-wave "2": they disagree; keep one',
    });
  });

  test('a hook of several phases (comma-separated, as Argo CD allows) is run in each; Skip stands alone', () => {
    const job = (name: string, hook: string): Manifest => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: 'app', annotations: { 'argocd.argoproj.io/hook': hook } } });
    assert.equal(
      formatPlan(buildPlan([job('twice', 'PreSync, PostSync'), configMap('app')])),
      ['PreSync wave 0', '  1. Job/app/twice', 'Sync wave 0', '  1. ConfigMap/app/app', 'PostSync wave 0', '  1. Job/app/twice'].join('\n'),
    );
    assert.throws(() => buildPlan([job('never', 'Skip,PreSync')]), {
      name: 'ValidationError',
      message: 'Job/app/never has argocd.argoproj.io/hook "Skip,PreSync": Skip means never applied, so it cannot be listed with other phases; keep Skip alone, or remove it',
    });
    assert.throws(() => buildPlan([job('again', 'PreSync,PreSync')]), { message: 'Job/app/again has argocd.argoproj.io/hook "PreSync,PreSync": a phase is listed twice; list each once' });
  });

  test('hook: Skip leaves an object out of the plan, listed as skipped with the reason', () => {
    const plan = buildPlan([configMap('kept'), configMap('legacy', { 'argocd.argoproj.io/hook': 'Skip' }), configMap('old', { 'capstan.dev/hook': 'Skip' })]);
    assert.deepEqual(planObjects(plan).map((o) => o.metadata.name), ['kept']);
    assert.deepEqual(
      plan.skipped?.map((s) => [s.object.metadata.name, s.reason]),
      [
        ['legacy', 'annotated argocd.argoproj.io/hook: Skip: never applied'],
        ['old', 'annotated capstan.dev/hook: Skip: never applied'],
      ],
    );
  });

  test('Helm hook annotations in a plain directory are read as Argo CD reads them', () => {
    const job = (name: string, annotations: Record<string, string>): Manifest => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: 'app', annotations } });
    const plan = buildPlan([
      job('migrate', { 'helm.sh/hook': 'pre-upgrade,pre-install', 'helm.sh/hook-weight': '-5' }),
      job('notify', { 'helm.sh/hook': 'post-install' }),
      job('crds', { 'helm.sh/hook': 'crd-install' }),
      job('uninstall', { 'helm.sh/hook': 'pre-delete' }),
      job('own-wave', { 'helm.sh/hook': 'pre-install', 'helm.sh/hook-weight': '3', 'argocd.argoproj.io/sync-wave': '1' }),
      job('argo-wins', { 'helm.sh/hook': 'post-install', 'argocd.argoproj.io/hook': 'Sync' }),
    ]);
    assert.equal(
      formatPlan(plan),
      [
        'PreSync wave -5',
        '  1. Job/app/migrate',
        'PreSync wave 1',
        '  1. Job/app/own-wave',
        'Sync wave 0',
        '  1. Job/app/argo-wins, Job/app/crds',
        'PostSync wave 0',
        '  1. Job/app/notify',
        'Skipped: Job/app/uninstall',
      ].join('\n'),
    );
    assert.equal(plan.skipped?.[0].reason, 'annotated helm.sh/hook: pre-delete: a sync never runs such a Helm hook, so it is not applied');
    assert.deepEqual([...deletePolicyOf(job('a', { 'helm.sh/hook-delete-policy': 'hook-succeeded,before-hook-creation' }))], ['HookSucceeded', 'BeforeHookCreation']);
    assert.deepEqual([...deletePolicyOf(job('b', {}))], ['BeforeHookCreation']);
    assert.deepEqual([...deletePolicyOf(job('c', { 'argocd.argoproj.io/hook-delete-policy': 'HookFailed', 'helm.sh/hook-delete-policy': 'hook-succeeded' }))], ['HookFailed']);
    assert.throws(() => buildPlan([job('d', { 'capstan.dev/hook': 'PreSync', 'capstan.dev/hook-delete-policy': 'Never' })]), {
      name: 'ValidationError',
      message: 'Job/app/d has an invalid capstan.dev/hook-delete-policy annotation "Never": each policy must be BeforeHookCreation, HookSucceeded or HookFailed',
    });
  });
});
