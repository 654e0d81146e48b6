import { lstat, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { groupOf, ValidationError } from '../core/index.ts';
import { isPlainObject } from './parse-manifests.ts';
import type { RenderedObject } from './types.ts';

/** The folder of cluster-scoped objects: `_` cannot start a namespace name, so it never collides. */
export const clusterFolder = '_cluster';

function safeSegment(value: unknown, what: string, source: string): string {
  if (typeof value !== 'string' || value === '' || value === '.' || value === '..' || /[/\\\0]/.test(value)) {
    throw new ValidationError(`${source}: cannot write a snapshot file for ${what} ${JSON.stringify(value ?? null)}: it must be a non-empty name without "/"`);
  }
  return value;
}

/**
 * The snapshot path of an object: `<namespace>/<kind>[.<group>]-<name>.yaml`, cluster-scoped
 * objects under `_cluster/`; the kind lowercased (`apps/Deployment web` in `shop` →
 * `shop/deployment.apps-web.yaml`).
 */
export function snapshotPath(object: RenderedObject): string {
  const m = object.manifest;
  const metadata: Record<string, unknown> = isPlainObject(m.metadata) ? m.metadata : {};
  const namespace = metadata.namespace ? safeSegment(metadata.namespace, 'namespace', object.source) : clusterFolder;
  const kind = safeSegment(m.kind, 'kind', object.source).toLowerCase();
  const name = safeSegment(metadata.name, 'name', object.source);
  const group = groupOf(typeof m.apiVersion === 'string' ? m.apiVersion : '');
  return `${namespace}/${kind}${group ? `.${group}` : ''}-${name}.yaml`;
}

/**
 * What counts as a previous snapshot, so it may be replaced: a directory holding only
 * sub-directories, each holding only regular `*.yaml` files. Anything else (another file, a
 * symlink, a nested folder) means the directory is not ours and is left alone.
 */
async function foreignEntry(dir: string): Promise<string | undefined> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) return entry.name;
    for (const child of await readdir(path.join(dir, entry.name), { withFileTypes: true })) {
      if (!child.isFile() || !child.name.endsWith('.yaml')) return `${entry.name}/${child.name}`;
    }
  }
  return undefined;
}

/**
 * Writes a release snapshot: one YAML file per object (see `snapshotPath`) and nothing else.
 * `dir` may be absent, empty, or a previous snapshot (which is replaced as a whole: the new one is
 * written beside it and swapped in, so a failure never leaves a mix); any other non-empty
 * directory is refused. The objects are written as given: the caller masks Secret values unless
 * asked to show them (`capstan render --output-dir` does). Files are private (0600) since a
 * snapshot may hold Secrets. Returns the written paths, relative to `dir`, sorted.
 */
export async function writeSnapshot(objects: readonly RenderedObject[], dir: string): Promise<string[]> {
  const target = path.resolve(dir);
  const files = new Map<string, RenderedObject>();
  for (const object of objects) {
    const file = snapshotPath(object);
    const other = files.get(file);
    if (other) throw new ValidationError(`${object.source}: cannot write the snapshot: it and ${other.source} would both be ${file}`);
    files.set(file, object);
  }

  let exists = false;
  try {
    const stats = await lstat(target);
    if (!stats.isDirectory()) throw new ValidationError(`refusing to write a snapshot to ${dir}: it exists and is not a directory`);
    exists = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (exists) {
    const foreign = await foreignEntry(target);
    if (foreign !== undefined) {
      throw new ValidationError(
        `refusing to write a snapshot into ${dir}: it holds "${foreign}", so it is not a previous snapshot (which holds only <namespace>/<file>.yaml): use an empty or new directory`,
      );
    }
  }

  await mkdir(path.dirname(target), { recursive: true });
  const staging = await mkdtemp(path.join(path.dirname(target), `.${path.basename(target)}.new-`));
  try {
    const sorted = [...files.keys()].sort();
    for (const file of sorted) {
      const full = path.join(staging, ...file.split('/'));
      await mkdir(path.dirname(full), { recursive: true, mode: 0o700 });
      // YAML 1.1 output quotes strings such as "on" and "0644" that 1.1 readers (kubectl) would retype.
      await writeFile(full, stringify(files.get(file)!.manifest, { version: '1.1', lineWidth: 0 }), { mode: 0o600 });
    }
    if (exists) {
      const old = `${staging}.old`;
      await rename(target, old);
      await rename(staging, target);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(staging, target);
    }
    return sorted;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
