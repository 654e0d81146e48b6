// What the documentation promises exists: every `capstan <command>` that README.md,
// examples/README.md, the example's capstan.yaml and the starter capstan.yaml show is a command of
// the CLI (its subcommand too, for `artifact push`, `policy apply`, …), and every `--flag` shown
// with it is one of that command's options. And the example's release-management files are what
// capstan itself reads: releases naming artifacts that exist, artifacts whose manifests match
// their digest, policies that parse, and CI's folder pushable and rendered by no app.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { Command } from 'commander';
import { artifactManifests, isDeployedTo, listArtifacts, loadProject, readArtifact, readPolicies, readRelease, starterProject } from '../config/index.ts';
import { readArtifactFiles } from '../release/index.ts';
import { capstanRoot } from './provide-tools.ts';

const examples = path.join(capstanRoot, 'examples');

/**
 * Every command of main.ts's table, built as `capstan` builds it. main.ts runs the CLI when
 * imported, so its table of loaders (`name: async () => (await import('./x.ts')).xCommand()`) is
 * read and each loader called here.
 */
async function cliCommands(): Promise<Map<string, Command>> {
  const source = readFileSync(path.join(capstanRoot, 'src', 'cli', 'main.ts'), 'utf8');
  const loaders = [...source.matchAll(/^ {2}(\w+): async \(\) => \(await import\('(\.\/[\w-]+\.ts)'\)\)\.(\w+)\(\),$/gm)];
  const commands = new Map<string, Command>();
  for (const [, name, file, factory] of loaders) {
    const module = (await import(file!)) as Record<string, () => Command>;
    const command = module[factory!]!();
    assert.equal(command.name(), name, `main.ts registers ${factory}() as ${name}`);
    commands.set(name!, command);
  }
  return commands;
}

interface Mention {
  file: string;
  /** The words after `capstan` and the flags, as written. */
  text: string;
  words: string[];
  flags: string[];
}

/** `capstan <word> [<word>] …`: the words, and the `--flags` up to where the command ends. */
function mentionsIn(file: string, code: string): Mention[] {
  const out: Mention[] = [];
  for (const match of code.matchAll(/\bcapstan ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?/g)) {
    const rest = code.slice(match.index);
    // the command ends at the end of the line, a shell separator, a comment or the next capstan
    const end = rest.slice(1).search(/\n|&&|;|\s\|\s|\s#\s|\bcapstan /);
    const text = end < 0 ? rest : rest.slice(0, end + 1);
    out.push({ file, text: text.trim(), words: [match[1]!, ...(match[2] ? [match[2]] : [])], flags: [...text.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((m) => m[0]) });
  }
  return out;
}

/** Markdown: what is code (fenced blocks and `spans`); prose that says "capstan makes…" is not. */
function markdownCode(text: string): string[] {
  const pieces: string[] = [];
  // fenced blocks, also indented under a list item; a line ending in \ goes on in the next
  const prose = text.replace(/^( *)```[^\n]*\n([\s\S]*?)^\1```$/gm, (_match, _indent, block: string) => {
    pieces.push(block.replace(/\s*\\\n\s*/g, ' '));
    return '';
  });
  for (const span of prose.matchAll(/`([^`\n]+)`/g)) pieces.push(span[1]!.replaceAll('\\|', '|'));
  return pieces;
}

/** YAML comments: a command in backticks, or followed by arguments (`capstan promote orders --env staging`). */
function commentCode(text: string): string[] {
  const pieces: string[] = [];
  for (const span of text.matchAll(/`([^`\n]+)`/g)) pieces.push(span[1]!);
  for (const line of text.split('\n')) {
    for (const match of line.matchAll(/\bcapstan [a-z][a-z-]*(?: [a-z][a-z-]*)?(?= <| --| [\w<>-]+ --)[^\n]*/g)) pieces.push(match[0]);
  }
  return pieces;
}

function documentedCommands(): Mention[] {
  const read = (file: string): string => readFileSync(path.join(capstanRoot, file), 'utf8');
  const mentions: Mention[] = [];
  for (const file of ['README.md', 'examples/README.md']) for (const code of markdownCode(read(file))) mentions.push(...mentionsIn(file, code));
  for (const code of commentCode(read('examples/capstan.yaml'))) mentions.push(...mentionsIn('examples/capstan.yaml', code));
  for (const code of commentCode(starterProject())) mentions.push(...mentionsIn('the starter capstan.yaml', code));
  // up's printed report, quoted in README.md's set-up: "capstan is up: the 6 apps …"
  return mentions.filter((m) => !/^capstan is up\b/.test(m.text));
}

/** Why a mention does not describe a command that exists; undefined when it does. */
function problem(mention: Mention, commands: Map<string, Command>): string | undefined {
  const [name, second] = mention.words;
  const command = commands.get(name!);
  if (!command) return `"capstan ${name}" is not a command (there are ${[...commands.keys()].join(', ')})`;
  let target = command;
  if (command.commands.length > 0 && second !== undefined) {
    const sub = command.commands.find((c) => c.name() === second);
    if (!sub) return `"capstan ${name} ${second}": ${name} has the subcommands ${command.commands.map((c) => c.name()).join(', ')}`;
    target = sub;
  }
  const known = new Set(['--help', ...target.options.map((o) => o.long).filter((l): l is string => l !== undefined)]);
  const unknown = mention.flags.filter((f) => !known.has(f));
  if (unknown.length > 0) return `${unknown.join(', ')} ${unknown.length === 1 ? 'is not an option' : 'are not options'} of capstan ${target === command ? name : `${name} ${second}`}`;
  return undefined;
}

describe('the documentation names commands that exist', () => {
  test('every capstan <command> and its --flags in README.md, examples/ and the starter capstan.yaml', async () => {
    const commands = await cliCommands();
    assert.ok(commands.has('apply') && commands.has('promote') && commands.size >= 20, `main.ts's commands were read: ${[...commands.keys()].join(', ')}`);
    const mentions = documentedCommands();
    for (const [file, wanted] of [
      ['README.md', ['artifact push', 'artifact step', 'release', 'promote', 'policy apply', 'policy list', 'policy delete', 'log', 'status']],
      ['examples/README.md', ['artifact push', 'artifact step', 'policy apply', 'policy list', 'promote', 'release', 'log', 'status']],
      ['examples/capstan.yaml', ['promote']],
      ['the starter capstan.yaml', ['promote']],
    ] as const) {
      const named = new Set(mentions.filter((m) => m.file === file).map((m) => m.words.join(' ')));
      for (const command of wanted) assert.ok([...named].some((n) => n === command || n.startsWith(`${command} `)), `${file} shows capstan ${command} (it shows ${[...named].join(', ')})`);
    }
    for (const file of ['README.md', 'examples/README.md']) {
      const shown = new Set(mentions.filter((m) => m.file === file && m.words[0] === 'release').flatMap((m) => m.flags));
      for (const flag of ['--previous', '--branch']) assert.ok(shown.has(flag), `${file} shows capstan release ${flag}`);
    }
    const problems = mentions.flatMap((m) => {
      const why = problem(m, commands);
      return why ? [`${m.file}: ${m.text}: ${why}`] : [];
    });
    assert.deepEqual(problems, []);
  });

  test('a command, subcommand or flag that does not exist is caught', async () => {
    const commands = await cliCommands();
    const check = (code: string): string | undefined => problem(mentionsIn('t', code)[0]!, commands);
    assert.equal(check('capstan promote orders --env staging'), undefined);
    assert.equal(check('capstan policy apply auto-release --branch master --env dev'), undefined);
    assert.match(check('capstan promte orders --env staging')!, /^"capstan promte" is not a command/);
    assert.match(check('capstan policy add auto-release')!, /^"capstan policy add": policy has the subcommands apply, list, delete/);
    assert.equal(check('capstan promote orders --service orders --env staging'), '--service is not an option of capstan promote');
    // where a command ends: the next one's flags are its own
    assert.deepEqual(mentionsIn('t', 'capstan log && capstan status orders --env dev').map((m) => [m.words.join(' '), m.flags]), [['log', []], ['status orders', ['--env']]]);
    assert.deepEqual(markdownCode('capstan makes the clusters match `capstan apply --all`; and\n```sh\ncapstan diff web \\\n  --env dev\n```\n1. or\n   ```sh\n   capstan get web\n   ```\n'), [
      'capstan diff web --env dev\n',
      '   capstan get web\n',
      'capstan apply --all',
    ]);
    assert.deepEqual(commentCode('# capstan never lets two apps share\n# capstan promote orders --env staging: dev to staging'), ['capstan promote orders --env staging: dev to staging']);
  });
});

describe("the example's release-management files", () => {
  test('every release names an artifact that exists, every artifact.json parses and matches its manifests, and the policies parse', async () => {
    const project = await loadProject(examples);
    const services = readdirSync(path.join(examples, 'releases'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    assert.deepEqual(services, ['orders']);
    for (const service of services) {
      const artifacts = await listArtifacts(examples, service);
      assert.equal(artifacts.length, readdirSync(path.join(examples, 'artifacts', service)).length, 'every artifact folder has an artifact.json that parses');
      for (const artifact of artifacts) {
        assert.deepEqual(await readArtifact(examples, service, artifact.id), artifact);
        // as capstan artifact push computed it: the digest of the folder CI handed it
        const manifests = artifactManifests(artifact, 'dev')!;
        assert.equal((await readArtifactFiles(path.join(examples, manifests), project)).digest, artifact.digest, `${manifests} is what was pushed`);
      }
      for (const file of readdirSync(path.join(examples, 'releases', service))) {
        const env = path.basename(file, '.yaml');
        const release = (await readRelease(examples, service, env))!;
        for (const entry of [release, ...release.history]) assert.ok(await readArtifact(examples, service, entry.artifact), `releases/${service}/${file}: artifact ${entry.artifact} exists`);
      }
    }
    assert.deepEqual(
      (await readPolicies(examples)).map((p) => `${p.id}: ${p.type === 'auto-release' ? p.branch : p.branchRegex}`),
      ['auto-release-all-dev: master', 'branch-restriction-all-prod: ^master$'],
    );
  });

  test('each app of type: artifact is released in every environment it is deployed to, dev running a newer artifact than staging', async () => {
    const project = await loadProject(examples);
    const apps = project.apps.filter((a) => a.type === 'artifact');
    assert.deepEqual(apps.map((a) => a.name), ['orders']);
    for (const app of apps) {
      for (const env of project.environments.filter((e) => isDeployedTo(app, e.name))) {
        assert.ok(await readRelease(examples, app.service ?? app.name, env.name), `${app.name} is released in ${env.name}`);
      }
    }
    const [dev, staging] = await Promise.all(['dev', 'staging'].map((env) => readRelease(examples, 'orders', env)));
    assert.notEqual(dev!.artifact, staging!.artifact, 'capstan promote orders --env staging has something to promote');
  });

  test("ci/orders is what a person pushes with capstan artifact push, and no app renders it", async () => {
    const project = await loadProject(examples);
    const files = await readArtifactFiles(path.join(examples, 'ci', 'orders'), project);
    assert.deepEqual(files.files.map((f) => f.path), ['orders.yaml']);
    assert.equal(files.environments, undefined);
    for (const app of project.apps) {
      for (const source of [app.source, ...Object.values(app.environments ?? {}).map((e) => e?.source)]) {
        assert.ok(source === undefined || !`${source}/`.startsWith('ci/'), `${app.name} renders ${source}`);
      }
    }
    assert.ok(existsSync(path.join(examples, 'ci', 'orders', 'orders.yaml')));
  });
});
