import { Command } from 'commander';
import { CapstanError, NotFoundError, TransientError, ValidationError } from '../core/index.ts';
import type { AgentEvent } from '../agent/index.ts';
import { resolveAgentTarget, type AgentTarget } from './cli-context.ts';

/** Options of every command that talks to an agent. */
export interface AgentOptions {
  server?: string;
  tokenFile?: string;
  /** A context of the context file (`--agent`; `--context` names kubeconfig contexts). */
  agent?: string;
}

/** `--server`, `--token-file` and `--agent`: which agent a command talks to (see resolveAgentTarget). */
export function addAgentOptions(command: Command): Command {
  return command
    .option('--server <url>', "the agent's HTTP API (default: $CAPSTAN_SERVER, else the current context of capstan login, else http://127.0.0.1:8080)")
    .option('--token-file <file>', "file holding an API token (default: $CAPSTAN_TOKEN, else the context's token)")
    .option('--agent <name>', 'use this context of capstan login (or capstan up) instead of the current one');
}

/** The agent's error body: `{"error": {"message": "…"}}`. */
interface ErrorBody {
  error?: { message?: string };
}

/** Talks to an agent's HTTP API; every failure is one line that names the agent and the fix. */
export class AgentClient {
  /** `login`: a refused token is not fixed by running login again. */
  constructor(
    readonly target: AgentTarget,
    private readonly options: { loggingIn?: boolean } = {},
  ) {}

  static from(options: AgentOptions): AgentClient {
    return new AgentClient(resolveAgentTarget({ server: options.server, tokenFile: options.tokenFile, context: options.agent }));
  }

  get server(): string {
    return this.target.server;
  }

  /** GETs (or POSTs `body` to) a path of the API and returns its JSON. */
  async call<T>(path: string, options: { method?: 'GET' | 'POST'; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
    const response = await this.send(path, options);
    return (await response.json()) as T;
  }

  /**
   * Follows `/api/v1/events` (server-sent events) and hands each event to `onEvent` until `signal`
   * aborts (resolves) or the stream ends (rejects: the agent went away).
   */
  async events(onEvent: (event: AgentEvent) => void, signal: AbortSignal): Promise<void> {
    const response = await this.send('/api/v1/events', { signal });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trimStart())
            .join('\n');
          if (data) onEvent(JSON.parse(data) as AgentEvent);
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      throw this.unreachable(error);
    }
    if (!signal.aborted) throw new TransientError(`the agent at ${this.server} ended the event stream (did it stop?)`);
  }

  private async send(path: string, options: { method?: 'GET' | 'POST'; body?: unknown; signal?: AbortSignal }): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.target.token) headers.authorization = `Bearer ${this.target.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.server}${path}`, {
        method: options.method ?? 'GET',
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
      });
    } catch (error) {
      throw this.unreachable(error);
    }
    if (response.ok) return response;
    const text = await response.text().catch(() => '');
    let message: string | undefined;
    try {
      message = (JSON.parse(text) as ErrorBody).error?.message;
    } catch {
      // not JSON: not a capstan agent, or a proxy in between
    }
    const said = message ?? `${response.status} ${response.statusText}`;
    if (response.status === 401) {
      const fix = this.options.loggingIn ? 'pass a token of its --tokens-file (or --tokens-secret)' : `pass --token-file <file>, set CAPSTAN_TOKEN, or run capstan login --server ${this.server} --token-file <file>`;
      if (!this.target.token) throw new ValidationError(`the agent at ${this.server} needs an API token: ${fix}`);
      throw new ValidationError(`the agent at ${this.server} refused the token (${said}): ${fix}`);
    }
    if (response.status === 403) throw new ValidationError(`the agent at ${this.server} refused (403): ${said}`);
    if (response.status === 404) throw new NotFoundError(message ?? `the agent at ${this.server} has no ${path} (is ${this.server} a capstan agent?)`);
    if (response.status === 503) throw new TransientError(`the agent at ${this.server} cannot answer now: ${said}`);
    throw new CapstanError(`the agent at ${this.server} answered ${response.status}: ${said}`);
  }

  private unreachable(error: unknown): CapstanError {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    return new TransientError(`cannot reach the agent at ${this.server} (${this.target.from}): ${why}: is it running? Pass --server <url> or run capstan login`, { cause: error });
  }
}
