import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { handleClosedOutput } from './output.ts';
import { capstanVersion } from './version.ts';

type CommandLoader = () => Promise<Command>;

/**
 * Every command, loaded on demand: `capstan apply` loads the engine but not the API server, the
 * sandbox or their dependencies, which halves the code Node must compile at start-up (the bundle
 * splits along these imports). The order is the order of `capstan --help`.
 */
const commands: Record<string, CommandLoader> = {
  up: async () => (await import('./up-command.ts')).upCommand(),
  init: async () => (await import('./init-command.ts')).initCommand(),
  import: async () => (await import('./import-command.ts')).importCommand(),
  validate: async () => (await import('./validate-command.ts')).validateCommand(),
  lint: async () => (await import('./lint-command.ts')).lintCommand(),
  render: async () => (await import('./render-command.ts')).renderCommand(),
  diff: async () => (await import('./diff-command.ts')).diffCommand(),
  apply: async () => (await import('./apply-command.ts')).applyCommand(),
  status: async () => (await import('./status-command.ts')).statusCommand(),
  history: async () => (await import('./history-command.ts')).historyCommand(),
  rollback: async () => (await import('./rollback-command.ts')).rollbackCommand(),
  delete: async () => (await import('./delete-command.ts')).deleteCommand(),
  artifact: async () => (await import('./artifact-command.ts')).artifactCommand(),
  release: async () => (await import('./release-command.ts')).releaseCommand(),
  promote: async () => (await import('./release-command.ts')).promoteCommand(),
  policy: async () => (await import('./policy-command.ts')).policyCommand(),
  log: async () => (await import('./log-command.ts')).logCommand(),
  pin: async () => (await import('./pin-command.ts')).pinCommand(),
  agent: async () => (await import('./agent-command.ts')).agentCommand(),
  login: async () => (await import('./login-command.ts')).loginCommand(),
  sync: async () => (await import('./sync-command.ts')).syncCommand(),
  get: async () => (await import('./get-command.ts')).getCommand(),
  wait: async () => (await import('./wait-command.ts')).waitCommand(),
  logs: async () => (await import('./logs-command.ts')).logsCommand(),
  install: async () => (await import('./install-command.ts')).installCommand(),
  sandbox: async () => (await import('./sandbox-command.ts')).sandboxCommand(),
};

/**
 * The program with the command named in argv, or with every command when argv names none of them
 * (`capstan --help`, `capstan help apply`, a typo that commander should answer with the list);
 * `capstan --version` needs none.
 */
export async function buildProgram(argv: string[] = []): Promise<Command> {
  const program = new Command('capstan')
    .description('GitOps continuous delivery for Kubernetes: one engine for push and pull, promotion built in')
    .version(capstanVersion)
    .configureOutput({ outputError: (text, write) => write(usageError(text, 'capstan')) })
    .exitOverride();
  const named = argv[2];
  const wanted = named === '-V' || named === '--version' ? [] : named !== undefined && Object.hasOwn(commands, named) ? [commands[named]!] : Object.values(commands);
  for (const command of await Promise.all(wanted.map((load) => load()))) {
    program.addCommand(command.configureOutput({ outputError: (text, write) => write(usageError(text, `capstan ${command.name()}`)) }).exitOverride());
  }
  return program;
}

/**
 * A usage error on one line, with where to look, instead of the whole help:
 * `error: required option '--env <name>' not specified (capstan apply --help lists the options)`.
 */
export function usageError(text: string, command: string): string {
  const line = text
    .trim()
    .replace(/\n\(Did you mean (.*)\?\)$/, ' (did you mean $1?)')
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\.$/, '');
  if (/\(did you mean .*\?\)$/.test(line)) return `${line}\n`;
  return `${line} (${command} --help lists the ${command === 'capstan' ? 'commands' : 'options'})\n`;
}

/** The one place where failures become exit codes and messages. */
async function main(argv: string[]): Promise<void> {
  handleClosedOutput();
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    if (error instanceof InvalidArgumentError) {
      console.error(`error: ${error.message}`);
      process.exitCode = 1;
      return;
    }
    console.error(`error: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}

await main(process.argv);
