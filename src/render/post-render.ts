/**
 * Flux's Kustomization options applied to what an app rendered, in Flux's order: `patches` and
 * `targetNamespace` by kustomize itself (a kustomization written in a private temp dir that lists
 * the rendered objects, as Flux hands them to kustomize), then `postBuild` variable substitution
 * (`${VAR}`, `${VAR:=default}`, `$${VAR}` for a literal), with values written in capstan.yaml and
 * read from ConfigMaps and Secrets of the target cluster.
 *
 * A value read from a Secret is substituted only into Secrets, whose values diffs mask: it never
 * reaches a message, a log line or a diff, and a render that used one is not cached.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import type { PostRender, SubstituteFrom } from '../config/index.ts';
import { formatKey, ValidationError, type Manifest } from '../core/index.ts';
import { runKustomize } from './render-kustomize.ts';
import type { RenderedObject, RenderOptions } from './types.ts';

/** Reads a ConfigMap's or Secret's data (Secret values decoded); undefined when it does not exist. */
export type ReadVariables = (from: { kind: SubstituteFrom['kind']; namespace: string; name: string }) => Promise<Record<string, string> | undefined>;

export interface PostRenderOptions extends RenderOptions {
  /**
   * Where `substituteFrom` reads; undefined: there is no cluster (an offline render), and its
   * sources are skipped as `flux build --dry-run` skips them (their variables read as unset).
   */
  readVariables?: ReadVariables;
}

/** Objects labelled or annotated with it are left as they are by substitution, as Flux leaves them. */
export const substituteAnnotation = 'kustomize.toolkit.fluxcd.io/substitute';
/** Marks each object while kustomize runs, to give it back its source; removed afterwards. */
const indexAnnotation = 'capstan.dev/post-render-index';

export interface PostRenderResult {
  objects: RenderedObject[];
  /** A value read from a Secret was substituted: the render holds secret material. */
  sensitive: boolean;
}

/** Applies an app's `postRender` to its rendered objects; `namespace` is where substituteFrom reads. */
export async function applyPostRender(objects: RenderedObject[], postRender: PostRender, namespace: string, subject: string, options: PostRenderOptions = {}): Promise<PostRenderResult> {
  let result = objects;
  if (postRender.patches.length > 0 || postRender.targetNamespace !== undefined) result = await patchWithKustomize(result, postRender, subject, options);
  const hasVariables = Object.keys(postRender.substitute).length > 0 || postRender.substituteFrom.length > 0;
  if (!hasVariables) return { objects: result, sensitive: false };
  const variables = await collectVariables(postRender, namespace, subject, options.readVariables);
  let sensitive = false;
  for (const object of result) {
    const used = substituteObject(object, variables, subject);
    if (used.some((name) => variables.get(name)?.secret !== undefined)) sensitive = true;
  }
  return { objects: result, sensitive };
}

async function patchWithKustomize(objects: RenderedObject[], postRender: PostRender, subject: string, options: RenderOptions): Promise<RenderedObject[]> {
  const temp = await mkdtemp(path.join(options.tempDir ?? os.tmpdir(), 'capstan-post-render-'));
  try {
    const hadAnnotations = objects.map((o) => isRecord(o.manifest.metadata) && isRecord(o.manifest.metadata.annotations));
    const marked = objects.map((o, i) => {
      const manifest = structuredClone(o.manifest) as Record<string, unknown>;
      if (!isRecord(manifest.metadata)) manifest.metadata = {};
      const metadata = manifest.metadata as Record<string, unknown>;
      metadata.annotations = { ...(isRecord(metadata.annotations) ? metadata.annotations : {}), [indexAnnotation]: String(i) };
      return manifest;
    });
    await writeFile(path.join(temp, 'objects.yaml'), marked.map((m) => stringify(m)).join('---\n'), { mode: 0o600 });
    const kustomization: Record<string, unknown> = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['objects.yaml'] };
    if (postRender.targetNamespace !== undefined) kustomization.namespace = postRender.targetNamespace;
    if (postRender.patches.length > 0) kustomization.patches = postRender.patches.map((p) => (p.target ? { patch: p.patch, target: p.target } : { patch: p.patch }));
    await writeFile(path.join(temp, 'kustomization.yaml'), stringify(kustomization), { mode: 0o600 });
    let built: RenderedObject[];
    try {
      built = await runKustomize(temp, '', options, 'the rendered objects');
    } catch (error) {
      const detail = error instanceof Error ? error.message.replace(/^kustomize build of the rendered objects failed: /, '') : String(error);
      throw new ValidationError(`${subject}: patches and targetNamespace could not be applied: ${detail}`, { cause: error });
    }
    return built.map((o) => {
      const metadata = o.manifest.metadata as Record<string, unknown> | undefined;
      const annotations = isRecord(metadata?.annotations) ? metadata.annotations : {};
      const index = Number(annotations[indexAnnotation]);
      delete annotations[indexAnnotation];
      const original = Number.isInteger(index) ? objects[index] : undefined;
      if (metadata && original && !hadAnnotations[index] && Object.keys(annotations).length === 0) delete metadata.annotations;
      return { manifest: o.manifest, source: original?.source ?? o.source };
    });
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

interface Variable {
  value: string;
  /** `Secret/namespace/name` when the value was read from a Secret (and not overridden inline). */
  secret?: string;
}

/** substituteFrom in order, each overriding the ones before, then the inline values over them all (as Flux). */
async function collectVariables(postRender: PostRender, namespace: string, subject: string, read: ReadVariables | undefined): Promise<Map<string, Variable>> {
  const variables = new Map<string, Variable>();
  for (const from of postRender.substituteFrom) {
    const ref = `${from.kind}/${namespace}/${from.name}`;
    // offline (capstan validate, render), the sources are skipped, as `flux build --dry-run` skips them
    if (read === undefined) continue;
    let data: Record<string, string> | undefined;
    try {
      data = await read({ kind: from.kind, namespace, name: from.name });
    } catch (error) {
      throw new ValidationError(`${subject}: postBuild.substituteFrom could not read ${ref}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (data === undefined) {
      if (from.optional) continue;
      throw new ValidationError(`${subject}: postBuild.substituteFrom reads ${ref}, which does not exist: create it, or mark it optional: true`);
    }
    for (const [name, value] of Object.entries(data)) variables.set(name, from.kind === 'Secret' ? { value, secret: ref } : { value });
  }
  for (const [name, value] of Object.entries(postRender.substitute)) variables.set(name, { value });
  return variables;
}

const variablePattern = /\$(\$?)\{([_a-zA-Z][_a-zA-Z0-9]*)(?:(:?[=-])([^}]*))?\}/g;

/**
 * `${VAR}` in a text: the variable's value, or with `${VAR:=default}` / `${VAR:-default}` the
 * default when it is unset or empty (`=` / `-` without the colon: only when unset); an unset
 * variable without a default becomes empty, as Flux does. `$${VAR}` is the literal `${VAR}`.
 * Returns the text and the variables used.
 */
export function substituteVariables(text: string, lookup: (name: string) => string | undefined): { text: string; used: string[] } {
  const used: string[] = [];
  const result = text.replace(variablePattern, (whole, escape: string, name: string, operator: string | undefined, fallback: string | undefined) => {
    if (escape) return whole.slice(1);
    const value = lookup(name);
    if (value !== undefined) used.push(name);
    if (operator === undefined) return value ?? '';
    const useDefault = operator.startsWith(':') ? value === undefined || value === '' : value === undefined;
    return useDefault ? (fallback ?? '') : (value ?? '');
  });
  return { text: result, used };
}

/** Substitutes in one object as Flux does (its YAML text, read back); returns the variables it used. */
function substituteObject(object: RenderedObject, variables: ReadonlyMap<string, Variable>, subject: string): string[] {
  const manifest = object.manifest;
  const metadata: Record<string, unknown> = isRecord(manifest.metadata) ? manifest.metadata : {};
  const disabled = (field: unknown): boolean => isRecord(field) && field[substituteAnnotation] === 'disabled';
  if (disabled(metadata.labels) || disabled(metadata.annotations)) return [];
  const text = stringify(manifest);
  if (!text.includes('${')) return [];
  const { text: substituted, used } = substituteVariables(text, (name) => variables.get(name)?.value);
  const key = formatKey({ group: groupOf(manifest.apiVersion), kind: String(manifest.kind), namespace: String(metadata.namespace ?? ''), name: String(metadata.name ?? '') });
  const secretUsed = used.find((name) => variables.get(name)?.secret !== undefined);
  if (secretUsed !== undefined && manifest.kind !== 'Secret') {
    throw new ValidationError(`${subject}: ${key} (${object.source}) uses \${${secretUsed}}, whose value comes from ${variables.get(secretUsed)!.secret}: a Secret's values are substituted only into Secrets, where diffs mask them; move the value to a ConfigMap, or the setting into a Secret`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(substituted);
  } catch {
    // a value that breaks the YAML it lands in (`text: ${a}, b` with a empty): substitute within each text instead
    parsed = substituteStrings(manifest, (name) => variables.get(name)?.value);
  }
  if (!isRecord(parsed)) throw new ValidationError(`${subject}: ${key} (${object.source}) is no longer an object once its variables are substituted`);
  object.manifest = parsed as Manifest;
  return used;
}

/** Substitution within each text of a value, numbers and booleans left as they are. */
function substituteStrings(value: unknown, lookup: (name: string) => string | undefined): unknown {
  if (typeof value === 'string') return substituteVariables(value, lookup).text;
  if (Array.isArray(value)) return value.map((v) => substituteStrings(v, lookup));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteStrings(v, lookup)]));
  return value;
}

function groupOf(apiVersion: unknown): string {
  const text = String(apiVersion ?? '');
  return text.includes('/') ? text.slice(0, text.indexOf('/')) : '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
