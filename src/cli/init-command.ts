import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { ValidationError } from '../core/index.ts';
import { projectFileName, starterFiles } from '../config/index.ts';

export function initCommand(): Command {
  return new Command('init')
    .description('Write a commented starter capstan.yaml into a config repo, and the app it names')
    .argument('[dir]', 'the config repo folder', '.')
    .option('--force', 'overwrite an existing capstan.yaml')
    .action((dir: string, opts: { force?: boolean }) => {
      const file = path.join(dir, projectFileName);
      if (existsSync(file) && !opts.force) throw new ValidationError(`${file} already exists: edit it, or pass --force to replace it with the starter`);
      // the app's manifests are the user's once written: kept as they are, --force or not
      for (const [name, content] of Object.entries(starterFiles())) {
        const target = path.join(dir, name);
        if (name !== projectFileName && existsSync(target)) {
          console.log(`kept ${target}: it exists`);
          continue;
        }
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(target, content);
        console.log(`wrote ${target}`);
      }
      console.log(`next: \`capstan validate${dir === '.' ? '' : ` --repo ${shellWord(dir)}`}\` checks it; edit the apps, then commit`);
    });
}

/** A path as a shell reads it back: as it is when it holds only safe characters, else single-quoted. */
function shellWord(text: string): string {
  return /^[\w./:@+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
