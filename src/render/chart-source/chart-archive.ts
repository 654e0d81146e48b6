/**
 * A downloaded chart archive, checked before it is kept or unpacked: a gzipped tar whose entries are
 * regular files and directories under one top-level folder holding Chart.yaml; no absolute path, no
 * `..`, no links or devices (a link would hand helm a file from anywhere on the host).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ValidationError } from '../../core/index.ts';
import { readTarEntries, type TarEntry } from '../read-tar-gz.ts';

/** Decompressed, a chart may hold this much (helm's own limit for a chart archive is 100 MiB). */
export const maxChartBytes = 100 * 1024 * 1024;

export interface CheckedChart {
  /** The top-level folder (helm's chart name as packaged). */
  folder: string;
  name: string;
  version: string;
  entries: TarEntry[];
}

/** Checks an archive; `what` names it in errors (`chart nginx 1.2.3 from https://…`). */
export function checkChartArchive(data: Buffer, what: string): CheckedChart {
  let entries: TarEntry[];
  try {
    entries = readTarEntries(data, maxChartBytes);
  } catch (error) {
    throw new ValidationError(`${what}: is not a chart archive (a gzipped tar): ${(error as Error).message}`);
  }
  const refused: string[] = [];
  const folders = new Set<string>();
  for (const entry of entries) {
    const name = entry.name;
    const parts = name.split('/').filter((p) => p !== '' && p !== '.');
    if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.includes('\\')) refused.push(`${JSON.stringify(name)} is an absolute path`);
    else if (parts.includes('..')) refused.push(`${JSON.stringify(name)} climbs out with ..`);
    else if (entry.type === '1' || entry.type === '2') refused.push(`${JSON.stringify(name)} is a link (to ${JSON.stringify(entry.linkName)})`);
    else if (!['0', '\0', '7', '5'].includes(entry.type)) refused.push(`${JSON.stringify(name)} is not a file or directory (tar type ${JSON.stringify(entry.type)})`);
    else if (parts.length > 0) folders.add(parts[0]!);
  }
  if (refused.length > 0) throw new ValidationError(`${what}: the archive is refused: ${refused.slice(0, 5).join('; ')}${refused.length > 5 ? ` (and ${refused.length - 5} more)` : ''}`);
  if (folders.size !== 1) throw new ValidationError(`${what}: the archive must hold one chart folder, it holds ${folders.size === 0 ? 'nothing' : [...folders].sort().join(', ')}`);
  const folder = [...folders][0]!;
  const chartFile = entries.find((e) => e.name.split('/').filter((p) => p !== '' && p !== '.').join('/') === `${folder}/Chart.yaml`);
  if (!chartFile) throw new ValidationError(`${what}: the archive has no ${folder}/Chart.yaml`);
  let chart: unknown;
  try {
    chart = parseYaml(chartFile.data.toString('utf8'));
  } catch (error) {
    throw new ValidationError(`${what}: ${folder}/Chart.yaml is not valid YAML: ${(error as Error).message.split('\n', 1)[0]}`);
  }
  const fields = (chart ?? {}) as Record<string, unknown>;
  if (typeof fields.name !== 'string' || typeof fields.version !== 'string') throw new ValidationError(`${what}: ${folder}/Chart.yaml has no name or version`);
  return { folder, name: fields.name, version: fields.version, entries };
}

/** Unpacks a checked archive into `dest` (an empty private directory); returns the chart's folder. */
export async function extractChart(checked: CheckedChart, dest: string): Promise<string> {
  const root = path.resolve(dest);
  for (const entry of checked.entries) {
    const parts = entry.name.split('/').filter((p) => p !== '' && p !== '.');
    if (parts.length === 0) continue;
    const target = path.join(root, ...parts);
    if (!target.startsWith(root + path.sep)) throw new ValidationError(`chart ${checked.name}: archive entry ${JSON.stringify(entry.name)} leaves its folder`);
    if (entry.type === '5') {
      await mkdir(target, { recursive: true });
    } else {
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, entry.data, { mode: 0o644, flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
        // a name listed twice: the later entry wins, as tar does
        if (error.code === 'EEXIST') await writeFile(target, entry.data, { mode: 0o644 });
        else throw error;
      });
    }
  }
  return path.join(root, checked.folder);
}
