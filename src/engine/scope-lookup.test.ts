import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TransientError } from '../core/index.ts';
import type { KubeClient, ResourceInfo } from '../kube/index.ts';
import { GitCache } from '../source/index.ts';
import { makeRepo, tempDir } from '../source/testing.ts';
import { Engine } from './engine.ts';
import { openRevision } from './repo-revision.ts';

const project = 'apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments:\n  - name: dev\napps:\n  - { name: web, source: apps/web, namespace: web }\n';
const files = {
  'capstan.yaml': project,
  'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n',
  'apps/web/deploy.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector: { matchLabels: { app: web } }\n  template: { metadata: { labels: { app: web } }, spec: { containers: [{ name: web, image: nginx }] } }\n',
};

/** A client that answers discovery lookups only; `failing` group versions fail as an unavailable API does. */
function lookupClient(failing: string[], asked: string[]): KubeClient {
  return {
    async resourceFor(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
      asked.push(`${apiVersion}|${kind}`);
      if (failing.includes(apiVersion)) throw new TransientError(`discovery of ${apiVersion} failed, so whether it serves ${kind} is unknown: 503`);
      const slash = apiVersion.indexOf('/');
      return { group: slash < 0 ? '' : apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1), kind, resource: `${kind.toLowerCase()}s`, namespaced: true, verbs: [], subresources: [] };
    },
  } as unknown as KubeClient;
}

test("a render looks up only its own kinds, once each, and fails with discovery's error when a kind's group cannot be read", async () => {
  const { dir } = await makeRepo(files);
  const git = new GitCache({ dir: tempDir() });
  const checkout = await openRevision(git, { url: dir });
  const asked: string[] = [];
  const rendered = await new Engine({ git, clientFor: async () => assert.fail('not used') }).render(checkout, 'web', 'dev', lookupClient([], asked));
  assert.deepEqual(rendered.objects.map((o) => `${o.manifest.kind}/${o.manifest.metadata.namespace}`).sort(), ['ConfigMap/web', 'Deployment/web']);
  assert.deepEqual(asked.sort(), ['apps/v1|Deployment', 'v1|ConfigMap']);

  const failing = new Engine({ git, clientFor: async () => assert.fail('not used') }).render(checkout, 'web', 'dev', lookupClient(['apps/v1'], []));
  await assert.rejects(failing, (error: unknown) => error instanceof TransientError && /discovery of apps\/v1 failed/.test(error.message));
});
