/**
 * `generators:` in capstan.yaml: many apps from one rule, as Argo CD's ApplicationSet generators
 * make them. A `list` generator makes one app per element (`{{item.<key>}}`), a `directories`
 * generator one app per folder of the config repo matching a pattern (`{{dir.name}}`,
 * `{{dir.path}}`). Each generated app is read exactly like a hand-written one, from the template
 * with its placeholders filled in; its problems name the generator and the element.
 *
 * Reading is pure: the folders a pattern matches are listed beforehand (`listDirectories`, from the
 * checkout at the revision) and passed in as `GeneratorDirectories`.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar, isSeq, Pair, parseDocument, Scalar, visit, YAMLMap, type Node } from 'yaml';
import { checkRepoPath } from '../repo-path/index.ts';
import type { Slot, YamlReader } from './yaml-reader.ts';

/** The folders each `directories` pattern matched, repo-relative and sorted, by pattern as written. */
export type GeneratorDirectories = ReadonlyMap<string, readonly string[]>;

/** One app a generator made: its template filled in, and which generator and element it came from. */
export interface GeneratedItem {
  item: Slot;
  /** `generators[0] (directory apps/web)`. */
  origin: string;
}

const generatorFields = ['directories', 'exclude', 'list', 'template'] as const;
const generatorHints: Record<string, string> = {
  directory: 'did you mean "directories"?',
  git: 'write directories: <pattern> (folders of this config repo, such as apps/*)',
  elements: 'did you mean "list"?',
  excludes: 'did you mean "exclude"?',
  app: 'did you mean "template"?',
};
const placeholder = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The `directories` patterns written in a capstan.yaml's text, to list before reading it; none when it does not parse. */
export function directoryPatterns(text: string): string[] {
  const document = parseDocument(text, { prettyErrors: false });
  const generators = isMap(document.contents) ? document.contents.get('generators', true) : undefined;
  if (!isSeq(generators)) return [];
  const patterns: string[] = [];
  for (const generator of generators.items) {
    const pattern = isMap(generator) ? generator.get('directories', true) : undefined;
    if (isScalar(pattern) && typeof pattern.value === 'string') patterns.push(pattern.value);
  }
  return patterns;
}

/** The folders every `directories` generator of a capstan.yaml's text matches in the checkout `repoDir`. */
export async function generatorDirectories(repoDir: string, text: string): Promise<GeneratorDirectories> {
  const directories = new Map<string, string[]>();
  for (const pattern of directoryPatterns(text)) directories.set(pattern, await listDirectories(repoDir, pattern));
  return directories;
}

/**
 * The folders of `repoDir` a pattern matches (`*` and `?` within one path segment), repo-relative
 * and sorted. Hidden folders and symbolic links are never matched, so no match leaves the repo; a
 * pattern that is not a path inside the repo matches nothing (reading it reports why).
 */
export async function listDirectories(repoDir: string, pattern: string): Promise<string[]> {
  const checked = checkRepoPath(pattern);
  if (checked.path === undefined || checked.path === '.') return [];
  let found = [''];
  for (const segment of checked.path.split('/')) {
    const matcher = segmentMatcher(segment);
    const next: string[] = [];
    for (const dir of found) {
      const entries = await readdir(path.join(repoDir, dir), { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (entry.isDirectory() && !entry.name.startsWith('.') && matcher.test(entry.name)) next.push(dir === '' ? entry.name : `${dir}/${entry.name}`);
      }
    }
    found = next;
  }
  return found.sort();
}

function segmentMatcher(segment: string): RegExp {
  const source = [...segment].map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`);
}

/** Whether a repo-relative folder is excluded: by its path, or by a pattern (`apps/legacy-*`). */
function isExcluded(dir: string, excludes: readonly string[]): boolean {
  return excludes.some((e) => e === dir || segmentsMatch(e, dir));
}

function segmentsMatch(pattern: string, dir: string): boolean {
  const a = pattern.split('/');
  const b = dir.split('/');
  return a.length === b.length && a.every((p, i) => segmentMatcher(p).test(b[i]));
}

/**
 * The apps the generators under `slot` make, their templates filled in, in generator then element
 * order. `directories` is undefined when no checkout is known (reading text alone): then a
 * `directories` generator is reported.
 */
export function readGenerators(reader: YamlReader, slot: Slot, directories: GeneratorDirectories | undefined, environmentNames: readonly string[] = []): GeneratedItem[] {
  const generators = reader.items(slot, 'a list of app generators, e.g. "- { directories: apps/*, template: { name: \\"{{dir.name}}\\", ... } }"') ?? [];
  const made: GeneratedItem[] = [];
  generators.forEach((generator, index) => {
    const fields = reader.fields(generator, { fields: generatorFields, hints: generatorHints }, 'a mapping with directories or list, and template');
    if (fields === undefined) return;
    const name = `generators[${index}]`;
    const templateSlot = reader.require(fields, generator, 'template', 'the app each element makes, with placeholders such as {{dir.name}} or {{item.name}}');
    const template = templateSlot && isMap(templateSlot.node) ? templateSlot : undefined;
    if (templateSlot && !template) reader.expected(templateSlot, 'a mapping: the settings of each app, such as { name: "{{dir.name}}", source: "{{dir.path}}", namespace: "{{dir.name}}" }');
    const dirSlot = fields.get('directories');
    const listSlot = fields.get('list');
    const excludeSlot = fields.get('exclude');
    if (dirSlot && listSlot) {
      reader.report(listSlot, 'cannot be set together with directories: one generator makes apps from one source; write a second generator');
      return;
    }
    if (!dirSlot && !listSlot) {
      reader.report(generator, 'makes no app: set directories (a pattern of folders of the config repo, such as apps/*) or list (the elements, such as [{ name: a }])');
      return;
    }
    if (excludeSlot && !dirSlot) reader.report(excludeSlot, 'only applies to directories: remove it, or leave the elements out of list');
    const elements = dirSlot ? directoryElements(reader, dirSlot, excludeSlot, directories) : listElements(reader, listSlot!);
    if (template === undefined || elements === undefined) return;
    if (elements.length === 0 && dirSlot) return; // no folder matches yet: no app, as ApplicationSet does
    for (const element of elements) {
      const origin = `${name} (${element.label})`;
      const filled = fillTemplate(reader, template, element.values, origin);
      const item = filled && perEnvironment(reader, filled, environmentNames, origin);
      if (item) made.push({ item, origin });
    }
  });
  return made;
}

/** Runs `read` on a generated app, prefixing its problems with where it came from. */
export function readGenerated<T>(reader: YamlReader, generated: GeneratedItem, read: (item: Slot) => T): T {
  const before = reader.issues.length;
  const result = read(generated.item);
  for (const issue of reader.issues.slice(before)) issue.message = `in the app made by ${generated.origin}: ${issue.message}`;
  return result;
}

interface Element {
  label: string;
  values: ReadonlyMap<string, unknown>;
}

function directoryElements(reader: YamlReader, slot: Slot, excludeSlot: Slot | undefined, directories: GeneratorDirectories | undefined): Element[] | undefined {
  const pattern = reader.string(slot, 'a pattern of folders of the config repo, such as apps/*');
  if (pattern === undefined) return undefined;
  const checked = checkRepoPath(pattern);
  if (checked.problem !== undefined) {
    reader.report(slot, checked.problem);
    return undefined;
  }
  if (checked.path === '.') {
    reader.report(slot, 'must name folders below the root of the config repo, such as apps/*');
    return undefined;
  }
  const excludes: string[] = [];
  for (const item of (excludeSlot && reader.items(excludeSlot, 'a list of folders or patterns, e.g. [apps/legacy]')) || []) {
    const text = reader.string(item, 'a folder or pattern of the config repo, such as apps/legacy');
    const excluded = text === undefined ? undefined : checkRepoPath(text);
    if (excluded?.problem !== undefined) reader.report(item, excluded.problem);
    else if (excluded?.path !== undefined) excludes.push(excluded.path);
  }
  const matched = directories?.get(pattern);
  if (matched === undefined) {
    reader.report(slot, 'lists folders of the config repo, which is not known here (only the text of capstan.yaml was read): load the project from its checkout (loadProject), or use a list generator');
    return undefined;
  }
  return matched
    .filter((dir) => !isExcluded(dir, excludes))
    .map((dir) => ({ label: `directory ${dir}`, values: new Map([['dir.path', dir], ['dir.name', dir.slice(dir.lastIndexOf('/') + 1)]]) }));
}

function listElements(reader: YamlReader, slot: Slot): Element[] | undefined {
  const items = reader.items(slot, 'a list of elements, e.g. [{ name: a, namespace: team-a }]');
  if (items === undefined) return undefined;
  if (items.length === 0) reader.report(slot, 'lists no element: list at least one, or remove the generator');
  const elements: Element[] = [];
  items.forEach((item, i) => {
    const label = `list element ${i + 1}`;
    if (isScalar(item.node) && item.node.value !== null && item.node.value !== undefined) {
      elements.push({ label: `${label}, ${String(item.node.value)}`, values: new Map([['item', item.node.value]]) });
      return;
    }
    const entries = reader.entries(item, 'a mapping of values such as { name: a } (used in the template as {{item.name}}), or one value');
    if (entries === undefined) return;
    const values = new Map<string, unknown>();
    for (const { key, value } of entries) {
      if (!isScalar(value.node) || value.node.value === null || value.node.value === undefined) {
        reader.expected(value, 'a single value (text, number or boolean) to use in the template as {{item.' + key + '}}');
        continue;
      }
      values.set(`item.${key}`, value.node.value);
    }
    const name = values.get('item.name');
    elements.push({ label: name === undefined ? label : `${label}, ${String(name)}`, values });
  });
  return elements;
}

/** A copy of the template with every placeholder filled in; an unknown placeholder is reported. */
function fillTemplate(reader: YamlReader, template: Slot, values: ReadonlyMap<string, unknown>, origin: string): Slot | undefined {
  const node = template.node;
  if (node === undefined || !isMap(node)) return undefined;
  const copy = node.clone() as Node;
  let broken = false;
  visit(copy, {
    Scalar(_key, scalar) {
      if (typeof scalar.value !== 'string' || !scalar.value.includes('{{')) return;
      const text = scalar.value;
      const whole = /^\{\{\s*([^{}]*?)\s*\}\}$/.exec(text);
      if (whole && values.has(whole[1])) {
        scalar.value = values.get(whole[1]);
        return;
      }
      scalar.value = text.replace(placeholder, (written, name: string) => {
        if (values.has(name)) return String(values.get(name));
        if (name === envName) return written; // filled per environment (perEnvironment)
        broken = true;
        const known = [...values.keys(), envName].map((k) => `{{${k}}}`).join(', ');
        reader.reportNode(scalar, template.path, `${origin}: unknown placeholder ${written} (known here: ${known})`);
        return written;
      });
    },
  });
  return broken ? undefined : { path: template.path, node: copy, at: copy };
}

const envName = 'env.name';
/** The app settings that may differ per environment, so may hold `{{env.name}}`. */
const perEnvironmentFields = ['source', 'namespace', 'cluster'] as const;

/**
 * A filled template whose `source`, `namespace` or `cluster` hold `{{env.name}}` (an overlay per
 * environment, say `{{dir.path}}/overlays/{{env.name}}`), with those settings moved under
 * `environments.<env>` for every environment the app is deployed to (those its `environments`
 * lists, else every one of the project); a value set there already wins. `{{env.name}}` anywhere
 * else is reported.
 */
function perEnvironment(reader: YamlReader, item: Slot, environmentNames: readonly string[], origin: string): Slot | undefined {
  const map = item.node;
  if (!isMap(map)) return item;
  const uses = (node: unknown): node is Scalar => isScalar(node) && typeof node.value === 'string' && [...node.value.matchAll(placeholder)].some((m) => m[1] === envName);
  const moved = new Map<string, Scalar>();
  for (const field of perEnvironmentFields) {
    const value = map.get(field, true);
    if (uses(value)) {
      moved.set(field, value);
      map.delete(field);
    }
  }
  let misplaced = false;
  visit(map, {
    Scalar(_key, scalar) {
      if (!uses(scalar)) return;
      misplaced = true;
      reader.reportNode(scalar, item.path, `${origin}: {{${envName}}} can only be used in ${perEnvironmentFields.join(', ')} (the settings an app has per environment)`);
    },
  });
  if (misplaced) return undefined;
  if (moved.size === 0) return item;
  // new nodes take the template's place in the file, so a problem with them is reported there
  const at = [...moved.values()][0]!.range;
  const scalar = (value: unknown): Scalar => Object.assign(new Scalar(value), { range: at });
  const mapping = (): YAMLMap => Object.assign(new YAMLMap(), { range: at });
  let environments: unknown = map.get('environments', true);
  if (environments === undefined || (isScalar(environments) && environments.value === null)) {
    const every = mapping();
    for (const env of environmentNames) every.items.push(new Pair(scalar(env), null));
    map.delete('environments');
    map.items.push(new Pair(scalar('environments'), every));
    environments = every;
  }
  if (!isMap(environments)) return item; // reading the app reports it
  for (const pair of environments.items) {
    const env = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (pair.value === null || pair.value === undefined || (isScalar(pair.value) && pair.value.value === null)) pair.value = mapping();
    if (!isMap(pair.value)) continue; // reading the app reports it
    const overrides = pair.value;
    for (const [field, template] of moved) {
      if (overrides.has(field)) continue;
      const text = String(template.value).replace(placeholder, (written, name: string) => (name === envName ? env : written));
      overrides.items.push(new Pair(scalar(field), Object.assign(new Scalar(text), { range: template.range })));
    }
  }
  return item;
}
