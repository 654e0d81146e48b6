import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { loadProject } from '../config/index.ts';
import { planPinSet, type PinPlan, type PinRequest } from './pins-layout.ts';

const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'capstan-pins-'));
  made.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

async function plan(dir: string, request: Partial<PinRequest> = {}): Promise<PinPlan> {
  return planPinSet(dir, await loadProject(dir), { namespace: 'team', service: 'web', hash: 'abc1234', ...request });
}

/** dev and prod each have their own source, both with a folder `team`. */
const twoSources = {
  'capstan.yaml': `apiVersion: capstan.dev/v1alpha1
kind: Project
environments:
  - name: dev
  - name: prod
apps:
  - name: team
    source: pins/dev
    namespace: team
    environments:
      dev:
      prod: { source: pins/prod }
  - name: api
    source: apps/api
    namespace: team
`,
  'pins/dev/images_path': 'registry.example.com/team\n',
  'pins/prod/images_path': 'registry.example.com/team\n',
  'pins/dev/team/web': 'abc1234\n',
  'pins/prod/team/api': '1234567\n',
  'apps/api/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: api }\n',
};

describe('planPinSet', () => {
  test('the folder is in two environments\' sources: refused, listing both, until --env chooses', async () => {
    const dir = repo(twoSources);
    await assert.rejects(plan(dir), {
      name: 'ValidationError',
      message: 'team/web could be the pin pins/dev/team/web (app team, environment dev) or pins/prod/team/web (app team, environment prod): pass --env or --app to choose one',
    });
    assert.deepEqual(await plan(dir, { env: 'prod' }), { apps: ['team'], envs: ['prod'], file: 'pins/prod/team/web', edit: { path: 'pins/prod/team/web', content: 'abc1234\n' } });
  });

  test('the hash already there: no edit', async () => {
    const dir = repo(twoSources);
    assert.deepEqual(await plan(dir, { env: 'dev' }), { apps: ['team'], envs: ['dev'], file: 'pins/dev/team/web', previous: 'abc1234' });
  });

  test('one source for every environment: one file, whichever environments render it', async () => {
    const dir = repo({
      'capstan.yaml': 'apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments:\n  - name: dev\n  - name: prod\napps:\n  - name: team\n    source: pins\n    namespace: team\n',
      'pins/images_path': 'registry.example.com/team\n',
      'pins/team/web': '1234567\n',
    });
    assert.deepEqual(await plan(dir, { hash: 'ABCDEF0123' }), { apps: ['team'], envs: ['dev', 'prod'], file: 'pins/team/web', previous: '1234567', edit: { path: 'pins/team/web', content: 'ABCDEF0123\n' } });
  });

  test('a namespace no pins app has a folder for is refused with the folders there are', async () => {
    const dir = repo(twoSources);
    await assert.rejects(plan(dir, { namespace: 'shop' }), { name: 'NotFoundError', message: 'no pins app has a folder "shop" (the pins folders are pins/dev/*, pins/prod/*): create the folder, or check the namespace' });
    await assert.rejects(plan(dir, { app: 'api' }), { name: 'NotFoundError', message: 'no pins app (app api) in capstan.yaml: a pins app\'s source holds an images_path file and one folder per namespace, or is a namespace\'s folder with its images_path and <service>.deployment pins' });
  });

  test('what is not a hash, a namespace or a service is refused as render-pins would', async () => {
    const dir = repo(twoSources);
    await assert.rejects(plan(dir, { hash: 'v1.2.3' }), {
      name: 'ValidationError',
      message: 'an image pin must hold the image\'s git hash (7 to 40 hex characters), got "v1.2.3": pass the commit hash the image was built from',
    });
    await assert.rejects(plan(dir, { service: 'Web.yaml' }), { name: 'ValidationError', message: /^"Web\.yaml" is not a service name/ });
    await assert.rejects(plan(dir, { namespace: '..' }), { name: 'ValidationError', message: /^"\.\." is not a namespace name/ });
  });
});

describe('planPinSet: the image-hash state repo (a folder per namespace, <service>.deployment pins)', () => {
  const stateRepo = {
    'capstan.yaml': `apiVersion: capstan.dev/v1alpha1
kind: Project
environments:
  - name: development
  - name: production
apps:
  - name: services
    type: pins
    environments:
      development: { source: state/development }
      production: { source: state/production }
`,
    'state/development/images_path': 'registry.example.com/team/development\n',
    'state/development/web.deployment': '1234567\n',
    'state/production/images_path': 'registry.example.com/team/production\n',
    'state/production/web.deployment': '1111111\n',
  };

  test('the namespace is the folder the environment points at; the pin is <service>.deployment', async () => {
    const dir = repo(stateRepo);
    assert.deepEqual(await plan(dir, { namespace: 'development' }), {
      apps: ['services'],
      envs: ['development'],
      file: 'state/development/web.deployment',
      previous: '1234567',
      edit: { path: 'state/development/web.deployment', content: 'abc1234\n' },
    });
  });

  test('a service not pinned yet gets a .deployment pin in that folder', async () => {
    const dir = repo(stateRepo);
    const planned = await plan(dir, { namespace: 'production', service: 'api' });
    assert.deepEqual(planned, { apps: ['services'], envs: ['production'], file: 'state/production/api.deployment', edit: { path: 'state/production/api.deployment', content: 'abc1234\n' } });
  });

  test('a namespace no environment points at is refused naming the folders', async () => {
    const dir = repo(stateRepo);
    await assert.rejects(plan(dir, { namespace: 'staging' }), { name: 'NotFoundError', message: 'no pins app has a folder "staging" (the pins folders are state/development, state/production): create the folder, or check the namespace' });
  });
});
