/**
 * Test fixtures: tar layers, images, OCI image layouts and `docker save` archives built in memory, and a
 * temporary directory helper. Real formats, so the code under test cannot tell them from real images.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { sha256Digest } from '../digest.js';
import { mediaTypes, type Descriptor } from '../manifest.js';

/** One member of a test tarball. */
export interface TarEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  content?: string;
  linkname?: string;
  mode?: number;
}

/** makeTar packs entries into an uncompressed tar. */
export async function makeTar(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(Buffer.from(c as Uint8Array));
  })();
  for (const e of entries) {
    const type = e.type ?? 'file';
    const mode = e.mode ?? (type === 'directory' ? 0o755 : 0o644);
    const header = { name: e.name, type, mode, mtime: new Date(1_700_000_000_000), ...(e.linkname ? { linkname: e.linkname } : {}) };
    await new Promise<void>((resolve, reject) => {
      if (type === 'file') pack.entry(header, e.content ?? '', (err) => (err ? reject(err) : resolve()));
      else pack.entry(header, (err) => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** A built image: every blob plus the descriptors pointing at them. */
export interface BuiltImage {
  blobs: Map<string, Buffer>;
  manifest: Descriptor;
  config: Descriptor;
  layers: (Descriptor & { diffId: string; tar: Buffer })[];
}

/** buildImage builds an OCI image (gzip layers unless gzip is false) with a config like nginx's. */
export async function buildImage(opts: { layers: TarEntry[][]; gzip?: boolean; cmd?: string[]; arch?: string }): Promise<BuiltImage> {
  const blobs = new Map<string, Buffer>();
  const layers: BuiltImage['layers'] = [];
  for (const entries of opts.layers) {
    const plain = await makeTar(entries);
    const blob = opts.gzip === false ? plain : gzipSync(plain);
    const digest = sha256Digest(blob);
    blobs.set(digest, blob);
    const mediaType = opts.gzip === false ? mediaTypes.ociLayer : mediaTypes.ociLayerGzip;
    layers.push({ mediaType, digest, size: blob.length, diffId: sha256Digest(plain), tar: plain });
  }
  const configDoc = {
    architecture: opts.arch ?? 'amd64',
    os: 'linux',
    config: { Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: opts.cmd ?? ['nginx', '-g', 'daemon off;'], StopSignal: 'SIGQUIT', ExposedPorts: { '80/tcp': {} } },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
  };
  const configBytes = Buffer.from(JSON.stringify(configDoc));
  const config: Descriptor = { mediaType: mediaTypes.ociConfig, digest: sha256Digest(configBytes), size: configBytes.length };
  blobs.set(config.digest, configBytes);
  const manifestDoc = {
    schemaVersion: 2,
    mediaType: mediaTypes.ociManifest,
    config,
    layers: layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })),
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifestDoc));
  const manifest: Descriptor = { mediaType: mediaTypes.ociManifest, digest: sha256Digest(manifestBytes), size: manifestBytes.length };
  blobs.set(manifest.digest, manifestBytes);
  return { blobs, manifest, config, layers };
}

/** indexOf builds an OCI image index over per-platform images; returns its descriptor and blob. */
export function indexOf(images: { image: BuiltImage; arch: string }[]): { desc: Descriptor; bytes: Buffer } {
  const doc = {
    schemaVersion: 2,
    mediaType: mediaTypes.ociIndex,
    manifests: images.map(({ image, arch }) => ({ ...image.manifest, platform: { os: 'linux', architecture: arch } })),
  };
  const bytes = Buffer.from(JSON.stringify(doc));
  return { desc: { mediaType: mediaTypes.ociIndex, digest: sha256Digest(bytes), size: bytes.length }, bytes };
}

/** ociLayoutTar packs an OCI image layout whose index names each top descriptor. */
export async function ociLayoutTar(
  entries: { top: Descriptor; name?: string; refName?: string }[],
  blobs: Map<string, Buffer>,
): Promise<Buffer> {
  const index = {
    schemaVersion: 2,
    mediaType: mediaTypes.ociIndex,
    manifests: entries.map((e) => ({
      ...e.top,
      annotations: {
        ...(e.name ? { 'io.containerd.image.name': e.name } : {}),
        ...(e.refName ? { 'org.opencontainers.image.ref.name': e.refName } : {}),
      },
    })),
  };
  const files: TarEntry[] = [
    { name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
    { name: 'index.json', content: JSON.stringify(index) },
    { name: 'blobs/', type: 'directory' },
    { name: 'blobs/sha256/', type: 'directory' },
  ];
  return makeTarBinary(files, [...blobs].map(([d, b]) => [`blobs/sha256/${d.slice(7)}`, b]));
}

/** dockerSaveTar packs an image the way `docker save` (legacy layout) does. */
export async function dockerSaveTar(image: BuiltImage, repoTags: string[]): Promise<Buffer> {
  const configName = `${image.config.digest.slice(7)}.json`;
  const layerFiles = image.layers.map((l, i) => [`layer${i}/layer.tar`, l.tar] as [string, Buffer]);
  const manifest = [{ Config: configName, RepoTags: repoTags, Layers: layerFiles.map(([n]) => n) }];
  return makeTarBinary(
    [{ name: 'manifest.json', content: JSON.stringify(manifest) }],
    [[configName, image.blobs.get(image.config.digest) ?? Buffer.alloc(0)], ...layerFiles],
  );
}

async function makeTarBinary(textFiles: TarEntry[], binary: [string, Buffer][]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(Buffer.from(c as Uint8Array));
  })();
  const add = (header: Partial<tar.Header> & { name: string }, body?: Buffer | string) =>
    new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (body === undefined) pack.entry(header, cb);
      else pack.entry(header, body, cb);
    });
  for (const f of textFiles) await add({ name: f.name, type: f.type ?? 'file' }, f.type === 'directory' ? undefined : (f.content ?? ''));
  for (const [name, body] of binary) await add({ name, type: 'file' }, body);
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** withTempDir creates a temp dir for one test and returns it plus its cleanup. */
export async function tempDir(prefix = 'nk-images-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** writeTemp writes bytes to name inside dir and returns the path. */
export async function writeTemp(dir: string, name: string, bytes: Buffer): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, bytes);
  return p;
}

/** isRoot is true when the tests may mknod and mount (they run as root in CI here). */
export const isRoot = process.getuid?.() === 0;
