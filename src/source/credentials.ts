import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ParsedRemote } from './remote.ts';

/**
 * How credentials reach git without ever being in argv, a file or a message:
 * - https: `GIT_ASKPASS` points to a tiny script (written once per process to a private 0700 temp
 *   dir) that prints the user name or the token from the environment of that one git process;
 * - ssh: `GIT_SSH_COMMAND` with the key file quoted for the shell git runs it with, batch mode (no
 *   prompts), only that key, and host keys checked against a known_hosts file when one is given.
 */
export const USERNAME_VARIABLE = 'CAPSTAN_GIT_USERNAME';
export const PASSWORD_VARIABLE = 'CAPSTAN_GIT_PASSWORD';

const ASKPASS_SCRIPT = `#!/bin/sh
# capstan: answers git's credential prompts from the environment; holds no secret itself.
case "$1" in
  [Uu]sername*) printf '%s\\n' "$${USERNAME_VARIABLE}" ;;
  *) printf '%s\\n' "$${PASSWORD_VARIABLE}" ;;
esac
`;

let askpassDir: string | undefined;

function askpassScript(): string {
  if (askpassDir && existsSync(path.join(askpassDir, 'askpass.sh'))) return path.join(askpassDir, 'askpass.sh');
  askpassDir = mkdtempSync(path.join(os.tmpdir(), 'capstan-askpass-')); // created 0700
  const script = path.join(askpassDir, 'askpass.sh');
  writeFileSync(script, ASKPASS_SCRIPT, { mode: 0o700 });
  chmodSync(script, 0o700);
  const dir = askpassDir;
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return script;
}

/** Quote one word for a POSIX shell: `'…'`, with each `'` written as `'\''`. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The ssh command line git runs (through `sh -c`) for an ssh remote. */
export function sshCommand(remote: Pick<ParsedRemote, 'sshKeyFile' | 'knownHostsFile'>, connectTimeoutSeconds = 30): string {
  const words = ['ssh', '-o', 'BatchMode=yes', '-o', `ConnectTimeout=${connectTimeoutSeconds}`];
  if (remote.sshKeyFile) words.push('-i', shellQuote(remote.sshKeyFile), '-o', 'IdentitiesOnly=yes');
  if (remote.knownHostsFile) words.push('-o', `UserKnownHostsFile=${shellQuote(remote.knownHostsFile)}`, '-o', 'StrictHostKeyChecking=yes');
  else words.push('-o', 'StrictHostKeyChecking=accept-new');
  return words.join(' ');
}

/** Environment variables that give git the remote's credentials. */
export function credentialEnvironment(remote: ParsedRemote, timeoutMs?: number): Record<string, string> {
  if (remote.kind === 'ssh') {
    const seconds = timeoutMs === undefined ? 30 : Math.max(1, Math.min(30, Math.ceil(timeoutMs / 1000)));
    return { GIT_SSH_COMMAND: sshCommand(remote, seconds), GIT_SSH_VARIANT: 'ssh' };
  }
  if ((remote.kind === 'https' || remote.kind === 'http') && (remote.token !== undefined || remote.username !== undefined)) {
    return { GIT_ASKPASS: askpassScript(), [USERNAME_VARIABLE]: remote.username ?? '', [PASSWORD_VARIABLE]: remote.token ?? '' };
  }
  return {};
}
