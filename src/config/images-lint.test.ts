// `images.lockFile` (a kbld lock file as an app's image overrides) and `lint.disable` (rules of
// `capstan lint` turned off), as capstan.yaml declares them and as each environment resolves them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkProject, formatIssue, parseProject, resolveApp } from './index.ts';

const project = (app: string): string => `apiVersion: capstan.dev/v1alpha1
kind: Project
environments:
  - name: dev
  - name: prod
apps:
  - name: web
    source: apps/web
    namespace: web
${app}`;
const messages = (text: string): string[] => checkProject(text).map(formatIssue);

test('images takes a kbld lock file alone, or as an item next to the overrides; an environment names its own', () => {
  const alone = parseProject(project('    images: { lockFile: ./locks/web.kbld.lock.yml }\n'));
  assert.equal(alone.apps[0].imageLockFile, 'locks/web.kbld.lock.yml', 'normalised');
  assert.deepEqual(alone.apps[0].images, []);
  assert.equal(resolveApp(alone, 'web', 'prod').imageLockFile, 'locks/web.kbld.lock.yml');

  const mixed = parseProject(
    project(`    images:
      - { name: nginx, newTag: "1.27" }
      - lockFile: web.kbld.lock.yml
    environments:
      dev:
      prod:
        images:
          - lockFile: prod.kbld.lock.yml
`),
  );
  assert.deepEqual(mixed.apps[0].images, [{ name: 'nginx', newTag: '1.27' }]);
  assert.equal(resolveApp(mixed, 'web', 'dev').imageLockFile, 'web.kbld.lock.yml');
  const prod = resolveApp(mixed, 'web', 'prod');
  assert.equal(prod.imageLockFile, 'prod.kbld.lock.yml', "the environment's lock file replaces the app's");
  assert.deepEqual(prod.images, [{ name: 'nginx', newTag: '1.27' }]);
  assert.equal(resolveApp(parseProject(project('')), 'web', 'dev').imageLockFile, undefined);
});

test('a lock file outside the repository, twice, or mixed into an override is refused at its line', () => {
  assert.deepEqual(messages(project('    images: { lockFile: ../shared/web.kbld.lock.yml }\n')), [
    'capstan.yaml:10:25: apps[0].images.lockFile: must stay inside the config repo: ".." is not allowed, got "../shared/web.kbld.lock.yml"',
  ]);
  assert.deepEqual(messages(project('    images: { lockFile: /etc/web.kbld.lock.yml }\n')), [
    'capstan.yaml:10:25: apps[0].images.lockFile: must be relative to the root of the config repo, got the absolute path "/etc/web.kbld.lock.yml": write "etc/web.kbld.lock.yml"',
  ]);
  assert.deepEqual(messages(project('    images:\n      - lockFile: a.kbld.lock.yml\n      - lockFile: b.kbld.lock.yml\n')), [
    'capstan.yaml:12:19: apps[0].images[1].lockFile: a lock file is already named at line 11: keep one',
  ]);
  assert.deepEqual(messages(project('    images:\n      - { lockFile: a.kbld.lock.yml, name: nginx }\n')), [
    'capstan.yaml:11:38: apps[0].images[0].name: unknown field: a lock file item stands alone: write the image override as its own item',
  ]);
  assert.deepEqual(messages(project('    images: { name: nginx, newTag: "1" }\n')), [
    'capstan.yaml:10:13: apps[0].images.lockFile: is required: a kbld lock file in the config repo, such as images.kbld.lock.yml',
    'capstan.yaml:10:15: apps[0].images.name: unknown field: image overrides are a list: write "- { name: nginx, newTag: \\"1.27\\" }"',
    'capstan.yaml:10:28: apps[0].images.newTag: unknown field (known fields: lockFile)',
  ]);
  assert.deepEqual(messages(project('    environments:\n      dev:\n        images: { lockFile: "../x.yml" }\n')), [
    'capstan.yaml:12:29: apps[0].environments.dev.images.lockFile: must stay inside the config repo: ".." is not allowed, got "../x.yml"',
  ]);
});

test('lint.disable turns rules off per app, and per environment on top of the app', () => {
  const parsed = parseProject(
    project(`    lint: { disable: [container-probes] }
    environments:
      dev:
        lint: { disable: [container-resources, container-probes] }
      prod:
`),
  );
  assert.deepEqual(parsed.apps[0].lint, { disable: ['container-probes'] });
  assert.deepEqual(resolveApp(parsed, 'web', 'dev').lint, { disable: ['container-probes', 'container-resources'] });
  assert.deepEqual(resolveApp(parsed, 'web', 'prod').lint, { disable: ['container-probes'] });
  assert.equal(resolveApp(parseProject(project('')), 'web', 'dev').lint, undefined);
});

test('an unknown or repeated lint rule is refused at its line, with the rule it resembles', () => {
  assert.deepEqual(messages(project('    lint:\n      disable: [container-probe, image-tag-latest, image-tag-latest]\n')), [
    'capstan.yaml:11:17: apps[0].lint.disable[0]: must be one of "container-resources", "container-probes", "image-tag-latest", "container-privileged", "run-as-root", "host-namespaces" or "image-pull-policy", got "container-probe"; did you mean "container-probes"?',
    'capstan.yaml:11:52: apps[0].lint.disable[2]: "image-tag-latest" is already listed: remove one',
  ]);
  assert.deepEqual(messages(project('    lint: { rules: [x] }\n')), [
    'capstan.yaml:10:11: apps[0].lint.disable: is required: the rules turned off, among container-resources, container-probes, image-tag-latest, container-privileged, run-as-root, host-namespaces, image-pull-policy',
    'capstan.yaml:10:13: apps[0].lint.rules: unknown field; did you mean "disable"? (the rules turned off)',
  ]);
});
