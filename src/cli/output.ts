import { stringify } from 'yaml';

const outputClosed = new AbortController();

/**
 * Aborted when whoever reads stdout went away (`capstan logs -f | head -1`): long commands stop,
 * and what is still written is dropped.
 */
export const stdoutClosed: AbortSignal = outputClosed.signal;

/**
 * A closed pipe on stdout or stderr (EPIPE: `capstan render … | head -1`) ends the output quietly,
 * as it ends kubectl's, instead of crashing with a stack trace: later writes are dropped, the
 * command finishes (or, following, stops) and the exit code is what it would have been.
 */
export function handleClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      stream.write = (() => true) as typeof stream.write;
      if (stream === process.stdout) outputClosed.abort();
    });
  }
}

/** Writes data as JSON or YAML to stdout. */
export function printData(format: 'json' | 'yaml', data: unknown): void {
  if (format === 'json') process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  else process.stdout.write(stringify(data, { lineWidth: 0, aliasDuplicateObjects: false }));
}

/** A plain table like kubectl's: upper-case headers, columns padded with three spaces. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('   ')
      .trimEnd();
  return [line(headers.map((h) => h.toUpperCase())), ...rows.map(line)].join('\n') + '\n';
}

export function printTable(headers: string[], rows: string[][]): void {
  process.stdout.write(formatTable(headers, rows));
}

/** `3m12s ago`-style ages for tables. */
export function age(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

export function shortRevision(revision: string): string {
  return /^[0-9a-f]{40}/.test(revision) ? revision.slice(0, 12) + revision.slice(40) : revision;
}
