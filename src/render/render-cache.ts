import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AppEnvironment, AppType } from '../config/index.ts';
import { normalizeRepoPath } from '../repo-path/index.ts';
import type { RenderedObject, RenderResult } from './types.ts';

export interface RenderCacheOptions {
  /** Where renders are kept (created 0700, files 0600). */
  dir: string;
  /** What built the running capstan: a render made by another build is never read. */
  build: string;
  /** Renders kept, least recently used dropped first; default 64. */
  keep?: number;
}

/** Types whose render is a function of the commit's files alone: Helm and kustomize run the machine's tools, so they render every time. */
const cacheable: ReadonlySet<AppType> = new Set(['directory', 'pins']);

const FULL_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * Renders kept on disk by commit, as Argo CD's repo server keeps generated manifests: `capstan diff`
 * then `capstan apply` of one commit in a CI job, a re-run, or several environments with one
 * source render it once (reading 1,000 rendered objects back takes ~5 ms; rendering them ~100 ms
 * of parsing YAML). Only what depends on the commit alone is kept: plain directories and the pins
 * layout, with the environment's image overrides in the key. A render that decrypted SOPS files
 * is never written (no plaintext secret reaches the disk), and one of a working tree is never a
 * candidate (its key needs a commit). An entry that cannot be read is a miss.
 */
export class RenderCache {
  private readonly dir: string;
  private readonly keep: number;

  constructor(private readonly options: RenderCacheOptions) {
    this.dir = path.resolve(options.dir);
    this.keep = options.keep ?? 64;
  }

  /** The key of an app's render at a commit; undefined when the commit is not a full SHA, the app's type renders with a tool, or it reads variables from the cluster. */
  keyOf(commit: string, app: AppEnvironment): string | undefined {
    if (!FULL_SHA.test(commit) || (app.type !== undefined && !cacheable.has(app.type))) return undefined;
    // variables read from the cluster (postBuild.substituteFrom) make a render depend on more than the commit
    if ((app.postRender?.substituteFrom.length ?? 0) > 0) return undefined;
    let source: string;
    try {
      source = normalizeRepoPath(app.source);
    } catch {
      return undefined; // the render reports the bad path
    }
    const identity = JSON.stringify({ format: 1, build: this.options.build, commit, source, type: app.type ?? null, images: app.images, ...(app.imageLockFile === undefined ? {} : { imageLockFile: app.imageLockFile }), ...(app.postRender === undefined ? {} : { postRender: app.postRender }) });
    return createHash('sha256').update(identity).digest('hex');
  }

  async read(key: string): Promise<RenderResult | undefined> {
    const file = this.fileOf(key);
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(file, 'utf8'));
    } catch {
      return undefined;
    }
    if (!isRender(parsed)) return undefined;
    const now = new Date();
    utimes(file, now, now).catch(() => undefined); // recently used: pruned last
    return { type: parsed.type, objects: parsed.objects };
  }

  /**
   * Keeps a render (not one that decrypted anything, nor one of a type that renders with a tool,
   * nor an empty one: rendering nothing costs nothing, and whether it is an error depends on the
   * app's allowEmpty, which the key leaves out); the render is copied before this returns its
   * promise; failures are ignored.
   */
  async write(key: string, result: RenderResult): Promise<void> {
    if (result.decrypted || !cacheable.has(result.type) || result.objects.length === 0) return;
    // serialized now: the caller goes on to fill in namespaces and labels on these very objects
    const body = JSON.stringify({ type: result.type, objects: result.objects });
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const temporary = path.join(this.dir, `.${key}.${randomBytes(4).toString('hex')}.tmp`);
      await writeFile(temporary, body, { mode: 0o600 });
      await rename(temporary, this.fileOf(key));
      await this.prune();
    } catch {
      // a cache that cannot be written costs the next render only
    }
  }

  private fileOf(key: string): string {
    return path.join(this.dir, `${key}.json`);
  }

  private async prune(): Promise<void> {
    const all = await readdir(this.dir);
    // what a write that never finished left behind
    const stale = Date.now() - 10 * 60_000;
    for (const name of all.filter((n) => n.startsWith('.') && n.endsWith('.tmp'))) {
      const file = path.join(this.dir, name);
      if (((await stat(file).catch(() => undefined))?.mtimeMs ?? Infinity) < stale) await rm(file, { force: true });
    }
    const names = all.filter((name) => name.endsWith('.json') && !name.startsWith('.'));
    if (names.length <= this.keep) return;
    const dated = await Promise.all(names.map(async (name) => ({ name, used: (await stat(path.join(this.dir, name)).catch(() => undefined))?.mtimeMs ?? 0 })));
    dated.sort((a, b) => a.used - b.used);
    await Promise.all(dated.slice(0, dated.length - this.keep).map(({ name }) => rm(path.join(this.dir, name), { force: true })));
  }
}

function isRender(value: unknown): value is { type: AppType; objects: RenderedObject[] } {
  if (typeof value !== 'object' || value === null) return false;
  const { type, objects } = value as { type?: unknown; objects?: unknown };
  return (
    typeof type === 'string' &&
    cacheable.has(type as AppType) &&
    Array.isArray(objects) &&
    objects.every((o) => typeof o === 'object' && o !== null && typeof (o as RenderedObject).source === 'string' && typeof (o as RenderedObject).manifest === 'object' && (o as RenderedObject).manifest !== null)
  );
}
