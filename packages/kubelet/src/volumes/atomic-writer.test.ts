import { lstat, mkdtemp, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PayloadError, writeAtomic, type Payload } from './atomic-writer.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nk-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const payload = (entries: Record<string, [string, number?]>): Payload =>
  new Map(Object.entries(entries).map(([p, [d, mode]]) => [p, { data: Buffer.from(d), mode: mode ?? 0o644 }]));

describe('writeAtomic', () => {
  it('publishes files behind ..data and per-name symlinks with their modes', async () => {
    const target = join(dir, 'vol');
    expect(await writeAtomic(target, payload({ a: ['1'], 'conf/b.yaml': ['2', 0o400] }))).toBe(true);
    const names = (await readdir(target)).sort();
    expect(names.filter((n) => !n.startsWith('..'))).toEqual(['a', 'conf']);
    expect(await readlink(join(target, '..data'))).toMatch(/^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d+$/);
    expect(await readlink(join(target, 'a'))).toBe('..data/a');
    expect(await readlink(join(target, 'conf'))).toBe('..data/conf');
    expect(await readFile(join(target, 'conf/b.yaml'), 'utf8')).toBe('2');
    expect((await stat(join(target, 'conf/b.yaml'))).mode & 0o777).toBe(0o400);
    expect((await stat(join(target, 'a'))).mode & 0o777).toBe(0o644);
  });

  it('leaves an unchanged payload alone and swaps a changed one, dropping old names and the old folder', async () => {
    const target = join(dir, 'vol');
    await writeAtomic(target, payload({ a: ['1'], b: ['2'] }));
    const first = await readlink(join(target, '..data'));
    expect(await writeAtomic(target, payload({ a: ['1'], b: ['2'] }))).toBe(false);
    expect(await readlink(join(target, '..data'))).toBe(first);

    expect(await writeAtomic(target, payload({ a: ['changed'] }))).toBe(true);
    const second = await readlink(join(target, '..data'));
    expect(second).not.toBe(first);
    expect(await readFile(join(target, 'a'), 'utf8')).toBe('changed');
    await expect(lstat(join(target, 'b'))).rejects.toThrow();
    await expect(lstat(join(target, first))).rejects.toThrow();
    expect((await readdir(target)).filter((n) => n.startsWith('..')).sort()).toEqual(['..data', second].sort());
  });

  it('rewrites when only a mode changes', async () => {
    const target = join(dir, 'vol');
    await writeAtomic(target, payload({ a: ['1', 0o644] }));
    expect(await writeAtomic(target, payload({ a: ['1', 0o600] }))).toBe(true);
    expect((await stat(join(target, 'a'))).mode & 0o777).toBe(0o600);
  });

  it.each(['/abs', '../up', 'a/../../b', '..hidden', ''])('rejects path %j', async (p) => {
    await expect(writeAtomic(join(dir, 'vol'), payload({ [p]: ['x'] }))).rejects.toBeInstanceOf(PayloadError);
  });
});
