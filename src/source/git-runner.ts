import { spawn } from 'node:child_process';
import os from 'node:os';
import { CapstanError, NotFoundError, TransientError } from '../core/index.ts';
import { credentialEnvironment, PASSWORD_VARIABLE, USERNAME_VARIABLE } from './credentials.ts';
import { redact } from './redact.ts';
import type { ParsedRemote } from './remote.ts';

export interface RunGitOptions {
  /** The repository (`--git-dir`); every command that reads or writes one must name it. */
  gitDir?: string;
  /** `--work-tree`, for commands that write files. */
  workTree?: string;
  cwd?: string;
  /** Gives git this remote's credentials, and names it (redacted) in errors. */
  remote?: ParsedRemote;
  /** Extra environment (e.g. `GIT_INDEX_FILE`). */
  env?: Record<string, string>;
  /** Kill git (and its helpers: ssh, git-remote-https) after this long. */
  timeoutMs?: number;
  /** Fail when stdout grows past this; default 256 MiB. */
  maxOutputBytes?: number;
  /** When false, a non-zero exit is returned rather than thrown. Default true. */
  check?: boolean;
  /** What the command does, for messages: `fetch`, `checkout`, … Default: the git subcommand. */
  operation?: string;
}

export interface GitResult {
  stdout: Buffer;
  stderr: string;
  exitCode: number;
}

/**
 * Configuration given to every git process. Global and system config are ignored
 * (`GIT_CONFIG_GLOBAL=/dev/null`, `GIT_CONFIG_NOSYSTEM=1`), so this plus the cache's own repository
 * config is all git sees; a fetched repository's config never is.
 */
export function safeConfig(options: { allowInsecureHttp?: boolean } = {}): string[] {
  const settings = [
    'core.hooksPath=/dev/null',
    'core.fsmonitor=false',
    'core.attributesFile=/dev/null',
    'core.symlinks=true',
    'core.autocrlf=false',
    'core.quotePath=false',
    'credential.helper=',
    'protocol.allow=never',
    'protocol.file.allow=always',
    'protocol.https.allow=always',
    'protocol.ssh.allow=always',
    ...(options.allowInsecureHttp ? ['protocol.http.allow=always'] : []),
    'filter.lfs.smudge=',
    'filter.lfs.clean=',
    'filter.lfs.process=',
    'filter.lfs.required=false',
    'submodule.recurse=false',
    'fetch.recurseSubmodules=false',
    'gc.autoDetach=false',
    'maintenance.auto=false',
    'init.defaultBranch=main',
  ];
  return settings.flatMap((s) => ['-c', s]);
}

// Inherited variables that would steer git: GIT_DIR, GIT_INDEX_FILE, GIT_CONFIG_PARAMETERS, GIT_ASKPASS…
const KEPT_GIT_VARIABLES = new Set(['GIT_EXEC_PATH', 'GIT_SSL_CAINFO', 'GIT_SSL_CAPATH']);
const DROPPED_VARIABLES = new Set(['SSH_ASKPASS', 'SSH_ASKPASS_REQUIRE', USERNAME_VARIABLE, PASSWORD_VARIABLE]);

export function baseEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || DROPPED_VARIABLES.has(name)) continue;
    if (name.startsWith('GIT_') && !KEPT_GIT_VARIABLES.has(name)) continue;
    env[name] = value;
  }
  return {
    ...env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GCM_INTERACTIVE: 'never',
    GIT_LITERAL_PATHSPECS: '1',
    GIT_NO_REPLACE_OBJECTS: '1',
    GIT_PAGER: 'cat',
    PAGER: 'cat',
    // English messages, so failures can be classified.
    LC_ALL: 'C',
    LANGUAGE: 'C',
  };
}

/** The argv and environment of one git run: exposed so tests can check no secret is in argv. */
export function gitInvocation(args: string[], options: RunGitOptions = {}): { argv: string[]; env: Record<string, string> } {
  const argv = [...safeConfig({ allowInsecureHttp: options.remote?.allowInsecureHttp })];
  if (options.gitDir) argv.push(`--git-dir=${options.gitDir}`);
  if (options.workTree) argv.push(`--work-tree=${options.workTree}`);
  argv.push(...args);
  const env = { ...baseEnvironment(), ...(options.remote ? credentialEnvironment(options.remote, options.timeoutMs) : {}), ...options.env };
  return { argv, env };
}

const MAX_STDERR = 64 * 1024;

/** Runs git without a shell, with the safe configuration; failures are classified and redacted. */
export function runGit(args: string[], options: RunGitOptions = {}): Promise<GitResult> {
  const { argv, env } = gitInvocation(args, options);
  const maxOutput = options.maxOutputBytes ?? 256 * 1024 * 1024;
  const operation = options.operation ?? args.find((a) => !a.startsWith('-')) ?? 'git';
  return new Promise((resolve, reject) => {
    // detached: git and its helpers get their own process group, so a timeout kills them all,
    // and no controlling terminal, so nothing can prompt.
    const child = spawn('git', argv, { cwd: options.cwd ?? options.gitDir ?? os.tmpdir(), env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let timedOut = false;
    let overflow = false;
    const kill = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxOutput) {
        overflow = true;
        kill();
        return;
      }
      chunks.push(chunk);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.length > MAX_STDERR) stderr = stderr.slice(-MAX_STDERR);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      reject(error.code === 'ENOENT' ? new CapstanError('git is not installed (or not on PATH)', { cause: error }) : error);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const remote = options.remote;
      const secrets = remote ? [remote.token] : [];
      const cleanStderr = redact(stderr, secrets);
      const where = remote ? ` ${remote.display}` : '';
      if (timedOut) {
        reject(new TransientError(`git ${operation}${where} timed out after ${options.timeoutMs} ms${tail(cleanStderr)}`));
        return;
      }
      if (overflow) {
        reject(new CapstanError(`git ${operation}${where}: output is larger than ${maxOutput} bytes`));
        return;
      }
      const exitCode = code ?? (signal ? 128 : 1);
      const result = { stdout: Buffer.concat(chunks), stderr: cleanStderr, exitCode };
      if (exitCode !== 0 && options.check !== false) reject(classifyGitFailure(operation, cleanStderr, remote, exitCode));
      else resolve(result);
    });
  });
}

const AUTH_FAILURE = [
  /authentication failed/i,
  /could not read (username|password)/i,
  /terminal prompts disabled/i,
  /permission denied \((publickey|password|keyboard-interactive)/i,
  /returned error: 40[13]\b/i,
  /\bHTTP 40[13]\b/,
  /invalid username or (password|token)/i,
  /unprotected private key file/i,
  /load key .*: (bad permissions|invalid format|error in libcrypto)/i,
  /no such identity/i,
];
const HOST_KEY_FAILURE = [/host key verification failed/i, /remote host identification has changed/i];
const REPOSITORY_NOT_FOUND = [
  /does not appear to be a git repository/i,
  /repository .* not found/i,
  /repository not found/i,
  /returned error: 404\b/i,
  /not a git repository/i,
  /no such file or directory.*\n?.*could not read from remote/i,
];
const NETWORK_FAILURE = [
  /could not resolve host/i,
  /could not resolve hostname/i,
  /connection refused/i,
  /connection timed out/i,
  /operation timed out/i,
  /timed out/i,
  /failed to connect/i,
  /connection reset/i,
  /connection closed/i,
  /network is unreachable/i,
  /no route to host/i,
  /temporary failure in name resolution/i,
  /early eof/i,
  /unexpected disconnect/i,
  /the remote end hung up/i,
  /rpc failed/i,
  /returned error: 5\d\d\b/i,
  /\bHTTP 5\d\d\b/,
  /returned error: 429\b/i,
  /gnutls|ssl_|openssl|tls/i,
  /ssh: connect to host/i,
  /kex_exchange_identification/i,
  /unable to access/i,
  /could not read from remote repository/i,
];

/** Turns git's failure into capstan's error hierarchy; `stderr` must already be redacted. */
export function classifyGitFailure(operation: string, stderr: string, remote: ParsedRemote | undefined, exitCode = 1): CapstanError {
  const where = remote?.display ?? 'the repository';
  const detail = tail(stderr);
  if (remote && HOST_KEY_FAILURE.some((re) => re.test(stderr))) {
    return new CapstanError(`host key verification failed for ${where}: check the known_hosts file${detail}`);
  }
  if (remote && AUTH_FAILURE.some((re) => re.test(stderr))) {
    return new CapstanError(`authentication failed for ${where}: check the token / key${detail}`);
  }
  if (remote && /certificate|ssl certificate problem/i.test(stderr)) {
    return new CapstanError(`TLS certificate verification failed for ${where}: check the server certificate or the CA bundle (GIT_SSL_CAINFO)${detail}`);
  }
  if (remote && REPOSITORY_NOT_FOUND.some((re) => re.test(stderr))) {
    return new NotFoundError(`repository not found: ${where} (or no access to it)${detail}`);
  }
  if (remote && NETWORK_FAILURE.some((re) => re.test(stderr))) {
    return new TransientError(`git ${operation} ${where} failed: the remote did not answer${detail}`);
  }
  return new CapstanError(`git ${operation}${remote ? ` ${where}` : ''} failed (exit ${exitCode})${detail}`);
}

/** git's own words, last lines only, on the next line of a message. */
function tail(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trimEnd()).filter(Boolean);
  if (lines.length === 0) return '';
  const kept = lines.slice(-12).join('\n');
  return `\n${kept.length > 2000 ? kept.slice(-2000) : kept}`;
}
