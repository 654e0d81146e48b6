import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { ValidationError } from '../core/index.ts';
import { healthyForGate } from '../engine/index.ts';
import { Releases, type Actor } from '../release/index.ts';
import { CheckoutWriter, CloneWriter, defaultCacheDir, parseRemote, readGitIdentity, type GitIdentity, type RepoWriter } from '../source/index.ts';
import { createEngine, isLocalRepo, remoteOf, type ClusterOptions, type RepoOptions } from './engine-options.ts';

/** Options of the commands that commit to the config repo. */
export interface WriteOptions extends RepoOptions {
  /** `Name <email>`: whose commit it is. */
  author?: GitIdentity;
}

/** `Name <email>`, or a bare name. */
export function identity(value: string): GitIdentity {
  const match = /^\s*([^<>]+?)\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(value);
  if (match) return { name: match[1], email: match[2] };
  const name = value.trim();
  if (!name || /[<>\n]/.test(name)) throw new InvalidArgumentError(`"${value}" is not a person: write "Name <email>"`);
  return { name, email: `${name.toLowerCase().replace(/[^a-z0-9.-]+/g, '.')}@users.capstan.invalid` };
}

/**
 * Where the commit goes: a local `--repo` folder is the person's checkout (committed there, and
 * pushed to its upstream when it has one); a URL gets a private clone in capstan's cache, pushed
 * to the URL's branch (`--revision`, default the one its HEAD names).
 */
export function openWriter(options: RepoOptions): RepoWriter {
  if (isLocalRepo(options.repo)) {
    if (options.revision !== undefined) throw new ValidationError('--revision is for a config repo given by URL: in a local checkout, switch to the branch to commit to (git switch <branch>)');
    return new CheckoutWriter(path.resolve(options.repo));
  }
  const remote = remoteOf(options);
  const base = process.env.CAPSTAN_CACHE_DIR ?? defaultCacheDir();
  return new CloneWriter({ dir: path.join(base, 'work', parseRemote(remote).cacheName), remote, ...(options.revision ? { branch: options.revision } : {}), committer: { name: 'capstan', email: 'capstan@users.capstan.invalid' } });
}

/** The person acting: `--author`, else their git identity (`GIT_AUTHOR_NAME`, git config), else a clear error. */
export async function actorOf(options: WriteOptions, dir: string): Promise<Actor> {
  const person = options.author ?? (await readGitIdentity(dir));
  if (!person) throw new ValidationError('who is releasing? capstan records the person as the commit\'s author: pass --author "Name <email>", or set git config user.name and user.email');
  return { name: person.name, identity: person };
}

/** A Releases on the config repo; promotion gates are checked on the cluster the way `capstan status` reads it. */
export function openReleases(options: WriteOptions & Partial<ClusterOptions>): { releases: Releases; writer: RepoWriter; close: () => void } {
  const writer = openWriter(options);
  let engine: Awaited<ReturnType<typeof createEngine>> | undefined;
  const releases = new Releases({
    writer,
    gate: async (input) => {
      engine ??= await createEngine(options);
      return healthyForGate(engine.engine)(input);
    },
  });
  return { releases, writer, close: () => engine?.close() };
}
