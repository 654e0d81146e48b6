const unitMs: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

/**
 * Milliseconds of a Go-style duration (`90s`, `5m`, `1h30m`, `1.5h`, `250ms`), or undefined when
 * the text is not one. Units are h, m, s and ms; a bare `0` is zero as in Go.
 */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const part = /(\d+(?:\.\d*)?|\.\d+)(ms|h|m|s)/y;
  let total = 0;
  let offset = 0;
  while (offset < text.length) {
    part.lastIndex = offset;
    const match = part.exec(text);
    if (!match) return undefined;
    total += Number(match[1]) * unitMs[match[2]];
    offset = part.lastIndex;
  }
  return offset === 0 ? undefined : Math.round(total);
}

/** `1h30m`, `5m`, `45s`, `250ms`: the shortest Go-style text for whole milliseconds. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  for (const [unit, size] of Object.entries(unitMs)) {
    const count = Math.floor(rest / size);
    if (count > 0) text += `${count}${unit}`;
    rest -= count * size;
  }
  return text;
}
