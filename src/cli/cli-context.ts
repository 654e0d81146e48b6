import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ValidationError } from '../core/index.ts';

/** An agent the CLI talks to, as `capstan login` or `capstan up` recorded it. */
export interface CliContext {
  name: string;
  /** The agent's HTTP API, e.g. `http://127.0.0.1:8080`. */
  server: string;
  /** An API token (kept in a file only its owner can read). */
  token: string;
}

export interface CliConfig {
  /** The context commands use when none is named. */
  current?: string;
  contexts: CliContext[];
}

/** Where the contexts are kept: `$CAPSTAN_CONFIG`, else `$XDG_CONFIG_HOME/capstan/config.json` (default `~/.config`). */
export function contextFilePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CAPSTAN_CONFIG) return path.resolve(env.CAPSTAN_CONFIG);
  const base = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'capstan', 'config.json');
}

/** The recorded contexts; none when the file does not exist. A broken file is an error naming it. */
export function readCliConfig(file: string = contextFilePath()): CliConfig {
  if (!existsSync(file)) return { contexts: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ValidationError(`${file} is not valid JSON (${(error as Error).message}): fix it, or delete it and run capstan login again`);
  }
  const config = parsed as Partial<CliConfig>;
  const contexts = Array.isArray(config.contexts) ? config.contexts.filter((c): c is CliContext => typeof c?.name === 'string' && typeof c.server === 'string' && typeof c.token === 'string') : [];
  return { current: typeof config.current === 'string' ? config.current : undefined, contexts };
}

/**
 * Records a context (replacing one of the same name) and, by default, makes it the current one.
 * The file is written whole to a temporary file first (readable by its owner only), then renamed.
 */
export function writeCliContext(context: CliContext, options: { file?: string; makeCurrent?: boolean } = {}): string {
  const file = options.file ?? contextFilePath();
  const config = readCliConfig(file);
  const contexts = [...config.contexts.filter((c) => c.name !== context.name), context].sort((a, b) => a.name.localeCompare(b.name));
  const next: CliConfig = { current: options.makeCurrent === false ? config.current : context.name, contexts };
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, file);
  return file;
}

/** How a command was told which agent to talk to. */
export interface AgentTarget {
  server: string;
  token?: string;
  /** Where the server came from, for messages: `--server`, `$CAPSTAN_SERVER`, `context "up"`, `the default`. */
  from: string;
}

/**
 * The agent a command talks to: `--server` and `--token-file` first, then `$CAPSTAN_SERVER` and
 * `$CAPSTAN_TOKEN`, then the named or current context of the context file, then
 * `http://127.0.0.1:8080` without a token.
 */
export function resolveAgentTarget(
  options: { server?: string; tokenFile?: string; context?: string },
  env: NodeJS.ProcessEnv = process.env,
  file: string = contextFilePath(env),
): AgentTarget {
  const config = readCliConfig(file);
  const name = options.context ?? config.current;
  const context = name === undefined ? undefined : config.contexts.find((c) => c.name === name);
  if (options.context !== undefined && !context) {
    const known = config.contexts.map((c) => c.name).join(', ');
    throw new ValidationError(`no context "${options.context}" in ${file}${known ? `: it has ${known}` : ': run capstan login first'}`);
  }
  const token = options.tokenFile ? readToken(options.tokenFile) : env.CAPSTAN_TOKEN || context?.token;
  if (options.server) return { server: trimSlash(options.server), token, from: '--server' };
  if (env.CAPSTAN_SERVER) return { server: trimSlash(env.CAPSTAN_SERVER), token, from: '$CAPSTAN_SERVER' };
  if (context) return { server: trimSlash(context.server), token, from: `context "${context.name}" of ${file}` };
  return { server: 'http://127.0.0.1:8080', token, from: 'the default' };
}

function readToken(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new ValidationError(`cannot read the token file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
