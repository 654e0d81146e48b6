import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { loadProject } from '../config/index.ts';
import { ValidationError } from '../core/index.ts';
import { planLayoutPromotion, type LayoutPromotion } from './layout-promotion.ts';

const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A config repo folder holding `files`. */
function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'capstan-layout-'));
  made.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

async function promote(dir: string, service: string, from = 'dev', to = 'prod'): Promise<LayoutPromotion | undefined> {
  return planLayoutPromotion(dir, await loadProject(dir), service, from, to);
}

function text(promotion: LayoutPromotion | undefined, file: string): string {
  const edit = promotion?.edits.find((e) => e.path === file);
  assert.ok(edit, `an edit of ${file}`);
  return edit.content!.toString();
}

/** The lines that differ between two texts of the same number of lines. */
function changedLines(before: string, after: string): Array<[string, string]> {
  const a = before.split('\n');
  const b = after.split('\n');
  assert.equal(b.length, a.length, 'the same number of lines');
  return a.flatMap((line, i) => (line === b[i] ? [] : [[line, b[i]] as [string, string]]));
}

const environments = `environments:
  - name: dev
  - name: prod
    promotesFrom: dev
`;

const hashA = '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b';
const hashB = '9f8e7d6';

describe('pins apps', () => {
  test('each environment has its own source: the pin of the from folder is copied to the to folder', async () => {
    const dir = repo({
      'capstan.yaml': `apiVersion: capstan.dev/v1alpha1
kind: Project
${environments}apps:
  - name: team
    source: pins/dev
    namespace: team
    environments:
      dev:
      prod: { source: pins/prod }
`,
      'pins/dev/images_path': 'registry.example.com/team\n',
      'pins/prod/images_path': 'registry.example.com/team\n',
      'pins/dev/team/web': `${hashA}\n`,
      'pins/prod/team/web': `${hashB}\n`,
      'pins/dev/team/api': `${hashB}\n`,
    });
    const promotion = await promote(dir, 'web');
    assert.deepEqual(promotion?.moves, [{ app: 'team', file: 'pins/prod/team/web', what: 'image pin of web', from: hashB, to: hashA }]);
    assert.deepEqual(promotion.edits.map((e) => [e.path, e.content?.toString()]), [['pins/prod/team/web', `${hashA}\n`]]);
  });

  test('the image-hash state repo: a folder per namespace, the pin of <service>.deployment copied to the to folder', async () => {
    const dir = repo({
      'capstan.yaml': `apiVersion: capstan.dev/v1alpha1
kind: Project
${environments}apps:
  - name: services
    type: pins
    environments:
      dev: { source: state/development }
      prod: { source: state/production }
`,
      'state/development/images_path': 'registry.example.com/team/development\n',
      'state/production/images_path': 'registry.example.com/team/production\n',
      'state/development/web.deployment': `${hashA}\n`,
      'state/production/web.deployment': `${hashB}\n`,
      'state/development/api.deployment': `${hashB}\n`,
    });
    const promotion = await promote(dir, 'web');
    assert.deepEqual(promotion?.moves, [{ app: 'services', file: 'state/production/web.deployment', what: 'image pin of web', from: hashB, to: hashA }]);
    assert.deepEqual(promotion.edits.map((e) => [e.path, e.content?.toString()]), [['state/production/web.deployment', `${hashA}\n`]]);
    const first = await promote(dir, 'api');
    assert.deepEqual(first?.edits.map((e) => [e.path, e.content?.toString()]), [['state/production/api.deployment', `${hashB}\n`]], 'a first pin takes the folder\'s form');
  });

  test('one source, one folder per namespace: the pin is copied from the from namespace to the to namespace, made when missing', async () => {
    const dir = repo({
      'capstan.yaml': `apiVersion: capstan.dev/v1alpha1
kind: Project
${environments}apps:
  - name: team
    source: pins
    type: pins
    environments:
      dev: { namespace: team-dev }
      prod: { namespace: team-prod }
`,
      'pins/images_path': 'registry.example.com/team\n',
      'pins/team-dev/web': hashA,
      'pins/team-prod/api': `${hashB}\n`,
    });
    const promotion = await promote(dir, 'web');
    assert.deepEqual(promotion?.moves, [{ app: 'team', file: 'pins/team-prod/web', what: 'image pin of web', from: '(none)', to: hashA }]);
    assert.deepEqual(promotion.edits.map((e) => [e.path, e.content?.toString()]), [['pins/team-prod/web', hashA]]);
  });

  test('a namespace folder other than the app\'s: the folder of the same name in the to source', async () => {
    const dir = repo({
      'capstan.yaml': `apiVersion: capstan.dev/v1alpha1
kind: Project
${environments}apps:
  - name: team
    source: pins/dev
    namespace: default
    environments:
      dev:
      prod: { source: pins/prod }
`,
      'pins/dev/images_path': 'registry.example.com/team\n',
      'pins/prod/images_path': 'registry.example.com/team\n',
      'pins/dev/shop/web': `${hashA}\n`,
      'pins/prod/shop/web': `${hashB}\n`,
    });
    const promotion = await promote(dir, 'web');
    assert.deepEqual(promotion?.moves.map((m) => [m.file, m.from, m.to]), [['pins/prod/shop/web', hashB, hashA]]);
  });

  test('a to environment that already runs the from pin: nothing to edit', async () => {
    const dir = repo({
      'capstan.yaml': `apiVersion: capstan.dev/v1alpha1
kind: Project
${environments}apps:
  - name: team
    source: pins
    environments:
      dev: { namespace: team-dev }
      prod: { namespace: team-prod }
`,
      'pins/images_path': 'registry.example.com/team\n',
      'pins/team-dev/web': `${hashA}\n`,
      'pins/team-prod/web': hashA,
    });
    assert.deepEqual(await promote(dir, 'web'), { edits: [], moves: [] });
  });

  test('a pin in the to environment but not in the from one is refused, naming the file and the command that pins it', async () => {
    const dir = repo({
      'capstan.yaml': `apiVersion: capstan.dev/v1alpha1
kind: Project
${environments}apps:
  - name: team
    source: pins
    environments:
      dev: { namespace: team-dev }
      prod: { namespace: team-prod }
`,
      'pins/images_path': 'registry.example.com/team\n',
      'pins/team-dev/api': `${hashA}\n`,
      'pins/team-prod/web': `${hashB}\n`,
    });
    await assert.rejects(promote(dir, 'web'), (error: Error) => {
      assert.ok(error instanceof ValidationError);
      assert.equal(
        error.message,
        'pins/team-dev/web does not exist: app team pins web in prod (pins/team-prod/web) but not in dev, so there is nothing to promote: pin it in dev first (capstan pin set team-dev/web <hash> --env dev)',
      );
      return true;
    });
  });
});

describe('image overrides in capstan.yaml', () => {
  const project = (prod: string): string => `# the project
apiVersion: capstan.dev/v1alpha1
kind: Project
${environments}apps:
  - name: other
    source: apps/other
    namespace: other
  - name: web   # the shop
    source: apps/web
    namespace: web
    images:
      - { name: ghcr.io/acme/worker, newTag: "7" }
    environments:
      dev:
        images:
          - name: ghcr.io/acme/web
            newTag: "1.20"   # built from main
          - name: ghcr.io/acme/worker
            newTag: "8"
${prod}
`;
  const files = (prod: string): Record<string, string> => ({
    'capstan.yaml': project(prod),
    'apps/other/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: other }\n',
    'apps/web/deploy.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  template:
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:1.0
        - name: worker
          image: ghcr.io/acme/worker:1
`,
  });

  test('the from override is copied into the to entry: the file differs in exactly that value', async () => {
    const prod = `      prod:
        sync: manual
        images:
          - name: ghcr.io/acme/web
            newTag: '1.19'   # released on Monday`;
    const dir = repo(files(prod));
    const promotion = await promote(dir, 'web');
    assert.deepEqual(promotion?.moves, [{ app: 'web', file: 'capstan.yaml', what: 'image override ghcr.io/acme/web (environments.prod.images)', from: 'ghcr.io/acme/web:1.19', to: 'ghcr.io/acme/web:1.20' }]);
    const after = text(promotion, 'capstan.yaml');
    assert.deepEqual(changedLines(project(prod), after), [["            newTag: '1.19'   # released on Monday", "            newTag: '1.20'   # released on Monday"]]);
    assert.equal(after, project(prod).replace("'1.19'", "'1.20'"));
  });

  test('a to environment without an override gets one, added after its other settings; the rest is byte-identical', async () => {
    const prod = '      prod: { sync: manual }   # by hand';
    const dir = repo(files(prod));
    const promotion = await promote(dir, 'web');
    assert.equal(promotion?.moves[0]?.from, '(none)');
    assert.equal(text(promotion, 'capstan.yaml'), project('      prod: { sync: manual, images: [{ name: ghcr.io/acme/web, newTag: "1.20" }] }   # by hand'));
  });

  test('the image of the container named after the service is the service\'s, whatever its name', async () => {
    const prod = `      prod:
        images:
          - name: ghcr.io/acme/worker
            newTag: "7"`;
    const dir = repo(files(prod));
    const promotion = await promote(dir, 'worker');
    assert.deepEqual(promotion?.moves.map((m) => [m.what, m.from, m.to]), [['image override ghcr.io/acme/worker (environments.prod.images)', 'ghcr.io/acme/worker:7', 'ghcr.io/acme/worker:8']]);
    assert.equal(text(promotion, 'capstan.yaml'), project(prod.replace('"7"', '"8"')));
  });

  test('a tag replaced by a digest rewrites only that entry', async () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const dev = `apiVersion: capstan.dev/v1alpha1
kind: Project
${environments}apps:
  - name: web
    source: apps/web
    namespace: web
    environments:
      dev: { images: [{ name: ghcr.io/acme/web, digest: "${digest}" }] }
      prod:
        images:
          - name: ghcr.io/acme/web
            newTag: v1   # old
          - name: busybox
            newTag: "1.36"
`;
    const dir = repo({ 'capstan.yaml': dev, 'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\n' });
    const promotion = await promote(dir, 'web');
    assert.equal(text(promotion, 'capstan.yaml'), dev.replace('newTag: v1   # old', `digest: ${digest}`));
  });

  test('an override in the to environment but not in the from one is refused with what to add where', async () => {
    const text = `apiVersion: capstan.dev/v1alpha1
kind: Project
${environments}apps:
  - name: web
    source: apps/web
    namespace: web
    environments:
      dev:
      prod: { images: [{ name: ghcr.io/acme/web, newTag: "1.0" }] }
`;
    const dir = repo({ 'capstan.yaml': text, 'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\n' });
    await assert.rejects(promote(dir, 'web'), {
      name: 'ValidationError',
      message: 'capstan.yaml: app web overrides image ghcr.io/acme/web of web in prod but not in dev, so there is nothing to promote: add the override under apps[web].environments.dev.images (or remove it from prod)',
    });
  });
});

describe('kustomize overlays', () => {
  const base = {
    'apps/web/base/kustomization.yaml': 'resources:\n  - deployment.yaml\n',
    'apps/web/base/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.25
`,
  };
  const project = `apiVersion: capstan.dev/v1alpha1
kind: Project
${environments}apps:
  - name: shop
    source: apps/web/overlays/dev
    namespace: shop
    environments:
      dev:
      prod: { source: apps/web/overlays/prod }
`;
  const overlay = (images: string): string => `# prod overlay
resources:
  - ../../base
${images}
commonLabels:
  tier: web
`;

  test('the from overlay\'s images: entry of the container named after the service goes into the to overlay, byte-identical elsewhere', async () => {
    const prod = overlay('images:\n  - name: nginx\n    newName: registry.example.com/web\n    newTag: 1.19 # monday');
    const dir = repo({
      ...base,
      'capstan.yaml': project,
      'apps/web/overlays/dev/kustomization.yaml': 'resources: [../../base]\nimages: [{ name: nginx, newName: registry.example.com/web, newTag: "1.20" }]\n',
      'apps/web/overlays/prod/kustomization.yaml': prod,
    });
    const promotion = await promote(dir, 'web');
    assert.deepEqual(promotion?.moves, [
      { app: 'shop', file: 'apps/web/overlays/prod/kustomization.yaml', what: 'images: entry nginx', from: 'registry.example.com/web:1.19', to: 'registry.example.com/web:1.20' },
    ]);
    const after = text(promotion, 'apps/web/overlays/prod/kustomization.yaml');
    assert.deepEqual(changedLines(prod, after), [['    newTag: 1.19 # monday', '    newTag: "1.20" # monday']]);
  });

  test('a to overlay without images: gets the entry at its end', async () => {
    const prod = overlay('');
    const dir = repo({
      ...base,
      'capstan.yaml': project,
      'apps/web/overlays/dev/kustomization.yaml': 'resources: [../../base]\nimages:\n- name: registry.example.com/web\n  digest: sha256:0123\n',
      'apps/web/overlays/prod/kustomization.yaml': prod,
    });
    const promotion = await promote(dir, 'web');
    assert.equal(text(promotion, 'apps/web/overlays/prod/kustomization.yaml'), `${prod}images:\n  - name: registry.example.com/web\n    digest: sha256:0123\n`);
  });

  test('an entry in the to overlay but none in the from overlay is refused, naming the file to add it to', async () => {
    const dir = repo({
      ...base,
      'capstan.yaml': project,
      'apps/web/overlays/dev/kustomization.yaml': 'resources: [../../base]\n',
      'apps/web/overlays/prod/kustomization.yaml': overlay('images:\n  - name: nginx\n    newTag: "1.19"'),
    });
    await assert.rejects(promote(dir, 'web'), {
      name: 'ValidationError',
      message:
        'apps/web/overlays/dev/kustomization.yaml has no images: entry for web (apps/web/overlays/prod/kustomization.yaml has one for prod: nginx), so there is nothing to promote from dev: add "images: [{ name: nginx, newTag: <the tag dev runs> }]" to apps/web/overlays/dev/kustomization.yaml',
    });
  });
});

describe('which apps count', () => {
  test('no app of these layouts carries the service in both environments: undefined', async () => {
    const dir = repo({
      'capstan.yaml': `apiVersion: capstan.dev/v1alpha1
kind: Project
${environments}apps:
  - name: web
    type: artifact
    namespace: web
  - name: team
    source: pins
    environments:
      dev: { namespace: team-dev }
  - name: api
    source: apps/api
    namespace: api
`,
      'pins/images_path': 'registry.example.com/team\n',
      'pins/team-dev/web': `${hashA}\n`,
      'apps/api/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: api }\n',
    });
    assert.equal(await promote(dir, 'web'), undefined);
  });

  test('several apps: one edit per file, every move listed', async () => {
    const dir = repo({
      'capstan.yaml': `apiVersion: capstan.dev/v1alpha1
kind: Project
${environments}apps:
  - name: team
    source: pins
    environments:
      dev: { namespace: team-dev }
      prod: { namespace: team-prod }
  - name: web
    source: apps/web
    namespace: web
    environments:
      dev: { images: [{ name: example.com/web, newTag: b }] }
      prod: { images: [{ name: example.com/web, newTag: a }] }
  - name: web-canary
    source: apps/web
    namespace: web-canary
    environments:
      dev: { images: [{ name: example.com/web, newTag: b }] }
      prod: { images: [{ name: example.com/web, newTag: a }] }
`,
      'pins/images_path': 'registry.example.com/team\n',
      'pins/team-dev/web': `${hashA}\n`,
      'pins/team-prod/web': `${hashB}\n`,
      'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\n',
    });
    const promotion = await promote(dir, 'web');
    assert.deepEqual(promotion?.moves.map((m) => [m.app, m.file]), [
      ['team', 'pins/team-prod/web'],
      ['web', 'capstan.yaml'],
      ['web-canary', 'capstan.yaml'],
    ]);
    assert.deepEqual(promotion.edits.map((e) => e.path), ['capstan.yaml', 'pins/team-prod/web']);
    assert.equal((text(promotion, 'capstan.yaml').match(/newTag: b/g) ?? []).length, 4);
  });
});
