/**
 * Files that differ between two checked-out trees, for when the agent has no GitCache to ask
 * (`git diff --name-only` is what it uses otherwise). Compares names, symlink targets and contents.
 */
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';

/** Repo-relative paths present in one tree only, or in both with different content, sorted. */
export async function diffTrees(a: string, b: string): Promise<string[]> {
  const [left, right] = await Promise.all([listTree(a), listTree(b)]);
  const changed: string[] = [];
  for (const name of new Set([...left.keys(), ...right.keys()])) {
    const x = left.get(name);
    const y = right.get(name);
    if (x === undefined || y === undefined || x.kind !== y.kind || x.size !== y.size) {
      changed.push(name);
      continue;
    }
    const [cx, cy] = await Promise.all([contentOf(a, name, x.kind), contentOf(b, name, y.kind)]);
    if (!cx.equals(cy)) changed.push(name);
  }
  return changed.sort();
}

interface Entry {
  kind: 'file' | 'link';
  size: number;
}

async function listTree(root: string): Promise<Map<string, Entry>> {
  const out = new Map<string, Entry>();
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await readdir(path.join(root, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (entry.name !== '.git') await walk(child);
      } else if (entry.isSymbolicLink() || entry.isFile()) {
        const stats = await lstat(path.join(root, child));
        out.set(child, { kind: entry.isSymbolicLink() ? 'link' : 'file', size: stats.size });
      }
    }
  };
  await walk('');
  return out;
}

async function contentOf(root: string, rel: string, kind: Entry['kind']): Promise<Buffer> {
  const full = path.join(root, rel);
  return kind === 'link' ? Buffer.from(await readlink(full)) : readFile(full);
}
