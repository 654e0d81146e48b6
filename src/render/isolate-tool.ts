import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/** Where nothing listens: proxies point here, so what a tool would fetch through them fails at once. */
export const unreachableProxy = 'http://127.0.0.1:9';

/**
 * The environment a render tool (kustomize, helm) runs with: none of capstan's own. HOME, TMPDIR
 * and the XDG directories are `work` (a throw-away directory), so no user configuration, git
 * credentials or SSH keys apply; PATH is empty, so the tool cannot find git (kustomize clones
 * remote bases with it) or anything else to run; git, should it run, allows no protocol and reads
 * no config; every proxy points at a closed port, so HTTP(S) to any host but the loopback fails.
 */
export function toolEnvironment(work: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: '',
    HOME: work,
    TMPDIR: work,
    XDG_CONFIG_HOME: path.join(work, 'config'),
    XDG_CACHE_HOME: path.join(work, 'cache'),
    XDG_DATA_HOME: path.join(work, 'data'),
    KUBECONFIG: path.join(work, 'kubeconfig'),
    GIT_ALLOW_PROTOCOL: 'none',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    HTTP_PROXY: unreachableProxy,
    HTTPS_PROXY: unreachableProxy,
    http_proxy: unreachableProxy,
    https_proxy: unreachableProxy,
    ALL_PROXY: unreachableProxy,
    all_proxy: unreachableProxy,
    NO_PROXY: '',
    no_proxy: '',
    ...extra,
  };
}

/** An executable file on `searchPath` (or `file` itself when it holds a `/`), or undefined. */
export function findExecutable(file: string, searchPath: string): string | undefined {
  const candidates = file.includes('/') ? [path.resolve(file)] : searchPath.split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, file));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** How a command is started: as it is, or inside `unshare` with a network namespace of its own. */
export interface ToolCommand {
  file: string;
  args: string[];
  /** The command has no network at all, loopback included. */
  isolated: boolean;
}

let unshareProbe: Promise<string[] | undefined> | undefined;

/**
 * The `unshare` prefix that gives a child an empty network namespace (no interface but a loopback
 * that is down), found once per process: with a user namespace (`--map-root-user`, for unprivileged
 * users), or without (root with CAP_SYS_ADMIN). Undefined where neither works (not Linux, no
 * unshare, user namespaces disabled, a seccomp profile that forbids them): the tool then runs with
 * `toolEnvironment` only.
 */
export function networkIsolation(): Promise<string[] | undefined> {
  unshareProbe ??= (async () => {
    if (process.platform !== 'linux') return undefined;
    const unshare = findExecutable('unshare', '/usr/bin:/bin:/usr/sbin:/sbin');
    if (!unshare) return undefined;
    for (const flags of [['--net', '--map-root-user'], ['--net']]) {
      const works = await new Promise<boolean>((resolve) => {
        execFile(unshare, [...flags, '--', unshare, '--version'], { timeout: 10_000, env: {} }, (error) => resolve(!error));
      });
      if (works) return [unshare, ...flags, '--'];
    }
    return undefined;
  })();
  return unshareProbe;
}

/** `file args` run without network where the system allows it (see `networkIsolation`). */
export async function isolatedCommand(file: string, args: string[]): Promise<ToolCommand> {
  const prefix = await networkIsolation();
  if (!prefix) return { file, args, isolated: false };
  return { file: prefix[0]!, args: [...prefix.slice(1), file, ...args], isolated: true };
}
