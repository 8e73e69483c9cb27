/**
 * The node's content-addressed image store under one root (default `/var/lib/nanokube/images`):
 *
 * ```
 * blobs/sha256/<hex>    manifests, configs and layer blobs, verified before they land
 * layers/<chainid-hex>/ unpacked layers, overlayfs lower directories (whiteouts as 0/0 char devices)
 * images.json           image records and tags (see image-index.ts)
 * leases/<hex>.json     container root filesystems that use an image (kept from removal)
 * tmp/                  partial downloads and extractions; renamed into place when complete
 * ```
 *
 * Blobs and layers are immutable once renamed into place; two writers of the same digest race harmlessly.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { digestHex, digestMismatch, HashingStream, sha256Digest } from './digest.js';
import { ImageError } from './errors.js';
import { addImage, findImage, ImageIndexFile, type ImageRecord, type LayerRecord } from './image-index.js';
import { unpackLayer } from './unpack.js';

/** The default store root of a node. */
export const defaultImageRoot = '/var/lib/nanokube/images';

/** Lease records that a prepared container root filesystem uses an image. */
export interface ImageLease {
  containerDir: string;
  imageId: string;
  chainIds: string[];
}

async function present(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/** ImageStore is one node's image store; see the module comment for the layout. */
export class ImageStore {
  /** The images.json index. */
  readonly index: ImageIndexFile;
  private readonly unpacking = new Map<string, Promise<string>>();
  private busy = 0;

  private constructor(readonly root: string) {
    this.index = new ImageIndexFile(root);
  }

  /** open creates the store's folders under root when missing. */
  static async open(root: string = defaultImageRoot): Promise<ImageStore> {
    for (const dir of ['blobs/sha256', 'layers', 'leases', 'tmp']) await mkdir(join(root, dir), { recursive: true });
    return new ImageStore(root);
  }

  /** blobPath is where the blob with this digest lives. */
  blobPath(digest: string): string {
    return join(this.root, 'blobs', 'sha256', digestHex(digest));
  }

  /** layerDir is the unpacked directory of the layer with this ChainID. */
  layerDir(chainId: string): string {
    return join(this.root, 'layers', digestHex(chainId));
  }

  hasBlob(digest: string): Promise<boolean> {
    return present(this.blobPath(digest));
  }

  readBlob(digest: string): Promise<Buffer> {
    return readFile(this.blobPath(digest));
  }

  /** tmpPath returns a fresh path under `tmp/` (same file system as the store, so rename is atomic). */
  tmpPath(prefix: string): string {
    return join(this.root, 'tmp', `${prefix}-${process.pid}-${randomBytes(6).toString('hex')}`);
  }

  /**
   * writeBlob streams source into the store and returns its digest. When expected gives a digest (and
   * size) the bytes must match it: a mismatch is `MK_ERR_IMAGE_DIGEST_MISMATCH` and leaves nothing behind.
   */
  async writeBlob(source: Readable | AsyncIterable<Uint8Array>, expected: { digest?: string; size?: number } = {}): Promise<string> {
    const tmp = this.tmpPath('blob');
    const hasher = new HashingStream();
    try {
      await pipeline(source, hasher, createWriteStream(tmp, { mode: 0o644 }));
      const actual = hasher.digest();
      if (expected.digest !== undefined && actual !== expected.digest) {
        throw digestMismatch(`blob-${expected.digest}`, expected.digest, actual);
      }
      if (expected.size !== undefined && hasher.size !== expected.size) {
        throw new ImageError('MK_ERR_IMAGE_DIGEST_MISMATCH', `blob ${actual}: unexpected size ${hasher.size}, expected ${expected.size}`);
      }
      await rename(tmp, this.blobPath(actual));
      return actual;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** putBlob stores bytes; when expectedDigest is given they must hash to it. Returns the digest. */
  async putBlob(bytes: Uint8Array, expectedDigest?: string): Promise<string> {
    const digest = sha256Digest(bytes);
    if (expectedDigest !== undefined && digest !== expectedDigest) throw digestMismatch(`blob-${expectedDigest}`, expectedDigest, digest);
    if (await this.hasBlob(digest)) return digest;
    const tmp = this.tmpPath('blob');
    await writeFile(tmp, bytes, { mode: 0o644 });
    await rename(tmp, this.blobPath(digest));
    return digest;
  }

  /**
   * unpackLayers makes sure every layer is unpacked under `layers/` and returns their directories, lowest
   * first. Concurrent calls share one extraction per ChainID.
   */
  async unpackLayers(layers: LayerRecord[]): Promise<string[]> {
    const dirs: string[] = [];
    for (const layer of layers) {
      const lowers = [...dirs].reverse();
      dirs.push(await this.unpackOne(layer, lowers));
    }
    return dirs;
  }

  private unpackOne(layer: LayerRecord, lowers: string[]): Promise<string> {
    const running = this.unpacking.get(layer.chainId);
    if (running) return running;
    const p = this.track(async () => {
      const dir = this.layerDir(layer.chainId);
      if (await present(dir)) return dir;
      const tmp = this.tmpPath('layer');
      try {
        await unpackLayer({ blob: this.blobPath(layer.digest), diffId: layer.diffId, dest: tmp, lowers });
        await rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
          if (!(await present(dir))) throw err;
        });
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
      return dir;
    }).finally(() => this.unpacking.delete(layer.chainId));
    this.unpacking.set(layer.chainId, p);
    return p;
  }

  /** track counts fn as store work in progress, which garbage collection leaves alone. */
  async track<T>(fn: () => Promise<T>): Promise<T> {
    this.busy++;
    try {
      return await fn();
    } finally {
      this.busy--;
    }
  }

  /** list returns every image record. */
  list(): Promise<ImageRecord[]> {
    return this.index.read();
  }

  /** find returns the image refOrId names (see {@link findImage}), or undefined. */
  async find(refOrId: string): Promise<ImageRecord | undefined> {
    return findImage(await this.index.read(), refOrId);
  }

  /** commit adds record to images.json (tags move to it from other images) and returns the stored record. */
  commit(record: ImageRecord): Promise<ImageRecord> {
    return this.index.update((images) => structuredClone(addImage(images, record)));
  }

  /**
   * remove deletes the image refOrId names with all its tags, as CRI RemoveImage does, then collects
   * content no image needs. An image backing a container root filesystem is `MK_ERR_IMAGE_IN_USE`; an
   * unknown one `MK_ERR_IMAGE_NOT_PRESENT`.
   */
  async remove(refOrId: string): Promise<ImageRecord> {
    const leases = await this.leases();
    const removed = await this.index.update((images) => {
      const image = findImage(images, refOrId);
      if (!image) throw new ImageError('MK_ERR_IMAGE_NOT_PRESENT', `image "${refOrId}" not found`);
      const user = leases.find((l) => l.imageId === image.id);
      if (user) {
        throw new ImageError('MK_ERR_IMAGE_IN_USE', `image "${refOrId}" (${image.id}) is in use by ${user.containerDir}`);
      }
      images.splice(images.indexOf(image), 1);
      return image;
    });
    await this.gc();
    return removed;
  }

  /**
   * gc deletes blobs and unpacked layers that no image and no lease references. It does nothing while this
   * process pulls or unpacks (that content is not referenced yet), and leaves `tmp/` entries younger than
   * an hour to their writers.
   */
  async gc(): Promise<{ blobs: number; layers: number }> {
    if (this.busy > 0) return { blobs: 0, layers: 0 };
    const images = await this.index.read();
    const blobs = new Set<string>();
    const chains = new Set<string>();
    for (const i of images) {
      for (const d of [i.id, i.manifestDigest, ...(i.extraBlobs ?? []), ...i.layers.map((l) => l.digest)]) blobs.add(digestHex(d));
      for (const l of i.layers) chains.add(digestHex(l.chainId));
    }
    for (const l of await this.leases()) for (const c of l.chainIds) chains.add(digestHex(c));
    const removed = { blobs: 0, layers: 0 };
    for (const hex of await readdir(join(this.root, 'blobs', 'sha256'))) {
      if (blobs.has(hex)) continue;
      await rm(join(this.root, 'blobs', 'sha256', hex), { force: true });
      removed.blobs++;
    }
    for (const hex of await readdir(join(this.root, 'layers'))) {
      if (chains.has(hex)) continue;
      await rm(join(this.root, 'layers', hex), { recursive: true, force: true });
      removed.layers++;
    }
    for (const name of await readdir(join(this.root, 'tmp'))) {
      const p = join(this.root, 'tmp', name);
      const age = await stat(p).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > 3_600_000) await rm(p, { recursive: true, force: true });
    }
    return removed;
  }

  private leasePath(containerDir: string): string {
    return join(this.root, 'leases', `${createHash('sha256').update(containerDir).digest('hex')}.json`);
  }

  /** addLease records that containerDir's root filesystem uses image. */
  async addLease(lease: ImageLease): Promise<void> {
    const tmp = this.tmpPath('lease');
    await writeFile(tmp, JSON.stringify(lease));
    await rename(tmp, this.leasePath(lease.containerDir));
  }

  /** removeLease forgets containerDir's lease; a missing lease is fine. */
  async removeLease(containerDir: string): Promise<void> {
    await rm(this.leasePath(containerDir), { force: true });
  }

  /** leases returns every recorded lease. */
  async leases(): Promise<ImageLease[]> {
    const out: ImageLease[] = [];
    for (const name of await readdir(join(this.root, 'leases'))) {
      const text = await readFile(join(this.root, 'leases', name), 'utf8').catch(() => undefined);
      if (text !== undefined) out.push(JSON.parse(text) as ImageLease);
    }
    return out;
  }
}
