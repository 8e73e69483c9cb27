/**
 * Layer unpacking into overlayfs lower directories. A layer tarball (gzip or plain) is extracted into its own
 * directory, its uncompressed bytes are hashed and must equal the diffID from the image config, and OCI
 * whiteouts become overlayfs whiteouts:
 *
 * - `.wh.NAME` deletes NAME from lower layers: it becomes a 0/0 character device NAME.
 * - `.wh..wh..opq` in DIR hides everything lower layers have in DIR. overlayfs marks that with an xattr
 *   (`trusted.overlay.opaque`), which Node cannot set; because a layer directory is keyed by its ChainID
 *   (it is only ever stacked on the same parents), the same effect is reached by whiting out every name the
 *   parent layers hold in DIR that this layer does not.
 *
 * Entries never escape the layer directory: `..` components, parents that are symlinks, and hard links
 * outside the layer are rejected (`MK_ERR_IMAGE_INVALID_ARCHIVE`).
 */
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, lchown, link, lstat, lutimes, mkdir, open, readdir, realpath, rm, symlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { digestMismatch, HashingStream } from './digest.js';
import { ImageError } from './errors.js';

const execFileAsync = promisify(execFile);
const whiteoutPrefix = '.wh.';
const opaqueMarker = '.wh..wh..opq';

/** Options of {@link unpackLayer}. */
export interface UnpackLayerOptions {
  /** Path of the layer blob (gzip-compressed or plain tar). */
  blob: string;
  /** Expected sha256 of the uncompressed tar (the config's `rootfs.diff_ids` entry). */
  diffId: string;
  /** Empty directory to extract into. */
  dest: string;
  /** Unpacked parent layers, nearest first: consulted for opaque directories. */
  lowers: string[];
}

function invalid(message: string, cause?: unknown): ImageError {
  return new ImageError('MK_ERR_IMAGE_INVALID_ARCHIVE', message, cause === undefined ? undefined : { cause });
}

/** compressionOf sniffs a blob's first bytes: gzip and plain tar are supported, zstd is named and refused. */
async function compressionOf(path: string): Promise<'gzip' | 'none'> {
  const fh = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(4), 0, 4, 0);
    if (bytesRead >= 2 && buffer[0] === 0x1f && buffer[1] === 0x8b) return 'gzip';
    if (bytesRead === 4 && buffer.readUInt32LE(0) === 0xfd2fb528) {
      throw new ImageError('MK_ERR_IMAGE_UNSUPPORTED', 'zstd-compressed layers are not supported');
    }
    return 'none';
  } finally {
    await fh.close();
  }
}

/** unpackLayer extracts one layer blob into dest and verifies its diffID; see the module comment. */
export async function unpackLayer(opts: UnpackLayerOptions): Promise<void> {
  await mkdir(opts.dest, { recursive: true });
  const hasher = new HashingStream();
  const extract = tar.extract();
  const source = createReadStream(opts.blob);
  const done =
    (await compressionOf(opts.blob)) === 'gzip'
      ? pipeline(source, createGunzip(), hasher, extract)
      : pipeline(source, hasher, extract);
  const writer = new LayerWriter(opts.dest);
  try {
    for await (const entry of extract) await writer.write(entry.header, entry);
    await done;
  } catch (err) {
    source.destroy();
    await done.catch(() => undefined);
    if (err instanceof ImageError) throw err;
    throw invalid(`failed to extract layer ${opts.diffId}: ${(err as Error).message}`, err);
  }
  const actual = hasher.digest();
  if (actual !== opts.diffId) throw digestMismatch(`layer-${opts.diffId}`, opts.diffId, actual);
  await writer.finish(opts.lowers);
}

/** cleanPath turns a tar member name into a relative path inside the layer ('' = the root). */
function cleanPath(name: string): string {
  const norm = posix.normalize(`/${name}`).slice(1).replace(/\/+$/, '');
  if (norm.split('/').includes('..')) throw invalid(`tar entry "${name}" escapes the layer`);
  return norm;
}

async function exists(path: string): Promise<import('node:fs').Stats | undefined> {
  try {
    return await lstat(path);
  } catch {
    return undefined;
  }
}

async function mknod(path: string, kind: 'c' | 'b' | 'p', mode: number, major = 0, minor = 0): Promise<void> {
  const args = ['-m', (mode & 0o7777).toString(8), path, kind, ...(kind === 'p' ? [] : [String(major), String(minor)])];
  try {
    await execFileAsync('mknod', args);
  } catch (err) {
    throw new ImageError('MK_ERR_IMAGE_INVALID_ARCHIVE', `failed to create device node ${path} (needs root)`, { cause: err });
  }
}

/** The body of one tar entry (a streamx Readable). */
type EntryBody = AsyncIterable<unknown> & { resume(): unknown };

/** LayerWriter applies tar entries of one layer to its directory. */
class LayerWriter {
  private readonly verifiedDirs = new Set<string>(['']);
  private readonly opaqueDirs = new Set<string>();
  private readonly dirTimes: { path: string; mtime: Date }[] = [];
  private readonly isRoot = process.getuid?.() === 0;

  constructor(private readonly dest: string) {}

  async write(h: tar.Header, body: EntryBody): Promise<void> {
    try {
      await this.apply(h, body);
    } finally {
      body.resume();
    }
  }

  private async apply(h: tar.Header, body: EntryBody): Promise<void> {
    const rel = cleanPath(h.name);
    if (rel === '') return;
    const base = posix.basename(rel);
    const parent = await this.ensureParent(posix.dirname(rel) === '.' ? '' : posix.dirname(rel));
    const abs = join(parent, base);
    if (base.startsWith(whiteoutPrefix)) return this.whiteout(rel, parent, base);
    if (h.type === 'directory') return this.directory(rel, abs, h);
    await this.removeExisting(abs);
    switch (h.type) {
      case 'file':
      case 'contiguous-file':
        await pipeline(body, createWriteStream(abs, { mode: 0o600 }));
        break;
      case 'symlink':
        await symlink(h.linkname, abs);
        break;
      case 'link':
        await link(join(this.dest, cleanPath(h.linkname)), abs).catch((err: unknown) => {
          throw invalid(`hard link "${h.name}" to "${h.linkname}" is not inside the layer`, err);
        });
        return;
      case 'character-device':
      case 'block-device':
        await mknod(abs, h.type === 'character-device' ? 'c' : 'b', h.mode, h.devmajor, h.devminor);
        break;
      case 'fifo':
        await mknod(abs, 'p', h.mode);
        break;
      default:
        throw invalid(`tar entry "${h.name}" has unsupported type ${String(h.type)}`);
    }
    await this.setAttributes(abs, h);
  }

  private async whiteout(rel: string, parent: string, base: string): Promise<void> {
    if (base === opaqueMarker) {
      this.opaqueDirs.add(posix.dirname(rel) === '.' ? '' : posix.dirname(rel));
    } else if (!base.startsWith(`${whiteoutPrefix}${whiteoutPrefix}`)) {
      const target = join(parent, base.slice(whiteoutPrefix.length));
      await this.removeExisting(target);
      await mknod(target, 'c', 0o000);
    }
  }

  private async directory(rel: string, abs: string, h: tar.Header): Promise<void> {
    const st = await exists(abs);
    if (st && !st.isDirectory()) await this.removeExisting(abs);
    if (!st?.isDirectory()) await mkdir(abs);
    this.verifiedDirs.add(rel);
    await this.setAttributes(abs, h);
    this.dirTimes.push({ path: abs, mtime: h.mtime });
  }

  /** ensureParent makes sure every component of rel is a real directory (never a symlink) and returns its path. */
  private async ensureParent(rel: string): Promise<string> {
    const abs = join(this.dest, rel);
    if (this.verifiedDirs.has(rel)) return abs;
    let cur = '';
    for (const part of rel.split('/')) {
      cur = cur === '' ? part : `${cur}/${part}`;
      if (this.verifiedDirs.has(cur)) continue;
      const p = join(this.dest, cur);
      const st = await exists(p);
      if (!st) await mkdir(p, { mode: 0o755 });
      else if (!st.isDirectory()) throw invalid(`tar entry parent "${cur}" is not a directory (symlinks are not followed)`);
      this.verifiedDirs.add(cur);
    }
    return abs;
  }

  private async removeExisting(abs: string): Promise<void> {
    const st = await exists(abs);
    if (!st) return;
    if (st.isDirectory()) {
      this.verifiedDirs.clear();
      this.verifiedDirs.add('');
    }
    await rm(abs, { recursive: true, force: true });
  }

  private async setAttributes(abs: string, h: tar.Header): Promise<void> {
    if (this.isRoot) await lchown(abs, h.uid, h.gid);
    // chmod after chown: chown clears set-id bits.
    if (h.type !== 'symlink') await chmod(abs, h.mode & 0o7777);
    await lutimes(abs, h.mtime, h.mtime);
  }

  /** finish turns opaque markers into whiteouts and restores directory mtimes that child writes changed. */
  async finish(lowers: string[]): Promise<void> {
    for (const rel of this.opaqueDirs) {
      const upper = join(this.dest, rel);
      const hidden = new Set(await readdir(upper));
      for (const lower of lowers) {
        for (const name of await this.lowerEntries(lower, rel)) {
          if (hidden.has(name)) continue;
          hidden.add(name);
          await mknod(join(upper, name), 'c', 0o000);
        }
      }
    }
    for (const { path, mtime } of this.dirTimes.reverse()) await lutimes(path, mtime, mtime);
  }

  private async lowerEntries(lower: string, rel: string): Promise<string[]> {
    const dir = join(lower, rel);
    const st = await exists(dir);
    if (!st?.isDirectory()) return [];
    const real = await realpath(dir);
    const root = await realpath(lower);
    if (real !== root && !real.startsWith(`${root}/`)) return [];
    return readdir(dir);
  }
}
