import { LineCounter, parseAllDocuments } from 'yaml';
import { ValidationError } from '../core/index.ts';

/** One YAML document of an imported file: the object, and where it starts (`apps.yaml:12`). */
export interface Manifest {
  object: Record<string, unknown>;
  file: string;
  /** 1-based line of the document's first node. */
  line: number;
}

/**
 * The objects of a multi-document YAML file, in order; empty documents are left out. A file that
 * does not parse, or a document that is not a mapping, is an error naming the file and the line.
 */
export function readManifests(file: string, text: string): Manifest[] {
  const lineCounter = new LineCounter();
  const manifests: Manifest[] = [];
  for (const doc of parseAllDocuments(text, { lineCounter })) {
    const error = doc.errors[0];
    if (error) {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      throw new ValidationError(`${file}:${line}:${col}: not valid YAML: ${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
    }
    const start = doc.contents?.range?.[0] ?? doc.range[0];
    const line = lineCounter.linePos(start).line;
    const object: unknown = doc.toJS();
    if (object === null || object === undefined) continue;
    if (typeof object !== 'object' || Array.isArray(object)) throw new ValidationError(`${file}:${line}: a document must be a Kubernetes object (a mapping with apiVersion and kind), got ${Array.isArray(object) ? 'a list' : JSON.stringify(object)}`);
    const record = object as Record<string, unknown>;
    if (record.kind === 'List' && Array.isArray(record.items)) {
      for (const item of record.items) if (item && typeof item === 'object') manifests.push({ object: item as Record<string, unknown>, file, line });
      continue;
    }
    manifests.push({ object: record, file, line });
  }
  return manifests;
}
