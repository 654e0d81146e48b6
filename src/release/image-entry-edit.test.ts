import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readImageEntries, setImageEntry } from './image-entry-edit.ts';

const prod = ['apps', 0, 'environments', 'prod'];

describe('setImageEntry', () => {
  test('a changed value keeps its quotes and the comment after it', () => {
    const text = "apps:\n  - name: web\n    environments:\n      prod:\n        images:\n          - name: web  # the app\n            newTag: 'v1' # monday\n";
    assert.equal(setImageEntry(text, 'capstan.yaml', prod, { name: 'web', newTag: 'v2' }), text.replace("'v1'", "'v2'"));
  });

  test('a plain value that would not read back as text is double-quoted', () => {
    const text = 'images:\n- name: web\n  newTag: v1\n';
    assert.equal(setImageEntry(text, 'kustomization.yaml', [], { name: 'web', newTag: '1.20' }), 'images:\n- name: web\n  newTag: "1.20"\n');
  });

  test('a plain number that already reads as the value is left alone', () => {
    const text = 'images:\n- name: web\n  newTag: 1.20\n';
    assert.equal(setImageEntry(text, 'kustomization.yaml', [], { name: 'web', newTag: '1.20' }), text);
    assert.deepEqual(readImageEntries(text, 'kustomization.yaml', []), [{ name: 'web', newTag: '1.20' }]);
  });

  test('an environment written with nothing gets a flow mapping', () => {
    const text = 'apps:\n  - name: web\n    environments:\n      dev:\n      prod:\n      qa: {}\n';
    assert.equal(setImageEntry(text, 'capstan.yaml', prod, { name: 'web', newTag: 'v2' }), 'apps:\n  - name: web\n    environments:\n      dev:\n      prod: { images: [{ name: web, newTag: v2 }] }\n      qa: {}\n');
  });

  test('an entry missing from a flow list is added after the last one, and from a block list in its style', () => {
    const flow = 'apps:\n  - name: web\n    environments:\n      prod: { images: [{ name: a, newTag: "1" }] }\n';
    assert.equal(setImageEntry(flow, 'capstan.yaml', prod, { name: 'web', newTag: 'v2' }), 'apps:\n  - name: web\n    environments:\n      prod: { images: [{ name: a, newTag: "1" }, { name: web, newTag: v2 }] }\n');
    const block = 'images:\n  - { name: a, newTag: "1" }\n# end\n';
    assert.equal(setImageEntry(block, 'kustomization.yaml', [], { name: 'web', newTag: 'v2' }), 'images:\n  - { name: a, newTag: "1" }\n  - { name: web, newTag: v2 }\n# end\n');
  });

  test('newName removed and a tag added: the entry is written again in its place', () => {
    const text = 'images:\n  - name: web\n    newName: other/web\n  - name: b\n    newTag: x\n';
    assert.equal(setImageEntry(text, 'kustomization.yaml', [], { name: 'web', newTag: 'v2' }), 'images:\n  - name: web\n    newTag: v2\n  - name: b\n    newTag: x\n');
  });

  test('what cannot hold images is refused, naming the file', () => {
    assert.throws(() => setImageEntry('images: nginx\n', 'apps/web/kustomization.yaml', [], { name: 'web', newTag: 'v2' }), {
      name: 'ValidationError',
      message: 'apps/web/kustomization.yaml: images is not a list: write it as a list of image entries ("- name: web"), then promote again',
    });
    assert.throws(() => setImageEntry('images: [\n', 'k.yaml', [], { name: 'web', newTag: 'v2' }), { name: 'ValidationError', message: /^k\.yaml is not valid YAML \(.*\): fix it, then promote again$/ });
  });
});
