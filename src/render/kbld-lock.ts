/**
 * kbld lock files (`kbld --lock-output`, `*.kbld.lock.yml`) as an app's image overrides: each
 * `overrides` entry replaces an image written exactly as `image` (or, with `imageRepo`, any image
 * of that repository) by its `newImage`, usually the digest kbld resolved it to.
 */
import { readFile } from 'node:fs/promises';
import { ConfigValidationError, YamlReader, type Slot } from '../config/index.ts';
import { CapstanError, ValidationError, type Manifest } from '../core/index.ts';
import { resolveInRepo } from '../repo-path/index.ts';
import { parseImage, replaceContainerImages } from './image-overrides.ts';

export const kbldApiVersion = 'kbld.k14s.io/v1alpha1';
const kbldKinds = ['Config', 'ImageOverrides'] as const;
const lockFields = ['apiVersion', 'kind', 'minimumRequiredVersion', 'overrides'] as const;
const overrideFields = ['image', 'imageRepo', 'newImage', 'preresolved'] as const;
const notRead = 'capstan reads only the overrides of a kbld lock file: keep searchRules, sources and destinations in kbld\'s own config';

/** One entry of a lock file's `overrides`: `image` (exact) or `imageRepo` (any tag or digest) becomes `newImage`. */
export interface LockedImage {
  image?: string;
  imageRepo?: string;
  newImage: string;
}

/** The overrides of a kbld lock file; throws a ConfigValidationError listing each problem at `file:line:column`. */
export function parseKbldLock(text: string, file: string): LockedImage[] {
  const reader = new YamlReader(text, file);
  if (reader.syntaxBroken) throw new ConfigValidationError(file, reader.issues);
  const root = reader.root;
  const hints = { searchRules: notRead, sources: notRead, destinations: notRead };
  const fields = reader.fields(root, { fields: lockFields, hints }, `a kbld lock file (apiVersion: ${kbldApiVersion}, kind: Config, overrides: […])`);
  const locked: LockedImage[] = [];
  if (fields !== undefined) {
    const apiSlot = reader.require(fields, root, 'apiVersion', kbldApiVersion);
    const api = apiSlot && reader.string(apiSlot);
    if (apiSlot && api !== undefined && api !== kbldApiVersion) reader.report(apiSlot, `must be ${kbldApiVersion}, got ${reader.describe(apiSlot)}: is this a kbld lock file?`);
    const kindSlot = reader.require(fields, root, 'kind', 'Config');
    if (kindSlot) reader.oneOf(kindSlot, kbldKinds);
    const overridesSlot = reader.require(fields, root, 'overrides', 'the images kbld resolved, e.g. "- { image: nginx:1.27, newImage: index.docker.io/library/nginx@sha256:… }"');
    for (const item of (overridesSlot && reader.items(overridesSlot, 'a list of overrides')) ?? []) {
      const override = readOverride(reader, item);
      if (override) locked.push(override);
    }
  }
  if (reader.issues.length > 0) throw new ConfigValidationError(file, [...reader.issues].sort((a, b) => a.line - b.line || a.column - b.column));
  return locked;
}

function readOverride(reader: YamlReader, item: Slot): LockedImage | undefined {
  const fields = reader.fields(item, { fields: overrideFields }, 'a mapping such as "{ image: nginx:1.27, newImage: …@sha256:… }"');
  if (fields === undefined) return undefined;
  const imageSlot = fields.get('image');
  const repoSlot = fields.get('imageRepo');
  if (!imageSlot && !repoSlot) reader.report(item, 'names no image: set image (as written in the manifests) or imageRepo');
  if (imageSlot && repoSlot) reader.report(repoSlot, 'cannot be set together with image: keep one');
  const newSlot = reader.require(fields, item, 'newImage', 'the image to use instead, such as index.docker.io/library/nginx@sha256:…');
  const image = imageSlot && reader.string(imageSlot, 'an image reference such as nginx:1.27');
  const imageRepo = repoSlot && reader.string(repoSlot, 'an image repository such as nginx');
  const newImage = newSlot && reader.string(newSlot, 'an image reference');
  const preresolvedSlot = fields.get('preresolved');
  if (preresolvedSlot) reader.boolean(preresolvedSlot);
  if (newImage === undefined || (image === undefined && imageRepo === undefined)) return undefined;
  return image !== undefined ? { image, newImage } : { imageRepo: imageRepo!, newImage };
}

/**
 * Reads and parses a lock file of the config repo (`file` repo-relative, checked when capstan.yaml
 * loaded). `subject` leads the message of a lock file that is missing or leaves the repository.
 */
export async function readKbldLock(repoDir: string, file: string, subject: string): Promise<LockedImage[]> {
  let text: string;
  try {
    text = await readFile(resolveInRepo(repoDir, file), 'utf8');
  } catch (error) {
    if (error instanceof CapstanError) throw new ValidationError(`${subject}: images.lockFile "${file}" is refused: ${error.message}`, { cause: error });
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ValidationError(`${subject}: images.lockFile "${file}" does not exist in the config repo: commit it (kbld --lock-output ${file}), or fix the path in capstan.yaml`, { cause: error });
    }
    throw new ValidationError(`${subject}: cannot read images.lockFile "${file}": ${(error as Error).message}`, { cause: error });
  }
  return parseKbldLock(text, file);
}

/** The image a lock file gives `image`: the first override naming it exactly, else the first naming its repository. */
export function lockedImage(image: string, locked: readonly LockedImage[]): string | undefined {
  const exact = locked.find((o) => o.image === image);
  if (exact) return exact.newImage;
  const repo = parseImage(image).name;
  return locked.find((o) => o.imageRepo === repo)?.newImage;
}

/** Replaces, in place, every container image of a workload that the lock file names; returns whether anything changed. */
export function applyKbldLock(manifest: Manifest, locked: readonly LockedImage[]): boolean {
  if (locked.length === 0) return false;
  return replaceContainerImages(manifest, (image) => lockedImage(image, locked));
}
