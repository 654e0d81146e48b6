import { gunzipSync } from 'node:zlib';

/** One regular file of a tar archive. */
export interface TarFile {
  name: string;
  data: Buffer;
}

/** One entry of a tar archive: `type` is the tar type flag (`0` file, `5` directory, `2` symlink, …). */
export interface TarEntry extends TarFile {
  type: string;
  /** The target of a link entry. */
  linkName: string;
}

/** More than this decompressed is refused (helm's own limit for a chart archive is 100 MiB). */
export const maxDecompressedBytes = 256 * 1024 * 1024;

/**
 * The regular files of a gzipped tar archive (ustar, GNU long names and pax paths), as helm's
 * chart loader reads `charts/*.tgz`: in memory, links and directories skipped. Throws when the data
 * is not gzip, is larger than `maxDecompressedBytes` decompressed, or is not a tar archive.
 */
export function readTarGz(archive: Buffer): TarFile[] {
  return readTarEntries(archive)
    .filter((entry) => entry.type === '0' || entry.type === '\0' || entry.type === '7')
    .map(({ name, data }) => ({ name, data }));
}

/** Every entry of a gzipped tar archive (pax and GNU long-name records applied, not listed); throws as `readTarGz` does. */
export function readTarEntries(archive: Buffer, maxBytes = maxDecompressedBytes): TarEntry[] {
  const tar = gunzipSync(archive, { maxOutputLength: maxBytes });
  const files: TarEntry[] = [];
  let longName: string | undefined;
  let paxPath: string | undefined;
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const size = readSize(header.subarray(124, 136));
    const type = String.fromCharCode(header[156]!);
    const data = tar.subarray(offset + 512, offset + 512 + size);
    if (data.length !== size) throw new Error('the tar archive is truncated');
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = cString(data);
      continue;
    }
    if (type === 'x') {
      paxPath = paxRecord(data, 'path');
      continue;
    }
    if (type === 'K') continue; // GNU long link name: the link itself is refused by type
    if (type === 'g') continue;
    const prefix = header.subarray(257, 262).toString('latin1') === 'ustar' ? cString(header.subarray(345, 500)) : '';
    const short = cString(header.subarray(0, 100));
    const name = paxPath ?? longName ?? (prefix ? `${prefix}/${short}` : short);
    longName = undefined;
    paxPath = undefined;
    files.push({ name, type, linkName: cString(header.subarray(157, 257)), data: Buffer.from(data) });
  }
  return files;
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end === -1 ? bytes.length : end).toString('utf8');
}

/** An octal size, or GNU base-256 when the high bit of the first byte is set. */
function readSize(field: Buffer): number {
  if (field[0]! & 0x80) {
    let value = 0;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return value;
  }
  const text = cString(field).trim();
  const value = text ? Number.parseInt(text, 8) : 0;
  if (!Number.isSafeInteger(value) || value < 0) throw new Error('the tar archive has a malformed header');
  return value;
}

/** The value of `key` in pax extended-header records (`<length> <key>=<value>\n`). */
function paxRecord(data: Buffer, key: string): string | undefined {
  let found: string | undefined;
  for (let offset = 0; offset < data.length; ) {
    const space = data.indexOf(0x20, offset);
    if (space === -1) break;
    const length = Number.parseInt(data.subarray(offset, space).toString('latin1'), 10);
    if (!Number.isSafeInteger(length) || length <= 0) break;
    const record = data.subarray(space + 1, offset + length - 1).toString('utf8');
    const equals = record.indexOf('=');
    if (equals !== -1 && record.slice(0, equals) === key) found = record.slice(equals + 1);
    offset += length;
  }
  return found;
}
