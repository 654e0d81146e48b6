/** Small text and time helpers shared by the agent's parts (log lines, state messages, durations). */

/** The message of anything thrown. */
export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The first lines of a (long) error text, for an app's state and the history. */
export function firstLines(text: string, lines = 20): string {
  return text.split('\n').slice(0, lines).join('\n');
}

/** A commit as log lines show it. */
export function short(sha: string): string {
  return sha.slice(0, 12);
}

/** Seconds since `startedAt` (a `performance.now()`), for the metrics. */
export function seconds(startedAt: number): number {
  return (performance.now() - startedAt) / 1000;
}

/** Now, as app states and events record times. */
export function isoNow(): string {
  return new Date().toISOString();
}
