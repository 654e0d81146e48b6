import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { ValidationError } from '../core/index.ts';
import { projectFileName, starterProject } from '../config/index.ts';

export function initCommand(): Command {
  return new Command('init')
    .description('Write a commented starter capstan.yaml into a config repo')
    .argument('[dir]', 'the config repo folder', '.')
    .option('--force', 'overwrite an existing capstan.yaml')
    .action((dir: string, opts: { force?: boolean }) => {
      const file = path.join(dir, projectFileName);
      if (existsSync(file) && !opts.force) throw new ValidationError(`${file} already exists: edit it, or pass --force to replace it with the starter`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(file, starterProject());
      console.log(`wrote ${file}: edit the apps, then run \`capstan validate\``);
    });
}
