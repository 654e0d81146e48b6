import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { ValidationError } from '../core/index.ts';
import { AgentClient } from './agent-client.ts';
import { contextFilePath, writeCliContext } from './cli-context.ts';

interface LoginOptions {
  server: string;
  tokenFile?: string;
  name?: string;
}

export function loginCommand(): Command {
  return new Command('login')
    .description("Check an API token against an agent and save both as a context (the current one) for the commands that talk to agents: sync, get, wait")
    .requiredOption('--server <url>', "the agent's HTTP API, e.g. http://127.0.0.1:8080")
    .option('--token-file <file>', 'file holding the token (one of the agent\'s --tokens-file); - reads it from stdin (default: $CAPSTAN_TOKEN)')
    .option('--name <name>', "the context's name (default: the server's host and port)")
    .addHelpText(
      'after',
      `\nContexts are kept in $CAPSTAN_CONFIG, else ~/.config/capstan/config.json (readable by you only). A command uses
--server/--token-file, then $CAPSTAN_SERVER/$CAPSTAN_TOKEN, then the context named with --agent, then the
current one. capstan up saves a context named "up".

Examples:
  capstan login --server https://capstan.example.com --token-file ci.token --name prod
  capstan get guestbook --env prod --agent prod`,
    )
    .action(async (opts: LoginOptions) => {
      let server: URL;
      try {
        server = new URL(opts.server);
        if (server.protocol !== 'http:' && server.protocol !== 'https:') throw new Error(server.protocol);
      } catch {
        throw new ValidationError(`--server "${opts.server}" is not an http:// or https:// URL: pass the agent's address, e.g. http://127.0.0.1:8080`);
      }
      const token = readLoginToken(opts.tokenFile);
      const url = server.href.replace(/\/+$/, '');
      const agent = new AgentClient({ server: url, token, from: '--server' }, { loggingIn: true });
      const identity = await agent.call<{ name: string; role: string }>('/api/v1/whoami');
      const name = opts.name ?? server.host;
      const file = writeCliContext({ name, server: url, token }, { file: contextFilePath() });
      console.log(`logged in to ${url} as "${identity.name}" (role ${identity.role}): context "${name}" saved in ${file} and made current`);
    });
}

function readLoginToken(file: string | undefined): string {
  let token: string;
  if (file === undefined) token = process.env.CAPSTAN_TOKEN ?? '';
  else {
    try {
      token = readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (error) {
      throw new ValidationError(`cannot read the token file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  token = token.trim();
  if (!token) throw new ValidationError(file === undefined ? 'no token: pass --token-file <file> (a token of the agent\'s --tokens-file) or set CAPSTAN_TOKEN' : `the token file ${file} is empty`);
  return token;
}
