// The example config repo of `capstan up`: a bare repository the agent follows and serves at
// /git/example, and a clone for the user whose origin is the agent.
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { cloneRepository, commitDirectory, removeRemote, setHttpAuthorization, setIdentity, setRemote, trackRemoteBranch } from '../source/index.ts';

/**
 * On the first run, `examples/` committed into a new repository at `work`, and `bare` cloned from
 * it; a clone deleted since is made again from `bare`.
 */
export async function prepareExampleRepo(examples: string, bare: string, work: string): Promise<void> {
  if (!existsSync(bare)) {
    mkdirSync(work, { recursive: true });
    cpSync(examples, work, { recursive: true, filter: (src) => !src.includes(`${path.sep}.unencrypted`) });
    await commitDirectory(work, { message: 'The capstan example config repo', author: { name: 'capstan up', email: 'up@capstan.invalid' } });
    mkdirSync(path.dirname(bare), { recursive: true });
    await cloneRepository(work, bare, { bare: true });
  } else if (!existsSync(work)) {
    await cloneRepository(bare, work);
    await removeRemote(work, 'origin');
  } else {
    return;
  }
  await setIdentity(work, { name: 'you', email: 'you@capstan.invalid' });
  // main tracks the agent's main from the start: `git pull` and `git push` need no arguments
  await trackRemoteBranch(work, 'origin', 'main');
}

/**
 * Points the clone's origin at the agent's git endpoint (its port may differ from the last run) and
 * gives git the token the git way: an `Authorization` header in the clone's own config, for that
 * URL only, so it is in no remote URL, no command line and no credential store, and another remote
 * of the clone never receives it.
 */
export async function connectClone(work: string, gitUrl: string, token: string): Promise<void> {
  await setRemote(work, 'origin', gitUrl);
  await setHttpAuthorization(work, gitUrl, `Bearer ${token}`);
}
