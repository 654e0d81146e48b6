import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ValidationError } from '../core/index.ts';
import { loadKubeConfig } from './load-kube-config.ts';

function kubeconfig(contexts: { name: string; server: string }[], current?: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    ...contexts.map((c) => `- name: ${c.name}\n  cluster:\n    server: ${c.server}\n    insecure-skip-tls-verify: true`),
    'users:',
    ...contexts.map((c) => `- name: ${c.name}\n  user:\n    token: t-${c.name}`),
    'contexts:',
    ...contexts.map((c) => `- name: ${c.name}\n  context:\n    cluster: ${c.name}\n    user: ${c.name}`),
    ...(current ? [`current-context: ${current}`] : []),
  ].join('\n');
}

describe('loadKubeConfig', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'capstan-kubeconfig-'));
  const devFile = path.join(dir, 'dev.yaml');
  const prodFile = path.join(dir, 'prod.yaml');
  writeFileSync(devFile, kubeconfig([{ name: 'dev', server: 'https://dev.example:6443' }], 'dev'));
  writeFileSync(prodFile, kubeconfig([{ name: 'prod', server: 'https://prod.example:6443/k8s/clusters/c-1' }]));

  test('the current context by default, another one by name', () => {
    const text = kubeconfig(
      [
        { name: 'a', server: 'https://a.example' },
        { name: 'b', server: 'https://b.example' },
      ],
      'a',
    );
    assert.equal(loadKubeConfig({ kubeconfig: text }).server, 'https://a.example');
    const b = loadKubeConfig({ kubeconfig: text, context: 'b' });
    assert.equal(b.context, 'b');
    assert.equal(b.server, 'https://b.example');
    assert.equal(b.config.getCurrentContext(), 'b');
    assert.equal(b.source, 'given as text');
  });

  test('$KUBECONFIG with several files is merged; ~/.kube/config is the fallback', () => {
    const merged = loadKubeConfig({ context: 'prod' }, { KUBECONFIG: [devFile, prodFile].join(path.delimiter) });
    assert.equal(merged.server, 'https://prod.example:6443/k8s/clusters/c-1');
    assert.equal(merged.source, [devFile, prodFile].join(path.delimiter));
    const home = mkdtempSync(path.join(tmpdir(), 'capstan-home-'));
    mkdirSync(path.join(home, '.kube'));
    writeFileSync(path.join(home, '.kube', 'config'), kubeconfig([{ name: 'home', server: 'https://home.example' }], 'home'));
    const fromHome = loadKubeConfig({}, { HOME: home });
    assert.equal(fromHome.context, 'home');
    assert.equal(fromHome.source, path.join(home, '.kube', 'config'));
  });

  test('failures are ValidationErrors naming the kubeconfig', () => {
    const cases: [Parameters<typeof loadKubeConfig>, string | RegExp][] = [
      [[{ kubeconfigPath: devFile, context: 'prod' }], `kubeconfig ${devFile} has no context "prod": available contexts: "dev"`],
      [[{ kubeconfigPath: prodFile }], `kubeconfig ${prodFile} has no current-context: choose one with --context (available contexts: "prod")`],
      [[{ kubeconfig: 'apiVersion: v1\nkind: Config\n' }], 'kubeconfig given as text has no current-context: choose one with --context (it defines no contexts)'],
      [[{}, { KUBECONFIG: path.join(dir, 'missing.yaml') }], `kubeconfig ${path.join(dir, 'missing.yaml')} cannot be read: ${path.join(dir, 'missing.yaml')} does not exist`],
      [[{}, { HOME: path.join(dir, 'no-home') }], 'no kubeconfig found: pass --kubeconfig, set KUBECONFIG, create ~/.kube/config, or run in a pod with a service account'],
      [[{ kubeconfig: ': : not yaml [' }], /^kubeconfig given as text cannot be read: /],
    ];
    for (const [args, expected] of cases) {
      assert.throws(
        () => loadKubeConfig(...args),
        (error: unknown) => {
          assert.ok(error instanceof ValidationError, String(error));
          if (typeof expected === 'string') assert.equal(error.message, expected);
          else assert.match(error.message, expected);
          return true;
        },
      );
    }
  });
});
