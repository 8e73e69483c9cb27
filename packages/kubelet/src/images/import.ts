/**
 * `nanokube image import`: load an image tarball into a node's store without a registry, as `kind load` and
 * `ctr image import` do. Two formats, told apart by their contents (either may be gzip-compressed):
 *
 * - OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/...`): every index entry becomes an image,
 *   named by its `io.containerd.image.name` annotation, else `org.opencontainers.image.ref.name` (a full
 *   reference, or a tag joined to `baseName`). Entries that are indexes resolve to the node's platform.
 * - `docker save` (`manifest.json` listing Config, RepoTags and Layers): a Docker v2 manifest is written for
 *   each image so it is stored exactly like a pulled one.
 *
 * Every blob is verified against its digest on the way in; layers are unpacked before the image is committed.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, realpath, rm, stat, symlink } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { digestHex, sha256Digest } from './digest.js';
import { ImageError } from './errors.js';
import type { ImageRecord } from './image-index.js';
import { commitImage } from './image-record.js';
import { defaultPlatform, mediaTypes, parseManifest, selectManifest, type Descriptor, type ImageManifest, type Platform } from './manifest.js';
import { digestString, parseImageReference, referenceString, tagString } from './reference.js';
import type { ImageStore } from './store.js';

/** Options of {@link importArchive}. */
export interface ImportOptions {
  /** Repository for OCI layout entries named only by a tag (`ctr import --base-name`). */
  baseName?: string;
  platform?: Platform;
}

interface DockerSaveEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

function invalid(message: string, cause?: unknown): ImageError {
  return new ImageError('MK_ERR_IMAGE_INVALID_ARCHIVE', message, cause === undefined ? undefined : { cause });
}

/** importArchive loads every image in the tarball at file into store and returns the stored records. */
export async function importArchive(store: ImageStore, file: string, opts: ImportOptions = {}): Promise<ImageRecord[]> {
  return store.track(async () => {
    const dir = store.tmpPath('import');
    try {
      await extractArchive(file, dir);
      const layout = new ArchiveDir(dir);
      if (await layout.exists('index.json')) return await importOciLayout(store, layout, opts);
      if (await layout.exists('manifest.json')) return await importDockerSave(store, layout);
      throw invalid(`${file}: neither an OCI image layout (index.json) nor a docker save archive (manifest.json)`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

async function isGzip(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** extractArchive unpacks the regular files, directories and symlinks of an image tarball into dest. */
async function extractArchive(file: string, dest: string): Promise<void> {
  await mkdir(dest, { recursive: true });
  const extract = tar.extract();
  const source = createReadStream(file);
  const done = (await isGzip(file)) ? pipeline(source, createGunzip(), extract) : pipeline(source, extract);
  try {
    for await (const entry of extract) {
      const h = entry.header;
      const rel = posix.normalize(`/${h.name}`).slice(1).replace(/\/+$/, '');
      if (rel.split('/').includes('..')) throw invalid(`${file}: entry "${h.name}" escapes the archive`);
      const abs = join(dest, rel);
      if (h.type === 'file' || h.type === 'contiguous-file') {
        await mkdir(dirname(abs), { recursive: true });
        await pipeline(entry, createWriteStream(abs));
      } else {
        if (h.type === 'directory') await mkdir(abs, { recursive: true });
        if (h.type === 'symlink') await mkdir(dirname(abs), { recursive: true }).then(() => symlink(h.linkname, abs));
        entry.resume();
      }
    }
    await done;
  } catch (err) {
    source.destroy();
    await done.catch(() => undefined);
    if (err instanceof ImageError) throw err;
    throw invalid(`${file}: not a readable tar archive: ${(err as Error).message}`, err);
  }
}

/** ArchiveDir reads files of an extracted archive, never following links out of it. */
class ArchiveDir {
  constructor(private readonly root: string) {}

  async path(rel: string): Promise<string> {
    const clean = posix.normalize(`/${rel}`).slice(1);
    const real = await realpath(join(this.root, clean)).catch((err: unknown) => {
      throw invalid(`archive has no "${rel}"`, err);
    });
    const root = await realpath(this.root);
    if (!real.startsWith(`${root}/`)) throw invalid(`archive entry "${rel}" points outside the archive`);
    return real;
  }

  exists(rel: string): Promise<boolean> {
    return this.path(rel).then(
      () => true,
      () => false,
    );
  }

  async json<T>(rel: string): Promise<T> {
    try {
      return JSON.parse(await readFile(await this.path(rel), 'utf8')) as T;
    } catch (err) {
      throw err instanceof ImageError ? err : invalid(`archive file "${rel}" is not valid JSON`, err);
    }
  }
}

/** copyBlob moves an OCI-layout blob into the store, verifying it against desc. */
async function copyBlob(store: ImageStore, layout: ArchiveDir, desc: Descriptor): Promise<void> {
  if (await store.hasBlob(desc.digest)) return;
  const path = await layout.path(`blobs/sha256/${digestHex(desc.digest)}`);
  await store.writeBlob(createReadStream(path), { digest: desc.digest, size: desc.size });
}

async function importOciLayout(store: ImageStore, layout: ArchiveDir, opts: ImportOptions): Promise<ImageRecord[]> {
  const index = await layout.json<{ manifests?: Descriptor[] }>('index.json');
  const out: ImageRecord[] = [];
  for (const top of index.manifests ?? []) {
    await copyBlob(store, layout, top);
    let manifestDesc = top;
    const parsed = parseManifest(await store.readBlob(top.digest), top.mediaType);
    if (parsed.kind === 'index') {
      manifestDesc = selectManifest(parsed.index, opts.platform ?? defaultPlatform);
      await copyBlob(store, layout, manifestDesc);
    }
    const doc = parseManifest(await store.readBlob(manifestDesc.digest), manifestDesc.mediaType);
    if (doc.kind !== 'manifest') throw invalid(`nested image index ${manifestDesc.digest} is not supported`);
    for (const d of [doc.manifest.config, ...doc.manifest.layers]) await copyBlob(store, layout, d);
    const name = ociEntryName(top, opts.baseName);
    const ref = name === undefined ? undefined : parseImageReference(name);
    const tag = ref && tagString(ref);
    out.push(
      await commitImage(store, {
        manifestDigest: manifestDesc.digest,
        manifest: doc.manifest,
        repoTags: tag ? [tag] : [],
        repoDigests: ref ? [digestString(ref, top.digest)] : [],
        ...(top.digest !== manifestDesc.digest ? { extraBlobs: [top.digest] } : {}),
      }),
    );
  }
  return out;
}

function ociEntryName(desc: Descriptor, baseName: string | undefined): string | undefined {
  const a = desc.annotations ?? {};
  const full = a['io.containerd.image.name'];
  if (full) return full;
  const refName = a['org.opencontainers.image.ref.name'];
  if (!refName) return undefined;
  if (/^[\w][\w.-]{0,127}$/.test(refName)) return baseName ? `${baseName}:${refName}` : undefined;
  return refName;
}

async function importDockerSave(store: ImageStore, layout: ArchiveDir): Promise<ImageRecord[]> {
  const entries = await layout.json<DockerSaveEntry[]>('manifest.json');
  if (!Array.isArray(entries)) throw invalid('manifest.json of a docker save archive must be a list');
  const out: ImageRecord[] = [];
  for (const e of entries) {
    const configBytes = await readFile(await layout.path(e.Config));
    const config: Descriptor = { mediaType: mediaTypes.dockerConfig, digest: sha256Digest(configBytes), size: configBytes.length };
    await store.putBlob(configBytes, config.digest);
    const layers: Descriptor[] = [];
    for (const rel of e.Layers) {
      const path = await layout.path(rel);
      const digest = await store.writeBlob(createReadStream(path));
      const { size } = await stat(store.blobPath(digest));
      const mediaType = (await isGzip(path)) ? mediaTypes.dockerLayerGzip : mediaTypes.dockerLayer;
      layers.push({ mediaType, digest, size });
    }
    const manifest: ImageManifest = { schemaVersion: 2, mediaType: mediaTypes.dockerManifest, config, layers };
    const manifestDigest = await store.putBlob(Buffer.from(JSON.stringify(manifest)));
    const repoTags = (e.RepoTags ?? []).map((t) => referenceString(parseImageReference(t)));
    out.push(await commitImage(store, { manifestDigest, manifest, repoTags, repoDigests: [] }));
  }
  return out;
}
