import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { readRelease } from '../config/index.ts';
import { CheckoutWriter, CloneWriter } from '../source/index.ts';
import { commit, git, makeRepo } from '../source/testing.ts';
import { PolicyRefusal, Releases, type Actor, type GateCheck } from './index.ts';
import { writeEdits } from './repo-change.ts';

const project = `apiVersion: capstan.dev/v1alpha1
kind: Project
environments:
  - name: dev
  - name: staging
    promotesFrom: dev
    promotion: { requireHealthyFor: 10m }
  - name: prod
    promotesFrom: staging
apps:
  - name: web
    type: artifact
    namespace: web
`;

const ann: Actor = { name: 'Ann', identity: { name: 'Ann', email: 'ann@example.com' } };
const bob: Actor = { name: 'Bob', identity: { name: 'Bob', email: 'bob@example.com' } };

interface Fixture {
  work: string;
  origin: string;
  releases(name: string, options?: { gate?: GateCheck; now?: () => Date }): Releases;
  build(files: Record<string, string>): string;
  log(): Promise<string[]>;
}

async function fixture(t: { after(fn: () => void): void }): Promise<Fixture> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'capstan-releases-'));
  t.after(() => rmSync(work, { recursive: true, force: true, maxRetries: 10 }));
  const { dir } = await makeRepo({ 'capstan.yaml': project });
  const origin = path.join(work, 'origin.git');
  await git(work, 'clone', '--quiet', '--bare', dir, origin);
  let builds = 0;
  return {
    work,
    origin,
    releases: (name, options = {}) =>
      new Releases({ writer: new CloneWriter({ dir: path.join(work, name), remote: { url: origin }, branch: 'main', committer: { name: 'capstan', email: 'capstan@example.com' } }), commit: { pause: async () => undefined }, ...options }),
    build(files) {
      const dir = path.join(work, `build-${++builds}`);
      for (const [file, content] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        writeFileSync(path.join(dir, file), content);
      }
      return dir;
    },
    log: async () => (await git(origin, 'log', '--format=%an: %s', 'main')).trim().split('\n'),
  };
}

const configMap = (version: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  version: "${version}"\n`;

describe('releases as commits', () => {
  test('an artifact id is immutable: the same manifests again are no commit, other manifests are refused', async (t) => {
    const f = await fixture(t);
    const r = f.releases('ci');
    const first = await r.pushArtifact({ dir: f.build({ 'cm.yaml': configMap('1') }), service: 'web', branch: 'master', id: 'a1' }, ann);
    assert.ok(first.commit);
    const again = await r.pushArtifact({ dir: f.build({ 'cm.yaml': configMap('1') }), service: 'web', branch: 'master', id: 'a1' }, ann);
    assert.equal(again.commit, undefined);
    await assert.rejects(r.pushArtifact({ dir: f.build({ 'cm.yaml': configMap('2') }), service: 'web', branch: 'master', id: 'a1' }, ann), /artifact "a1" of service "web" already exists with other manifests .*: artifacts never change once pushed; push this one under a new --id/);
    assert.equal((await f.log()).length, 2);
  });

  test('folders named after environments make a per-environment artifact; a manifest outside them is refused', async (t) => {
    const f = await fixture(t);
    const r = f.releases('ci');
    const pushed = await r.pushArtifact({ dir: f.build({ 'dev/cm.yaml': configMap('d'), 'prod/cm.yaml': configMap('p'), 'README.md': 'not a manifest' }), service: 'web', branch: 'master', id: 'e1' }, ann);
    assert.deepEqual(pushed.artifact.environments, ['dev', 'prod']);
    await assert.rejects(r.release({ service: 'web', env: 'staging', target: { artifact: 'e1' }, actor: ann }), /artifact "e1" of service "web" has no manifests for environment "staging" \(it has dev, prod\)/);
    await assert.rejects(r.pushArtifact({ dir: f.build({ 'dev/cm.yaml': configMap('d'), 'extra.yaml': configMap('x') }), service: 'web', branch: 'master', id: 'e2' }, ann), /it has folders for environments dev and also extra\.yaml outside them/);
    await assert.rejects(r.pushArtifact({ dir: f.build({ 'cm.yaml': 'a: [unclosed' }), service: 'web', branch: 'master', id: 'e3' }, ann), /cm\.yaml:1: not valid YAML/);
  });

  test('a symbolic link in CI\'s folder, or in the repo on the way to a release file, is refused', async (t) => {
    const f = await fixture(t);
    const dir = f.build({ 'cm.yaml': configMap('1') });
    symlinkSync('/etc/passwd', path.join(dir, 'passwd.yaml'));
    await assert.rejects(f.releases('ci').pushArtifact({ dir, service: 'web', branch: 'master', id: 'l1' }, ann), /passwd\.yaml: a symbolic link: an artifact holds plain files only/);
    // a committed link `releases -> <outside>` must not carry a write out of the repo
    const repo = mkdtempSync(path.join(f.work, 'repo-'));
    const outside = mkdtempSync(path.join(f.work, 'outside-'));
    symlinkSync(outside, path.join(repo, 'releases'));
    await assert.rejects(writeEdits(repo, [{ path: 'releases/web/dev.yaml', content: 'x' }]), /"releases" is a symbolic link/);
    await assert.rejects(writeEdits(repo, [{ path: '../escape.yaml', content: 'x' }]), /refusing to write "\.\.\/escape\.yaml"/);
    await assert.rejects(writeEdits(repo, [{ path: '.git/config', content: 'x' }]), /refusing to write "\.git\/config"/);
  });

  test('two releases at the same moment both land, one after the other; none is lost', async (t) => {
    const f = await fixture(t);
    const ci = f.releases('ci');
    await ci.pushArtifact({ dir: f.build({ 'cm.yaml': configMap('1') }), service: 'web', branch: 'master', id: 'c1' }, ann);
    await ci.pushArtifact({ dir: f.build({ 'cm.yaml': configMap('2') }), service: 'web', branch: 'master', id: 'c2' }, ann);
    const [a, b] = await Promise.all([
      f.releases('one').release({ service: 'web', env: 'dev', target: { artifact: 'c1' }, actor: ann }),
      f.releases('two').release({ service: 'web', env: 'prod', target: { artifact: 'c2' }, actor: bob }),
    ]);
    assert.ok(a.committed && b.committed);
    assert.equal(a.attempts + b.attempts, 3, 'one of them was redone on the other\'s commit');
    const log = await f.log();
    assert.deepEqual(log.slice(0, 2).sort(), ['Ann: release web c1 (branch master) to dev', 'Bob: release web c2 (branch master) to prod']);
  });

  test('a release that a policy refuses once someone else published first is refused with the reason', async (t) => {
    const f = await fixture(t);
    const ci = f.releases('ci');
    await ci.pushArtifact({ dir: f.build({ 'cm.yaml': configMap('h') }), service: 'web', branch: 'hotfix', id: 'h1' }, ann);
    const slow = f.releases('slow');
    let raced = false;
    // the branch restriction lands between the slow release's first attempt and its push
    const racing = new Releases({
      writer: new CloneWriter({ dir: path.join(f.work, 'racing'), remote: { url: f.origin }, branch: 'main', committer: { name: 'capstan', email: 'c@example.com' } }),
      commit: {
        pause: async () => undefined,
      },
    });
    const original = (slow as unknown as { options: { writer: { publish(): Promise<string> } } }).options.writer;
    const publish = original.publish.bind(original);
    original.publish = async () => {
      if (!raced) {
        raced = true;
        await racing.applyPolicy({ type: 'branch-restriction', env: 'prod', branchRegex: '^master$' }, bob);
      }
      return publish();
    };
    await assert.rejects(slow.release({ service: 'web', env: 'prod', target: { artifact: 'h1' }, actor: ann }), (error: unknown) => {
      assert.ok(error instanceof PolicyRefusal);
      assert.match(error.message, /policy branch-restriction-all-prod refuses to release artifact "h1"/);
      return true;
    });
    assert.deepEqual((await f.log())[0], 'Bob: policy branch-restriction-all-prod: branch-restriction: only branches matching /^master$/ (every service) may run in prod');
  });

  test('--previous walks back through the releases; releasing what runs is no commit', async (t) => {
    const f = await fixture(t);
    const r = f.releases('ci');
    for (const id of ['p1', 'p2', 'p3']) {
      await r.pushArtifact({ dir: f.build({ 'cm.yaml': configMap(id) }), service: 'web', branch: 'master', id }, ann);
      await r.release({ service: 'web', env: 'prod', target: { artifact: id }, actor: ann });
    }
    const noop = await r.release({ service: 'web', env: 'prod', target: { branch: 'master' }, actor: ann });
    assert.equal(noop.committed, false);
    const back = await r.release({ service: 'web', env: 'prod', target: { previous: true }, actor: bob });
    assert.equal(back.result.artifact.id, 'p2');
    const again = await r.release({ service: 'web', env: 'prod', target: { previous: true }, actor: bob });
    assert.equal(again.result.artifact.id, 'p1');
    await assert.rejects(r.release({ service: 'web', env: 'prod', target: { previous: true }, actor: bob }), /has had one release in prod \(p1\): there is no previous release/);
    const record = await readRelease(path.join(f.work, 'ci'), 'web', 'prod');
    assert.equal(record?.action, 'rollback');
  });

  test('the promotion gate refuses with how long is left; --force promotes and the commit records it', async (t) => {
    const f = await fixture(t);
    const gate: GateCheck = async ({ env }) => `app web has been Synced and Healthy in ${env} for 3m of the 10m required: 7m left`;
    const r = f.releases('ci', { gate });
    await r.pushArtifact({ dir: f.build({ 'cm.yaml': configMap('g') }), service: 'web', branch: 'master', id: 'g1' }, ann);
    await r.release({ service: 'web', env: 'dev', target: { artifact: 'g1' }, actor: ann });
    await r.release({ service: 'web', env: 'staging', target: { promoteFrom: 'promotesFrom' }, actor: ann }); // dev has no gate
    await assert.rejects(
      r.release({ service: 'web', env: 'prod', target: { promoteFrom: 'promotesFrom' }, actor: ann }),
      /promotion gate of staging refuses to promote web g1 to prod: app web has been Synced and Healthy in staging for 3m of the 10m required: 7m left\. Wait, or pass --force/,
    );
    const forced = await r.release({ service: 'web', env: 'prod', target: { promoteFrom: 'promotesFrom' }, actor: bob, force: true });
    assert.ok(forced.committed);
    const body = await git(f.origin, 'log', '-1', '--format=%B', 'main');
    assert.match(body, /forced past the promotion gate: gate of staging \(requireHealthyFor 10m\): app web has been Synced/);
    assert.match(body, /Capstan-Forced: gate of staging/);
    assert.match(readFileSync(path.join(f.work, 'ci', 'releases', 'web', 'prod.yaml'), 'utf8'), /forced: "gate of staging \(requireHealthyFor 10m\)/);
  });

  test('a person\'s checkout: only capstan\'s files are committed, other local changes stay, and the commit is pushed', async (t) => {
    const f = await fixture(t);
    const clone = path.join(f.work, 'person');
    await git(f.work, 'clone', '--quiet', f.origin, clone);
    writeFileSync(path.join(clone, 'capstan.yaml'), `${readFileSync(path.join(clone, 'capstan.yaml'), 'utf8')}# my unfinished edit\n`);
    writeFileSync(path.join(clone, 'notes.txt'), 'untracked\n');
    const r = new Releases({ writer: new CheckoutWriter(clone) });
    await r.applyPolicy({ type: 'auto-release', env: 'dev', branch: 'master' }, ann);
    // (the helper trims the output: " M capstan.yaml", unstaged, loses its first space)
    const status = await git(clone, 'status', '--porcelain');
    assert.match(status, /^M capstan\.yaml$/m);
    assert.match(status, /\?\? notes\.txt/);
    assert.equal((await git(f.origin, 'show', '--stat', '--format=%s', 'main')).includes('capstan.yaml'), false);
    assert.match((await f.log())[0]!, /^Ann: policy auto-release-all-dev/);
    // a checkout with a commit its upstream lacks is not rebased behind the person's back
    await commit(clone, { 'other.txt': 'local\n' }, 'local work');
    await f.releases('elsewhere').applyPolicy({ type: 'auto-release', env: 'staging', branch: 'master' }, bob);
    await assert.rejects(r.applyPolicy({ type: 'auto-release', env: 'prod', branch: 'master' }, ann), /cannot be fast-forwarded to origin\/main .*: push or drop your local commits/);
  });

  test('promote copies a pins app\'s pin as one commit, under the gate like an artifact', async (t) => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'capstan-promote-pins-'));
    t.after(() => rmSync(work, { recursive: true, force: true, maxRetries: 10 }));
    const pins = `apiVersion: capstan.dev/v1alpha1
kind: Project
environments:
  - name: dev
    promotion: { requireHealthyFor: 5m }
  - name: staging
    promotesFrom: dev
apps:
  - name: team
    type: pins
    source: state
    namespace: team-dev
    environments:
      dev: {}
      staging: { namespace: team-staging }
`;
    const { dir } = await makeRepo({ 'capstan.yaml': pins, 'state/images_path': 'registry.example.com/team\n', 'state/team-dev/web': 'aaaaaaa\n', 'state/team-staging/web': 'bbbbbbb\n' });
    const origin = path.join(work, 'origin.git');
    await git(work, 'clone', '--quiet', '--bare', dir, origin);
    let open = false;
    const r = new Releases({
      writer: new CloneWriter({ dir: path.join(work, 'clone'), remote: { url: origin }, branch: 'main', committer: { name: 'capstan', email: 'c@example.com' } }),
      gate: async ({ apps }) => (open ? undefined : `app ${apps?.join(',')} is Progressing`),
    });
    await assert.rejects(r.promote({ service: 'web', env: 'staging', actor: ann }), /promotion gate of dev refuses to promote web to staging: app team is Progressing/);
    open = true;
    const outcome = await r.promote({ service: 'web', env: 'staging', actor: ann });
    assert.ok(outcome.committed);
    assert.equal(outcome.result.layout?.from, 'dev');
    assert.equal((await git(origin, 'show', 'main:state/team-staging/web')).trim(), 'aaaaaaa');
    assert.equal((await git(origin, 'log', '-1', '--format=%an: %s', 'main')).trim(), 'Ann: promote web from dev to staging: image pin of web bbbbbbb -> aaaaaaa');
    assert.equal((await r.promote({ service: 'web', env: 'staging', actor: ann })).committed, false);
    await assert.rejects(r.promote({ service: 'api', env: 'staging', actor: ann }), /no app renders service "api" in both dev and staging/);
  });
});
