import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createServer, type CapstanServer, type ServerOptions } from './create-server.ts';
import { appState, FakeAgent } from './fake-agent.ts';
import { TokenStore } from './tokens.ts';

/** Tokens of the server tests, one per role. */
export const testTokens = {
  read: 'read-token-0123456789abcdef',
  deploy: 'deploy-token-0123456789abcdef',
  admin: 'admin-token-0123456789abcdef',
} as const;

export function testTokenStore(): TokenStore {
  return new TokenStore([
    { role: 'read', name: 'viewer', token: testTokens.read },
    { role: 'deploy', name: 'ci-bot', token: testTokens.deploy },
    { role: 'admin', name: 'ops', token: testTokens.admin },
  ]);
}

export interface TestServer {
  server: CapstanServer;
  agent: FakeAgent;
  url: string;
  /** Every log line the server wrote (level trace), as text. */
  logs(): string;
  /** fetch relative to the server, with the bearer token of a role (or a literal token). */
  call(path: string, init?: RequestInit & { token?: keyof typeof testTokens | { raw: string } }): Promise<Response>;
  close(): Promise<void>;
}

/** A server over a FakeAgent holding guestbook/dev and guestbook/prod, listening on a free port. */
export async function startTestServer(options: Partial<ServerOptions> = {}, agent = new FakeAgent([appState('guestbook', 'dev'), appState('guestbook', 'prod', { health: 'Degraded' })])): Promise<TestServer> {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = pino({ level: 'trace' }, sink);
  const server = await createServer({ agent, tokens: testTokenStore(), webhookSecrets: {}, version: '0.0.0-test', logger, ...options });
  return {
    server,
    agent,
    url: server.url,
    logs: () => lines.join(''),
    call(path, init = {}) {
      const { token, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token !== undefined) headers.set('authorization', `Bearer ${typeof token === 'string' ? testTokens[token] : token.raw}`);
      return fetch(server.url + path, { ...rest, headers });
    },
    close: () => server.close(),
  };
}

export function jsonBody(value: unknown): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}
