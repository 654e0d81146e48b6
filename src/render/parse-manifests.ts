import { LineCounter, parseAllDocuments, type Document, type Tags } from 'yaml';
import type { Manifest } from '../core/index.ts';
import type { RenderedObject, RenderProblem } from './types.ts';

/**
 * YAML as Kubernetes reads it (sigs.k8s.io/yaml, i.e. YAML 1.1): `0644` is octal, `on`/`yes` are
 * booleans. Unlike the 1.1 schema of the `yaml` package, timestamps stay strings and `1:20` is not
 * a base-60 number — go-yaml does neither when decoding into plain values.
 */
const kubernetesYaml = {
  version: '1.1' as const,
  merge: true,
  uniqueKeys: true,
  prettyErrors: false,
  customTags: (tags: Tags): Tags =>
    tags.filter((tag) => {
      const t = tag as { tag?: string; format?: string };
      return t.tag !== 'tag:yaml.org,2002:timestamp' && t.format !== 'TIME';
    }),
};

export interface ParseManifestsOptions {
  /**
   * The text is decrypted secret material: problems say where, never quote it (the YAML parser's
   * messages are left out).
   */
  sensitive?: boolean;
}

export interface ParsedManifests {
  objects: RenderedObject[];
  problems: RenderProblem[];
}

/**
 * The objects of a YAML (or JSON) file: every non-empty document, `kind: List` expanded into its
 * items. `file` is repo-relative; a single-document file is named `file`, a document of a
 * multi-document file `file#<index>` (0-based, counting every document), a List item
 * `<document> items[<index>]`. Syntax errors and documents that are not mappings are returned as
 * problems naming the file and line.
 */
export function parseManifests(text: string, file: string, options: ParseManifestsOptions = {}): ParsedManifests {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { ...kubernetesYaml, lineCounter }) as Document[] | { empty: true };
  const objects: RenderedObject[] = [];
  const problems: RenderProblem[] = [];
  if (!Array.isArray(documents)) return { objects, problems };
  const at = (offset: number | undefined): string => {
    if (offset === undefined) return file;
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  const multi = documents.length > 1;
  documents.forEach((document, index) => {
    if (document.errors.length > 0) {
      // The first error only: the ones after it are mostly its echoes.
      const error = document.errors[0];
      const detail = options.sensitive ? 'the decrypted document is not valid YAML' : `YAML syntax error: ${lowerFirst(error.message)}`;
      problems.push({ source: at(error.pos[0]), message: `${detail} (fix the syntax at this line)` });
      return;
    }
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      problems.push({ source: at(document.range?.[0]), message: `cannot read the document: ${(error as Error).message}` });
      return;
    }
    if (value === null || value === undefined) return; // an empty document, or only comments
    const source = multi ? `${file}#${index}` : file;
    collect(value, source, at(document.contents?.range?.[0] ?? document.range?.[0]), objects, problems);
  });
  return { objects, problems };
}

function collect(value: unknown, source: string, location: string, objects: RenderedObject[], problems: RenderProblem[]): void {
  if (!isPlainObject(value)) {
    problems.push({ source: location, message: `a manifest must be a mapping (apiVersion, kind, metadata …), got ${describe(value)}` });
    return;
  }
  if (value.kind === 'List' && (value.apiVersion === 'v1' || value.apiVersion === undefined)) {
    const items = value.items ?? [];
    if (!Array.isArray(items)) {
      problems.push({ source: location, message: `kind List needs "items" to be a list, got ${describe(items)}` });
      return;
    }
    items.forEach((item, i) => collect(item, `${source} items[${i}]`, `${location} items[${i}]`, objects, problems));
    return;
  }
  objects.push({ manifest: value as unknown as Manifest, source });
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  // Only the type: the document may be decrypted secret material.
  return `a ${typeof value}`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
