// A committer's chart must not read files outside the config repo: symlinks in every place helm
// reads (files, templates, subcharts, .helmignore'd files) and values schemas that load files.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { findHelm } from './helm.ts';
import { renderApp, RenderValidationError } from './index.ts';
import { keys, testApp } from './testing.ts';

const helmSkip: string | false = (await findHelm()) ? false : 'helm not found: run `npm run setup-tools` (npm test does) or set CAPSTAN_HELM';

const secret = 'admin root 9c1f-capstan-admin-token-5e77';
const temps: string[] = [];
after(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

/** `<tmp>/repo` (a config repo with `charts/evil`) and `<tmp>/outside` (the agent's files, with a tokens file). */
async function setup(): Promise<{ repo: string; chart: string; outside: string }> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'capstan-helm-escape-'));
  temps.push(base);
  const repo = path.join(base, 'repo');
  const chart = path.join(repo, 'charts/evil');
  const outside = path.join(base, 'outside');
  await mkdir(path.join(chart, 'templates'), { recursive: true });
  await mkdir(outside);
  await writeFile(path.join(outside, 'tokens'), `${secret}\n`);
  await writeFile(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: evil\nversion: 0.1.0\n');
  return { repo, chart, outside };
}

function configMap(name: string, data: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${data}\n`;
}

async function renderFailure(repo: string): Promise<RenderValidationError> {
  const error = await renderApp(repo, testApp('charts/evil'), {}).then(
    (result) => assert.fail(`rendered ${JSON.stringify(result.objects.map((o) => o.manifest))}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof RenderValidationError, String(error));
  assert.ok(!error.message.includes(secret), 'the secret is not in the message');
  return error;
}

const refused = 'a Helm chart may only read files inside the config repo';

describe('renderApp: a Helm chart reads nothing outside the repository', { skip: helmSkip }, () => {
  it('refuses a symlink to a file outside that .Files.Get reads', async () => {
    const { repo, chart, outside } = await setup();
    await symlink(path.join(outside, 'tokens'), path.join(chart, 'tokens'));
    await writeFile(path.join(chart, 'templates/leak.yaml'), configMap('leak', '  tokens: {{ .Files.Get "tokens" | quote }}'));
    const error = await renderFailure(repo);
    assert.equal(error.message, `charts/evil: symlink "charts/evil/tokens" points outside the repository (to ${JSON.stringify(path.join(outside, 'tokens'))}): ${refused}`);
  });

  it('refuses a symlink that .Files.Glob reaches, among plain files, and a symlinked directory', async () => {
    const { repo, chart } = await setup();
    await mkdir(path.join(chart, 'conf'));
    await writeFile(path.join(chart, 'conf/a.txt'), 'plain\n');
    await symlink('../../../../outside/tokens', path.join(chart, 'conf/b.txt'));
    await symlink('../../../outside', path.join(chart, 'agent'));
    await writeFile(path.join(chart, 'templates/leak.yaml'), configMap('leak', '{{ (.Files.Glob "conf/*").AsConfig | indent 2 }}\n{{ (.Files.Glob "agent/*").AsConfig | indent 2 }}'));
    const error = await renderFailure(repo);
    assert.equal(
      error.message,
      [
        'charts/evil has 2 problems:',
        `  charts/evil: symlink "charts/evil/agent" points outside the repository (to "../../../outside"): ${refused}`,
        `  charts/evil: symlink "charts/evil/conf/b.txt" points outside the repository (to "../../../../outside/tokens"): ${refused}`,
      ].join('\n'),
    );
  });

  it('refuses a templates directory that is a symlink to a directory outside', async () => {
    const { repo, chart, outside } = await setup();
    await rm(path.join(chart, 'templates'), { recursive: true });
    await mkdir(path.join(outside, 'templates'));
    await writeFile(path.join(outside, 'templates/cm.yaml'), configMap('from-outside', '  a: "1"'));
    await symlink(path.join(outside, 'templates'), path.join(chart, 'templates'));
    const error = await renderFailure(repo);
    assert.equal(error.message, `charts/evil: symlink "charts/evil/templates" points outside the repository (to ${JSON.stringify(path.join(outside, 'templates'))}): ${refused}`);
  });

  it('refuses a subchart in charts/ that is a symlink to a chart outside', async () => {
    const { repo, chart, outside } = await setup();
    await mkdir(path.join(outside, 'dep/templates'), { recursive: true });
    await writeFile(path.join(outside, 'dep/Chart.yaml'), 'apiVersion: v2\nname: dep\nversion: 0.1.0\n');
    await writeFile(path.join(outside, 'dep/templates/cm.yaml'), configMap('from-outside', '  a: "1"'));
    await mkdir(path.join(chart, 'charts'));
    await symlink('../../../../outside/dep', path.join(chart, 'charts/dep'));
    const error = await renderFailure(repo);
    assert.equal(error.message, `charts/evil: symlink "charts/evil/charts/dep" points outside the repository (to "../../../../outside/dep"): ${refused}`);
  });

  it('refuses a symlink chain that leaves the repository and comes back, and a link helm is told to ignore', async () => {
    const { repo, chart, outside } = await setup();
    await writeFile(path.join(chart, 'real.txt'), 'inside\n');
    await symlink(path.join(chart, 'real.txt'), path.join(outside, 'bounce'));
    await symlink('../../../outside/bounce', path.join(chart, 'round-trip'));
    await symlink(path.join(outside, 'tokens'), path.join(chart, 'ignored'));
    await writeFile(path.join(chart, '.helmignore'), 'ignored\n');
    await writeFile(path.join(chart, 'templates/cm.yaml'), configMap('cm', '  a: {{ .Files.Get "round-trip" | quote }}'));
    const error = await renderFailure(repo);
    assert.equal(
      error.message,
      [
        'charts/evil has 2 problems:',
        `  charts/evil: symlink "charts/evil/ignored" points outside the repository (to ${JSON.stringify(path.join(outside, 'tokens'))}): ${refused}`,
        `  charts/evil: symlink "charts/evil/round-trip" points outside the repository (to "../../../outside/bounce"): ${refused}`,
      ].join('\n'),
    );
  });

  it('refuses a values schema that loads a file, also inside a vendored subchart archive', async () => {
    const { repo, chart, outside } = await setup();
    await writeFile(path.join(outside, 'schema.json'), '{"properties": {"x": {"const": "leak"}}}');
    const fileRef = `file://${path.join(outside, 'schema.json')}`;
    await writeFile(path.join(chart, 'values.schema.json'), JSON.stringify({ properties: { x: { $ref: fileRef } } }));
    await writeFile(path.join(chart, 'values.yaml'), 'x: 1\n');
    // charts/dep-0.1.0.tgz, built with tar, whose schema fetches from a local HTTP address
    const build = path.join(outside, 'build');
    await mkdir(path.join(build, 'dep'), { recursive: true });
    await writeFile(path.join(build, 'dep/Chart.yaml'), 'apiVersion: v2\nname: dep\nversion: 0.1.0\n');
    await writeFile(path.join(build, 'dep/values.schema.json'), JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', allOf: [{ $ref: 'http://127.0.0.1:9/schema.json' }] }));
    await mkdir(path.join(chart, 'charts'));
    await promisify(execFile)('tar', ['-czf', path.join(chart, 'charts/dep-0.1.0.tgz'), '-C', build, 'dep']);
    const error = await renderFailure(repo);
    const advice = 'helm\'s schema validator would load that file or URL; use references within the schema ("#/…") or copy what it refers to into it';
    assert.equal(
      error.message,
      [
        'charts/evil has 2 problems:',
        `  charts/evil: charts/evil/charts/dep-0.1.0.tgz: dep/values.schema.json refers outside itself with "$ref": "http://127.0.0.1:9/schema.json" (at allOf[0].$ref): ${advice}`,
        `  charts/evil: charts/evil/values.schema.json refers outside itself with "$ref": ${JSON.stringify(fileRef)} (at properties.x.$ref): ${advice}`,
      ].join('\n'),
    );
  });

  it('follows symlinks that stay inside the repository: a shared template, a shared subchart, a schema with local references', async () => {
    const { repo, chart } = await setup();
    await mkdir(path.join(repo, 'shared/lib/templates'), { recursive: true });
    await writeFile(path.join(repo, 'shared/cm.yaml'), configMap('shared', '  from: {{ .Files.Get "notes/motd.txt" | quote }}'));
    await writeFile(path.join(repo, 'shared/lib/Chart.yaml'), 'apiVersion: v2\nname: lib\nversion: 0.1.0\n');
    await writeFile(path.join(repo, 'shared/lib/templates/cm.yaml'), configMap('lib', '  a: "1"'));
    await mkdir(path.join(repo, 'shared/notes'));
    await writeFile(path.join(repo, 'shared/notes/motd.txt'), 'hello');
    await symlink('../../../shared/cm.yaml', path.join(chart, 'templates/shared.yaml'));
    await symlink('../../shared/notes', path.join(chart, 'notes'));
    await mkdir(path.join(chart, 'charts'));
    await symlink('../../../shared/lib', path.join(chart, 'charts/lib'));
    await writeFile(path.join(chart, 'values.schema.json'), JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', properties: { n: { $ref: '#/$defs/n' } }, $defs: { n: { type: 'integer' } } }));
    const result = await renderApp(repo, testApp('charts/evil'), {});
    assert.deepEqual(keys(result.objects), ['ConfigMap/lib', 'ConfigMap/shared']);
    assert.deepEqual(result.objects[1]!.manifest.data, { from: 'hello' });
  });
});
