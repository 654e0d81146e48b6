import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { agentCommand } from './agent-command.ts';
import { applyCommand } from './apply-command.ts';
import { deleteCommand } from './delete-command.ts';
import { diffCommand } from './diff-command.ts';
import { historyCommand } from './history-command.ts';
import { initCommand } from './init-command.ts';
import { installCommand } from './install-command.ts';
import { renderCommand } from './render-command.ts';
import { rollbackCommand } from './rollback-command.ts';
import { sandboxCommand } from './sandbox-command.ts';
import { statusCommand } from './status-command.ts';
import { syncCommand } from './sync-command.ts';
import { upCommand } from './up-command.ts';
import { validateCommand } from './validate-command.ts';
import { capstanVersion } from './version.ts';


export function buildProgram(): Command {
  const program = new Command('capstan')
    .description('GitOps continuous delivery for Kubernetes: one engine for push and pull, promotion built in')
    .version(capstanVersion)
    .showHelpAfterError()
    .exitOverride();
  for (const command of [upCommand(), initCommand(), validateCommand(), renderCommand(), diffCommand(), applyCommand(), statusCommand(), historyCommand(), rollbackCommand(), deleteCommand(), agentCommand(), syncCommand(), installCommand(), sandboxCommand()]) {
    program.addCommand(command.showHelpAfterError().exitOverride());
  }
  return program;
}

/** The one place where failures become exit codes and messages. */
async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
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
