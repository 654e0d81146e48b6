/**
 * Sets one entry of an `images:` list in YAML text, in place: capstan.yaml's
 * `apps[].environments.<env>.images`, or a kustomization's `images`. Only the entry's own values
 * are rewritten (a changed tag is one changed scalar, its quotes kept); an entry that is missing is
 * added after the list's last one, in the list's style; the rest of the file stays byte for byte
 * as it was, comments included. The result is read back and compared with what was meant, so an
 * edit that would change anything else is refused rather than written.
 */
import { isDeepStrictEqual } from 'node:util';
import { isMap, isScalar, isSeq, parse, parseDocument, type Document, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import type { ImageOverride } from '../config/index.ts';
import { CapstanError, ValidationError } from '../core/index.ts';

const valueKeys = ['newName', 'newTag', 'digest'] as const;

/** Where, in a file, the mapping that holds `images:` is: `['apps', 0, 'environments', 'prod']`, or `[]` for the top level. */
export type YamlPath = ReadonlyArray<string | number>;

interface Replacement {
  start: number;
  end: number;
  text: string;
}

/**
 * The text with the entry of `images:` (below `holder`) named `entry.name` made exactly `entry`
 * (its newName, newTag and digest; other keys of the entry are kept). `file` names the file in
 * messages. Throws a ValidationError when the file is not YAML or `holder` is not a mapping.
 */
export function setImageEntry(text: string, file: string, holder: YamlPath, entry: ImageOverride): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new ValidationError(`${file} is not valid YAML (${doc.errors[0].message.split('\n')[0]}): fix it, then promote again`);
  const where = holder.length === 0 ? 'the top level' : formatPath(holder);
  const node = holder.length === 0 ? doc.contents : doc.getIn(holder, true);
  let edited: string;
  if (isNullScalar(node)) {
    edited = replaceNull(text, node, `{ images: [${flowEntry(entry)}] }`);
  } else if (isMap(node)) {
    const images = node.get('images', true);
    if (images === undefined) edited = addImagesKey(text, node, entry);
    else if (isNullScalar(images)) edited = replaceNull(text, images, `[${flowEntry(entry)}]`);
    else if (isSeq(images)) edited = setInList(text, file, images, entry);
    else throw new ValidationError(`${file}: ${holder.length === 0 ? 'images' : `${where}.images`} is not a list: write it as a list of image entries ("- name: ${entry.name}"), then promote again`);
  } else {
    throw new ValidationError(`${file}: ${where} is not a mapping, so capstan cannot add images to it: write it as a mapping, then promote again`);
  }
  check(doc, edited, file, holder, entry);
  return edited;
}

/** The values of the entries of an `images:` list, as written (a plain `1.20` stays "1.20"). */
export function readImageEntries(text: string, file: string, holder: YamlPath): ImageOverride[] {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new ValidationError(`${file} is not valid YAML (${doc.errors[0].message.split('\n')[0]}): fix it, then promote again`);
  const node = holder.length === 0 ? doc.contents : doc.getIn(holder, true);
  const images = isMap(node) ? node.get('images', true) : undefined;
  if (!isSeq(images)) return [];
  const entries: ImageOverride[] = [];
  for (const item of images.items) {
    if (!isMap(item)) continue;
    const name = scalarText(item.get('name', true));
    if (name === undefined) continue;
    const entry: ImageOverride = { name };
    for (const key of valueKeys) {
      const value = scalarText(item.get(key, true));
      if (value !== undefined) entry[key] = value;
    }
    entries.push(entry);
  }
  return entries;
}

function setInList(text: string, file: string, list: YAMLSeq, entry: ImageOverride): string {
  const item = list.items.find((i): i is YAMLMap => isMap(i) && scalarText(i.get('name', true)) === entry.name);
  if (item === undefined) return appendEntry(text, list, entry);
  const wanted = valueKeys.filter((k) => entry[k] !== undefined);
  const present = valueKeys.filter((k) => item.has(k));
  const values = wanted.map((k) => item.get(k, true));
  if (isDeepStrictEqual(wanted, present) && values.every((v) => isScalar(v) && v.range)) {
    // the same keys: change the values that differ, each in its own quotes
    const replacements: Replacement[] = [];
    wanted.forEach((key, i) => {
      const scalar = values[i] as Scalar;
      if (scalarText(scalar) !== entry[key]) replacements.push({ start: scalar.range![0], end: scalar.range![1], text: scalarSource(entry[key]!, scalar.type) });
    });
    return splice(text, replacements);
  }
  return rewriteEntry(text, file, item, entry);
}

/** A key is added or dropped (a tag becomes a digest): the entry is written again, in its own style. */
function rewriteEntry(text: string, file: string, item: YAMLMap, entry: ImageOverride): string {
  if (!item.range) throw new CapstanError(`${file}: cannot locate the image entry ${entry.name} in the text`);
  const kept: string[] = [];
  for (const pair of item.items) {
    const key = scalarText(pair.key as Scalar);
    if (key === 'name' || (valueKeys as readonly string[]).includes(key ?? '')) continue;
    const keyNode = pair.key as Scalar;
    const valueNode = pair.value;
    if (!isScalar(valueNode) || !keyNode.range || !valueNode.range) {
      throw new ValidationError(`${file}: the image entry ${entry.name} holds "${key}", which capstan cannot carry over when it rewrites the entry: change the entry by hand`);
    }
    kept.push(`${text.slice(keyNode.range[0], keyNode.range[1])}: ${text.slice(valueNode.range[0], valueNode.range[1])}`);
  }
  const [start, end] = item.range;
  const pairs = [...entryPairs(entry), ...kept];
  if (item.flow) return splice(text, [{ start, end, text: `{ ${pairs.join(', ')} }` }]);
  const indent = ' '.repeat(columnOf(text, start));
  const newline = text.slice(start, end).endsWith('\n') ? '\n' : '';
  return splice(text, [{ start, end, text: pairs.join(`\n${indent}`) + newline }]);
}

function appendEntry(text: string, list: YAMLSeq, entry: ImageOverride): string {
  if (!list.range) throw new CapstanError(`cannot locate the images list of ${entry.name} in the text`);
  if (list.flow) {
    const last = list.items.at(-1) as { range?: [number, number, number] } | undefined;
    if (last?.range) return splice(text, [{ start: last.range[1], end: last.range[1], text: `, ${flowEntry(entry)}` }]);
    const close = text.lastIndexOf(']', list.range[1] - 1);
    return splice(text, [{ start: close, end: close, text: flowEntry(entry) }]);
  }
  const indent = ' '.repeat(columnOf(text, list.range[0]));
  const first = list.items[0];
  const item = isMap(first) && first.flow ? `${indent}- ${flowEntry(entry)}\n` : `${indent}- ${entryPairs(entry).join(`\n${indent}  `)}\n`;
  return insertLines(text, list.range[1], item);
}

function addImagesKey(text: string, map: YAMLMap, entry: ImageOverride): string {
  if (!map.range) throw new CapstanError(`cannot locate the mapping to add the images of ${entry.name} to`);
  if (map.flow) {
    const last = map.items.at(-1);
    const end = (last?.value as { range?: [number, number, number] } | null | undefined)?.range?.[1] ?? (last?.key as { range?: [number, number, number] } | undefined)?.range?.[1];
    if (end !== undefined) return splice(text, [{ start: end, end, text: `, images: [${flowEntry(entry)}]` }]);
    const close = text.lastIndexOf('}', map.range[1] - 1);
    return splice(text, [{ start: close, end: close, text: ` images: [${flowEntry(entry)}] ` }]);
  }
  const firstKey = map.items[0]?.key as { range?: [number, number, number] } | undefined;
  const indent = ' '.repeat(columnOf(text, firstKey?.range?.[0] ?? map.range[0]));
  return insertLines(text, map.range[1], `${indent}images:\n${indent}  - ${entryPairs(entry).join(`\n${indent}    `)}\n`);
}

/** `prod:` with nothing (or `~`): the value is written in flow style where the null was. */
function replaceNull(text: string, node: Scalar, value: string): string {
  const [start, end] = node.range ?? [];
  if (start === undefined || end === undefined) throw new CapstanError('cannot locate an empty value in the text');
  return splice(text, [{ start, end, text: start === end ? ` ${value}` : value }]);
}

/** Lines added after a block collection that ends at `at`: after the end of that line. */
function insertLines(text: string, at: number, lines: string): string {
  if (at > 0 && text[at - 1] === '\n') return splice(text, [{ start: at, end: at, text: lines }]);
  const newline = text.indexOf('\n', at);
  if (newline < 0) return `${text}\n${lines}`;
  return splice(text, [{ start: newline + 1, end: newline + 1, text: lines }]);
}

function entryPairs(entry: ImageOverride): string[] {
  return [`name: ${scalarSource(entry.name)}`, ...valueKeys.filter((k) => entry[k] !== undefined).map((k) => `${k}: ${scalarSource(entry[k]!)}`)];
}

function flowEntry(entry: ImageOverride): string {
  return `{ ${entryPairs(entry).join(', ')} }`;
}

/** A string as YAML: in the quotes it had, else plain when plain reads back as this same string, else double-quoted. */
function scalarSource(value: string, type?: Scalar.Type): string {
  if (type === 'QUOTE_SINGLE') return `'${value.replaceAll("'", "''")}'`;
  if (type === 'QUOTE_DOUBLE') return JSON.stringify(value);
  return /^[A-Za-z0-9_./:+-]+$/.test(value) && parse(value) === value ? value : JSON.stringify(value);
}

/** A scalar's value as the text it holds: a plain `1.20` is "1.20", not 1.2. */
function scalarText(node: unknown): string | undefined {
  if (!isScalar(node) || node.value === null || node.value === undefined) return undefined;
  if (typeof node.value === 'string') return node.value;
  return node.type === 'PLAIN' && node.source !== undefined ? node.source : String(node.value);
}

function isNullScalar(node: unknown): node is Scalar {
  return isScalar(node) && node.value === null;
}

function columnOf(text: string, at: number): number {
  return at - (text.lastIndexOf('\n', at - 1) + 1);
}

function splice(text: string, replacements: Replacement[]): string {
  let out = text;
  for (const r of [...replacements].sort((a, b) => b.start - a.start)) out = out.slice(0, r.start) + r.text + out.slice(r.end);
  return out;
}

function formatPath(path: YamlPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/**
 * The edit changed exactly the entry: the file still reads as one document, everything but the
 * entry reads as before, and the entry holds the values meant (read as text) and its other keys.
 */
function check(before: Document, edited: string, file: string, holder: YamlPath, entry: ImageOverride): void {
  const after = parseDocument(edited);
  const fail = (why: string): never => {
    throw new CapstanError(`${file}: capstan could not set image ${entry.name} in place (${why}): set it by hand, then promote again`);
  };
  if (after.errors.length > 0) fail(`the result would not be valid YAML: ${after.errors[0].message.split('\n')[0]}`);
  const placeholder = { capstanEntry: entry.name };
  const withoutEntry = (js: unknown, create: boolean): { rest: unknown; others?: unknown } => {
    let node = js as Record<string | number, unknown>;
    const root = { value: js } as Record<string | number, unknown>;
    let parent = root;
    let key: string | number = 'value';
    for (const step of holder) {
      if (node === null || node === undefined) {
        if (!create) return { rest: root.value };
        parent[key] = {};
        node = parent[key] as Record<string | number, unknown>;
      }
      parent = node;
      key = step;
      node = node[step] as Record<string | number, unknown>;
    }
    if (node === null || node === undefined) {
      if (!create) return { rest: root.value };
      parent[key] = {};
      node = parent[key] as Record<string | number, unknown>;
    }
    if (node.images === null || node.images === undefined) {
      if (!create) return { rest: root.value };
      node.images = [];
    }
    const list = node.images as Array<Record<string, unknown>>;
    const index = list.findIndex((i) => i !== null && typeof i === 'object' && String(i.name) === entry.name);
    if (index < 0) {
      if (create) list.push(placeholder);
      return { rest: root.value };
    }
    const others = Object.fromEntries(Object.entries(list[index]).filter(([k]) => k !== 'name' && !(valueKeys as readonly string[]).includes(k)));
    list[index] = placeholder;
    return { rest: root.value, others };
  };
  const old = withoutEntry(before.toJS(), true);
  const now = withoutEntry(after.toJS(), false);
  if (!isDeepStrictEqual(old.rest, now.rest)) fail('the rest of the file would change');
  if (!isDeepStrictEqual(old.others ?? {}, now.others ?? {})) fail('other keys of the entry would change');
  const node = holder.length === 0 ? after.contents : after.getIn(holder, true);
  const list = isMap(node) ? node.get('images', true) : undefined;
  const item = isSeq(list) ? list.items.find((i): i is YAMLMap => isMap(i) && scalarText(i.get('name', true)) === entry.name) : undefined;
  if (item === undefined) return fail('the entry would be missing');
  for (const key of valueKeys) {
    if (scalarText(item.get(key, true)) !== entry[key]) fail(`its ${key} would not read ${JSON.stringify(entry[key] ?? null)}`);
  }
}
