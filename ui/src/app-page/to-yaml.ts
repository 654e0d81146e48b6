// A small YAML writer for manifests the API already parsed: block maps and sequences, strings
// quoted only when plain YAML would read them as something else, multi-line strings as `|` blocks.
// (The `yaml` package would add ~30 KB gzipped to the UI for what this does in a few lines.)

const plainSafe = /^[A-Za-z0-9_./][A-Za-z0-9_./ :@+=-]*$/;
const special = /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|y|Y|n|N|[-+]?(?:\.inf|\.Inf|\.INF)|\.nan|\.NaN|\.NAN|<<)$/;
/** Numbers in any YAML spelling (0x1F, 1_000, 1.10, 12:30) all start so: quote them all. */
const numberLike = /^[-+]?\.?[0-9]/;

function scalar(value: string): string {
  if (value === '') return "''";
  if (plainSafe.test(value) && !special.test(value) && !numberLike.test(value) && !value.endsWith(' ') && !value.endsWith(':') && !value.includes(': ') && !value.includes(' #')) return value;
  return JSON.stringify(value);
}

const keyOf = (key: string): string => scalar(key);

function isBlock(value: unknown): value is object {
  if (Array.isArray(value)) return value.length > 0;
  return typeof value === 'object' && value !== null && Object.keys(value).length > 0;
}

function inline(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return '[]';
  if (typeof value === 'object') return '{}';
  if (typeof value === 'string') return scalar(value);
  return String(value);
}

function lines(value: unknown, indent: string, out: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isBlock(item)) {
        const nested: string[] = [];
        lines(item, `${indent}  `, nested);
        // The first line of the item goes on the dash's line.
        out.push(`${indent}- ${nested[0].slice(indent.length + 2)}`, ...nested.slice(1));
      } else out.push(`${indent}- ${entry(item, `${indent}  `)}`);
    }
    return;
  }
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (isBlock(item)) {
      out.push(`${indent}${keyOf(key)}:`);
      lines(item, Array.isArray(item) ? indent : `${indent}  `, out);
    } else out.push(`${indent}${keyOf(key)}: ${entry(item, `${indent}  `)}`);
  }
}

/** A scalar (or empty collection) after `key: ` or `- `: multi-line strings become literal blocks. */
function entry(value: unknown, indent: string): string {
  if (typeof value === 'string' && value.includes('\n') && !/[^\S\n]\n|\r/.test(value)) {
    const chomp = value.endsWith('\n') ? (value.endsWith('\n\n') ? '+' : '') : '-';
    const body = value.replace(/\n$/, '').split('\n');
    return `|${/^ /.test(value) ? '2' : ''}${chomp}\n${body.map((l) => (l ? indent + l : '')).join('\n')}`;
  }
  return inline(value);
}

/** The YAML text of a JSON value (a Kubernetes object). */
export function toYaml(value: unknown): string {
  if (!isBlock(value)) return `${inline(value)}\n`;
  const out: string[] = [];
  lines(value, '', out);
  return `${out.join('\n')}\n`;
}
