import { readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The directories of a checkout that match a git directories generator's glob (`apps/*`,
 * `clusters/**`, `env/?/app`), relative to it and sorted; dot folders are never listed.
 */
export function listDirectories(root: string, pattern: string): string[] {
  const glob = pattern.split('/').filter((p) => p !== '' && p !== '.');
  const regex = new RegExp(`^${glob.map((part) => (part === '**' ? '.*' : part.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))).join('/')}$`);
  const deep = glob.includes('**');
  const found: string[] = [];
  const walk = (relative: string, depth: number): void => {
    let entries;
    try {
      entries = readdirSync(path.join(root, relative), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (regex.test(child)) found.push(child);
      if (deep || depth + 1 < glob.length) walk(child, depth + 1);
    }
  };
  walk('', 0);
  return found.sort();
}
