/**
 * Chart archives on disk, content-addressed: `<dir>/sha256/<hex>.tgz`, written once (temp file and
 * rename) and checked against their name when read. `<dir>/refs/` remembers which archive an exact
 * version of a chart of a repository is, so a cached exact version needs no network. The directory
 * is the user's (mode 0700), never inside a config repo.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** `$XDG_CACHE_HOME/capstan/charts`, else `~/.cache/capstan/charts`. */
export function defaultChartCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'capstan', 'charts');
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export class ChartCache {
  private ready: Promise<void> | undefined;

  constructor(readonly dir: string) {}

  /** Where the archive with this sha256 (hex) is kept. */
  archivePath(hex: string): string {
    return path.join(this.dir, 'sha256', `${hex}.tgz`);
  }

  /** The digest an exact version was stored under, when its archive is still there and intact. */
  async lookup(key: string): Promise<{ hex: string; archive: string } | undefined> {
    const hex = (await readFile(this.refPath(key), 'utf8').catch(() => '')).trim();
    if (!/^[0-9a-f]{64}$/.test(hex)) return undefined;
    const archive = this.archivePath(hex);
    const data = await readFile(archive).catch(() => undefined);
    if (data === undefined) return undefined;
    if (sha256(data) !== hex) {
      await rm(archive, { force: true });
      return undefined;
    }
    return { hex, archive };
  }

  /** Keeps an archive (already verified by the caller) and remembers it under `key`; returns its path. */
  async store(key: string, hex: string, data: Buffer): Promise<string> {
    await this.prepare();
    const archive = this.archivePath(hex);
    await writeAtomic(archive, data);
    await writeAtomic(this.refPath(key), `${hex}\n`);
    return archive;
  }

  private refPath(key: string): string {
    return path.join(this.dir, 'refs', sha256(key));
  }

  private prepare(): Promise<void> {
    this.ready ??= (async () => {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await chmod(this.dir, 0o700);
      await mkdir(path.join(this.dir, 'sha256'), { recursive: true, mode: 0o700 });
      await mkdir(path.join(this.dir, 'refs'), { recursive: true, mode: 0o700 });
    })();
    this.ready.catch(() => {
      this.ready = undefined;
    });
    return this.ready;
  }
}

async function writeAtomic(file: string, data: Buffer | string): Promise<void> {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, data, { mode: 0o600 });
    await rename(temp, file);
  } finally {
    await rm(temp, { force: true });
  }
}
