// Who caused a sync, as the agent records it: the token that pushed, the sender a webhook names,
// the token that asked for a refresh, or the agent itself; kept in the history so a restarted
// agent reports the last sync as it happened.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { startEngineFixture, type EngineFixture } from '../engine/testing.ts';
import { GitCache } from '../source/index.ts';
import { commit, makeRepo } from '../source/testing.ts';
import { createAgent, type Agent, type AgentOptions } from './agent.ts';
import type { AgentEvent, AppRef, LastSync } from './types.ts';

const web: AppRef = { app: 'web', env: 'dev' };

function configMap(version: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config\n  namespace: web\ndata:\n  version: "${version}"\n`;
}

function files(envExtra = ''): Record<string, string> {
  const project = ['apiVersion: capstan.dev/v1alpha1', 'kind: Project', 'environments:', '  - name: dev', ...(envExtra ? [envExtra] : []), 'apps:', '  - name: web', '    source: apps/web', '    namespace: web', '    createNamespace: true'];
  return { 'capstan.yaml': `${project.join('\n')}\n`, 'apps/web/config.yaml': configMap('1') };
}

interface Setup {
  fx: EngineFixture;
  commit(version: string): Promise<string>;
  agent(options?: Partial<AgentOptions>): Agent;
}

async function setup(t: TestContext, envExtra = ''): Promise<Setup> {
  const git = new GitCache({ dir: mkdtempSync(path.join(os.tmpdir(), 'capstan-attribution-cache-')) });
  const fx = await startEngineFixture({ git, who: 'engine-user' });
  const { dir } = await makeRepo(files(envExtra));
  const agents: Agent[] = [];
  t.after(async () => {
    for (const a of agents) await a.stop();
    await fx.stop();
    rmSync(git.dir, { recursive: true, force: true, maxRetries: 10 });
  });
  return {
    fx,
    commit: (version) => commit(dir, { 'apps/web/config.yaml': configMap(version) }, `web: version ${version}`),
    agent(options = {}) {
      const agent = createAgent({ engine: fx.engine, repo: { url: dir }, git, clientFor: async () => fx.client, pollIntervalMs: 0, ...options });
      agents.push(agent);
      return agent;
    },
  };
}

/** The fields of a last sync that say who and what caused it, and what it applied. */
function cause(last: LastSync | undefined): Pick<LastSync, 'revision' | 'trigger' | 'who' | 'result'> | undefined {
  return last && { revision: last.revision, trigger: last.trigger, who: last.who, result: last.result };
}

test("a push's sync is the pusher's: the app's last sync, the history entry and the events say so, and a restarted agent still does", async (t) => {
  const s = await setup(t);
  const first = s.agent();
  await first.start();
  await first.idle();
  assert.equal(first.app(web)!.lastSync?.who, 'agent', 'the first pass is the agent’s own');
  const events: AgentEvent[] = [];
  first.subscribe((e) => (e.type === 'revision' || e.type === 'sync') && events.push(e));

  const sha = await s.commit('2');
  await first.refresh('push', undefined, { who: 'alice', revision: sha });
  await first.idle();
  const expected = { revision: sha, trigger: 'push', who: 'alice', result: 'Succeeded' } as const;
  assert.deepEqual(cause(first.app(web)!.lastSync), expected);
  const entry = (await first.history(web)).at(-1)!;
  assert.deepEqual({ revision: entry.revision, trigger: entry.trigger, who: entry.who, result: entry.result }, expected);
  assert.deepEqual(
    events.map((e) => (e.type === 'revision' ? `revision ${e.trigger} ${e.who}` : e.type === 'sync' ? `sync ${e.state.lastSync?.trigger} ${e.state.lastSync?.who}` : e.type)),
    ['revision push alice', 'sync push alice'],
  );

  // a restart reads the last sync back from the history: not rewritten to `startup` by `agent`
  await first.stop();
  const second = s.agent();
  await second.start();
  await second.idle();
  assert.deepEqual(cause(second.app(web)!.lastSync), expected);
  assert.equal(second.app(web)!.lastSync?.id, entry.id);
});

test('a commit that a poll fetches before the webhook announcing it arrives is still the sender’s', async (t) => {
  const s = await setup(t);
  const agent = s.agent();
  await agent.start();
  await agent.idle();
  const sha = await s.commit('2');
  // the poll's fetch is already on its way when the webhook comes in
  const poll = agent.refresh('poll');
  const webhook = agent.refresh('webhook', undefined, { who: 'octocat', revision: sha });
  await Promise.all([poll, webhook]);
  await agent.idle();
  assert.deepEqual(cause(agent.app(web)!.lastSync), { revision: sha, trigger: 'webhook', who: 'octocat', result: 'Succeeded' });

  // a commit nobody announced is the agent's
  const next = await s.commit('3');
  await agent.refresh('poll');
  await agent.idle();
  assert.deepEqual(cause(agent.app(web)!.lastSync), { revision: next, trigger: 'poll', who: 'agent', result: 'Succeeded' });
});

test("a manual refresh's sync is the asking token's", async (t) => {
  const s = await setup(t);
  const agent = s.agent();
  await agent.start();
  await agent.idle();
  const sha = await s.commit('2');
  await agent.refresh('manual', web, { who: 'viewer' });
  await agent.idle();
  assert.deepEqual(cause(agent.app(web)!.lastSync), { revision: sha, trigger: 'manual', who: 'viewer', result: 'Succeeded' });
});

test('a sync a closed window held back is still the pusher’s when the window opens', async (t) => {
  const s = await setup(t, '    syncWindows:\n      - { kind: deny, schedule: "0 0 * * *", duration: 2h }');
  let clock = new Date('2024-05-06T12:00:00Z');
  const agent = s.agent({ now: () => clock });
  await agent.start();
  await agent.idle();
  clock = new Date('2024-05-07T01:00:00Z');
  const sha = await s.commit('2');
  await agent.refresh('push', undefined, { who: 'alice', revision: sha });
  await agent.idle();
  assert.deepEqual([agent.app(web)!.sync, agent.app(web)!.lastSync?.who], ['OutOfSync', 'agent']);

  clock = new Date('2024-05-07T12:00:00Z');
  await agent.refresh('poll');
  await agent.idle();
  assert.deepEqual(cause(agent.app(web)!.lastSync), { revision: sha, trigger: 'push', who: 'alice', result: 'Succeeded' });
});
