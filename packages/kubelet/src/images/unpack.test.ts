import { lstat, readFile, readlink, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isRoot, makeTar, tempDir, writeTemp, type TarEntry } from './__tests__/fixtures.js';
import { sha256Digest } from './digest.js';
import { isImageError } from './errors.js';
import { unpackLayer } from './unpack.js';

describe.skipIf(!isRoot)('unpackLayer (needs root for whiteout device nodes)', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => undefined;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  async function unpack(name: string, entries: TarEntry[], lowers: string[] = [], opts: { gzip?: boolean; diffId?: string } = {}) {
    const plain = await makeTar(entries);
    const blob = await writeTemp(dir, `${name}.blob`, opts.gzip === false ? plain : gzipSync(plain));
    const dest = join(dir, name);
    await unpackLayer({ blob, diffId: opts.diffId ?? sha256Digest(plain), dest, lowers });
    return dest;
  }

  async function isWhiteout(path: string): Promise<boolean> {
    const st = await lstat(path);
    return st.isCharacterDevice() && st.rdev === 0;
  }

  it('turns .wh. files into overlay whiteouts and opaque dirs into whiteouts of lower names', async () => {
    // 1. A base layer with files in two directories.
    const base = await unpack('l1', [
      { name: 'etc/', type: 'directory' },
      { name: 'etc/a', content: 'a' },
      { name: 'etc/b', content: 'b' },
      { name: 'var/', type: 'directory' },
      { name: 'var/old1', content: '1' },
      { name: 'var/sub/', type: 'directory' },
    ]);
    // 2. A layer that deletes etc/a and makes var opaque while adding a file to it.
    const top = await unpack(
      'l2',
      [
        { name: 'etc/.wh.a', content: '' },
        { name: 'var/.wh..wh..opq', content: '' },
        { name: 'var/new', content: 'n' },
      ],
      [base],
    );
    expect(await isWhiteout(join(top, 'etc/a'))).toBe(true);
    expect((await readdir(join(top, 'etc'))).sort()).toEqual(['a']);
    expect(await isWhiteout(join(top, 'var/old1'))).toBe(true);
    expect(await isWhiteout(join(top, 'var/sub'))).toBe(true);
    expect(await readFile(join(top, 'var/new'), 'utf8')).toBe('n');
    expect((await readdir(join(top, 'var'))).some((n) => n.startsWith('.wh.'))).toBe(false);
  });

  it('keeps symlinks, hard links and modes, from plain (uncompressed) tars too', async () => {
    const dest = await unpack(
      'l',
      [
        { name: 'bin/', type: 'directory' },
        { name: 'bin/busybox', content: '#!', mode: 0o4755 },
        { name: 'bin/sh', type: 'link', linkname: 'bin/busybox' },
        { name: 'bin/ls', type: 'symlink', linkname: '/bin/busybox' },
      ],
      [],
      { gzip: false },
    );
    const bb = await lstat(join(dest, 'bin/busybox'));
    expect(bb.mode & 0o7777).toBe(0o4755);
    expect((await lstat(join(dest, 'bin/sh'))).ino).toBe(bb.ino);
    expect(await readlink(join(dest, 'bin/ls'))).toBe('/bin/busybox');
  });

  it('rejects an entry whose parent is a symlink, so layers cannot write outside their folder', async () => {
    const err = await unpack('l', [
      { name: 'escape', type: 'symlink', linkname: '/tmp' },
      { name: 'escape/pwned', content: 'x' },
    ]).catch((e: unknown) => e);
    expect(isImageError(err, 'MK_ERR_IMAGE_INVALID_ARCHIVE')).toBe(true);
  });

  it('rejects a layer whose content does not hash to its diffID', async () => {
    const err = await unpack('l', [{ name: 'f', content: 'x' }], [], { diffId: sha256Digest('something else') }).catch((e: unknown) => e);
    expect(isImageError(err, 'MK_ERR_IMAGE_DIGEST_MISMATCH')).toBe(true);
  });
});
