/**
 * `images.json`: the node's image metadata and tag index. Every change is read-modify-write under a lock
 * file (the kubelet and `nanokube image import` may share one store) and lands by an atomic rename, so a
 * crash leaves either the old or the new index, never a torn one.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { OciImageConfig } from '../runtime/types.js';
import { ImageError } from './errors.js';
import { parseImageReference, referenceString, repositoryName } from './reference.js';

/** LayerRecord is one layer of an image, lowest first in {@link ImageRecord.layers}. */
export interface LayerRecord {
  /** Digest of the layer blob as stored (compressed or not). */
  digest: string;
  mediaType: string;
  size: number;
  /** sha256 of the uncompressed tar. */
  diffId: string;
  /** ChainID: names the unpacked directory `layers/<hex>`. */
  chainId: string;
}

/** ImageRecord is one image in `images.json`; `id` is the config digest, as containerd's image id. */
export interface ImageRecord {
  id: string;
  /** Normalised `repo:tag` references. */
  repoTags: string[];
  /** `repo@sha256:...` references (the digest a tag resolved to: an index or a manifest). */
  repoDigests: string[];
  /** Digest of the platform manifest. */
  manifestDigest: string;
  layers: LayerRecord[];
  config: OciImageConfig;
  /** Bytes of config and layer blobs. */
  size: number;
  /** The config's `created` time, when set. */
  created?: string;
  /** Other blobs this image keeps alive (an index it came from). */
  extraBlobs?: string[];
}

interface IndexFile {
  version: 1;
  images: ImageRecord[];
}

const lockTimeoutMs = 10_000;
const staleLockMs = 30_000;
const idRe = /^sha256:[a-f0-9]{64}$/;
const idPrefixRe = /^(?:sha256:)?[a-f0-9]{12,64}$/;

/** ImageIndexFile reads and writes `images.json` in one store root. */
export class ImageIndexFile {
  private chain: Promise<unknown> = Promise.resolve();
  private readonly path: string;

  constructor(root: string) {
    this.path = join(root, 'images.json');
  }

  /** read returns every image record, newest file contents (no caching: other processes may write). */
  async read(): Promise<ImageRecord[]> {
    try {
      const doc = JSON.parse(await readFile(this.path, 'utf8')) as IndexFile;
      return doc.images;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  /**
   * update applies fn to the records under the lock and writes the result atomically. fn may mutate the
   * array it gets; its return value is passed through.
   */
  update<T>(fn: (images: ImageRecord[]) => T | Promise<T>): Promise<T> {
    const run = this.chain.then(async () => {
      const release = await this.lock();
      try {
        const images = await this.read();
        const out = await fn(images);
        await this.write(images);
        return out;
      } finally {
        await release();
      }
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async write(images: ImageRecord[]): Promise<void> {
    const tmp = `${this.path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    const fh = await open(tmp, 'w', 0o644);
    try {
      await fh.writeFile(JSON.stringify({ version: 1, images } satisfies IndexFile, null, 1));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.path);
  }

  private async lock(): Promise<() => Promise<void>> {
    const lockPath = `${this.path}.lock`;
    const deadline = Date.now() + lockTimeoutMs;
    for (;;) {
      try {
        const fh = await open(lockPath, 'wx');
        await fh.close();
        return () => unlink(lockPath).catch(() => undefined);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const age = await stat(lockPath).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > staleLockMs) await unlink(lockPath).catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockPath}`);
      await sleep(20);
    }
  }
}

/**
 * findImage returns the image that refOrId names: a full id (`sha256:<hex>`), a unique id prefix of at least
 * 12 hex digits, a `repo:tag` (normalised, so `nginx` means `docker.io/library/nginx:latest`) or a
 * `repo@digest`. Undefined when nothing matches; an unparseable reference is `MK_ERR_IMAGE_INVALID_REFERENCE`.
 */
export function findImage(images: ImageRecord[], refOrId: string): ImageRecord | undefined {
  if (idRe.test(refOrId)) return images.find((i) => i.id === refOrId);
  if (idPrefixRe.test(refOrId)) {
    const hex = refOrId.replace(/^sha256:/, '');
    const hits = images.filter((i) => i.id.slice('sha256:'.length).startsWith(hex));
    if (hits.length === 1) return hits[0];
    if (hits.length > 1) throw new ImageError('MK_ERR_IMAGE_NOT_PRESENT', `image id prefix "${refOrId}" is ambiguous`);
  }
  const ref = parseImageReference(refOrId);
  if (ref.digest !== undefined) {
    const byDigest = `${repositoryName(ref)}@${ref.digest}`;
    return images.find((i) => i.repoDigests.includes(byDigest));
  }
  const tag = referenceString(ref);
  return images.find((i) => i.repoTags.includes(tag));
}

/**
 * addImage stores record, merging with an existing record of the same id, and moves its tags off any other
 * image (a tag names one image). Images left with no tag and no digest stay as dangling (`<none>`) entries.
 */
export function addImage(images: ImageRecord[], record: ImageRecord): ImageRecord {
  for (const other of images) {
    if (other.id === record.id) continue;
    other.repoTags = other.repoTags.filter((t) => !record.repoTags.includes(t));
  }
  const existing = images.find((i) => i.id === record.id);
  if (!existing) {
    images.push(record);
    return record;
  }
  existing.repoTags = [...new Set([...existing.repoTags, ...record.repoTags])];
  existing.repoDigests = [...new Set([...existing.repoDigests, ...record.repoDigests])];
  existing.extraBlobs = [...new Set([...(existing.extraBlobs ?? []), ...(record.extraBlobs ?? [])])];
  return existing;
}
