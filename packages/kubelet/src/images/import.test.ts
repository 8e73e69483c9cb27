import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildImage, dockerSaveTar, indexOf, isRoot, ociLayoutTar, tempDir, writeTemp } from './__tests__/fixtures.js';
import { isImageError } from './errors.js';
import { importArchive } from './import.js';
import { ImageStore } from './store.js';
import { runImageCommand } from './verb.js';

async function capture(argv: string[]): Promise<{ code: number; out: string }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const code = await runImageCommand(argv, out);
  return { code, out: Buffer.concat(chunks).toString('utf8') };
}

describe.skipIf(!isRoot)('image import, ls and rm', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => undefined;
  let root = '';
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    root = join(dir, 'store');
  });
  afterEach(() => cleanup());

  it('imports an OCI layout, resolving a multi-platform index to linux/amd64', async () => {
    const amd = await buildImage({ layers: [[{ name: 'etc/', type: 'directory' }, { name: 'etc/arch', content: 'amd64' }]] });
    const arm = await buildImage({ layers: [[{ name: 'etc/arch', content: 'arm64' }]], arch: 'arm64' });
    const idx = indexOf([
      { image: arm, arch: 'arm64' },
      { image: amd, arch: 'amd64' },
    ]);
    const blobs = new Map([...amd.blobs, ...arm.blobs, [idx.desc.digest, idx.bytes]]);
    const file = await writeTemp(dir, 'oci.tar', await ociLayoutTar([{ top: idx.desc, name: 'docker.io/library/nginx:1.22.1' }], blobs));
    const store = await ImageStore.open(root);
    const [img] = await importArchive(store, file);
    expect(img?.id).toBe(amd.config.digest);
    expect(img?.repoTags).toEqual(['docker.io/library/nginx:1.22.1']);
    expect(img?.repoDigests).toEqual([`docker.io/library/nginx@${idx.desc.digest}`]);
    expect(img?.config.cmd).toEqual(['nginx', '-g', 'daemon off;']);
    const layer = img?.layers[0];
    expect(await readFile(join(store.layerDir(layer?.chainId ?? ''), 'etc/arch'), 'utf8')).toBe('amd64');
    // The arm64 content was never copied in.
    expect(await store.hasBlob(arm.layers[0]?.digest ?? '')).toBe(false);
    expect((await store.find('nginx:1.22.1'))?.id).toBe(amd.config.digest);
  });

  it('names tag-only OCI entries with --base-name', async () => {
    const img = await buildImage({ layers: [[{ name: 'a', content: 'a' }]] });
    const file = await writeTemp(dir, 'oci.tar', await ociLayoutTar([{ top: img.manifest, refName: '1.35.0' }], img.blobs));
    const { code, out } = await capture(['import', file, '--root', root, '--base-name', 'busybox']);
    expect(code).toBe(0);
    expect(out).toBe(`Imported image docker.io/library/busybox:1.35.0 (${img.config.digest})\n`);
  });

  it('imports a docker save archive with uncompressed layers', async () => {
    const img = await buildImage({ layers: [[{ name: 'bin/', type: 'directory' }, { name: 'bin/sh', content: 'sh' }], [{ name: 'bin/.wh.sh', content: '' }]] });
    const file = await writeTemp(dir, 'save.tar', await dockerSaveTar(img, ['busybox:1.35.0', 'busybox:latest']));
    const store = await ImageStore.open(root);
    const [rec] = await importArchive(store, file);
    expect(rec?.id).toBe(img.config.digest);
    expect(rec?.repoTags).toEqual(['docker.io/library/busybox:1.35.0', 'docker.io/library/busybox:latest']);
    expect(rec?.layers.map((l) => l.diffId)).toEqual(img.layers.map((l) => l.diffId));
    expect(rec?.layers.map((l) => l.mediaType)).toEqual([
      'application/vnd.docker.image.rootfs.diff.tar',
      'application/vnd.docker.image.rootfs.diff.tar',
    ]);
  });

  it('rejects an OCI layout whose blob does not match its digest', async () => {
    const img = await buildImage({ layers: [[{ name: 'a', content: 'a' }]] });
    const layer = img.layers[0]?.digest ?? '';
    img.blobs.set(layer, Buffer.from('tampered'));
    const file = await writeTemp(dir, 'oci.tar', await ociLayoutTar([{ top: img.manifest, name: 'x:1' }], img.blobs));
    const err = await importArchive(await ImageStore.open(root), file).catch((e: unknown) => e);
    expect(isImageError(err, 'MK_ERR_IMAGE_DIGEST_MISMATCH')).toBe(true);
  });

  it('lists images as crictl does and removes them with the content only they used', async () => {
    const shared = [{ name: 'etc/', type: 'directory' as const }, { name: 'etc/os-release', content: 'debian' }];
    const a = await buildImage({ layers: [shared, [{ name: 'a', content: 'a' }]] });
    const b = await buildImage({ layers: [shared, [{ name: 'b', content: 'b' }]], cmd: ['sh'] });
    const blobs = new Map([...a.blobs, ...b.blobs]);
    const file = await writeTemp(dir, 'oci.tar', await ociLayoutTar([{ top: a.manifest, name: 'nginx:1.22.1' }, { top: b.manifest, name: 'busybox:1.35.0' }], blobs));
    expect((await capture(['import', file, '--root', root])).code).toBe(0);

    const ls = await capture(['ls', '--root', root]);
    const lines = ls.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^IMAGE\s+TAG\s+IMAGE ID\s+SIZE$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 3))).toEqual([
      ['docker.io/library/nginx', '1.22.1', a.config.digest.slice(7, 20)],
      ['docker.io/library/busybox', '1.35.0', b.config.digest.slice(7, 20)],
    ]);

    const rm = await capture(['rm', 'nginx:1.22.1', '--root', root]);
    expect(rm.out).toBe('Deleted: docker.io/library/nginx:1.22.1\n');
    const blobsLeft = await readdir(join(root, 'blobs', 'sha256'));
    expect(blobsLeft).not.toContain(a.layers[1]?.digest.slice(7));
    expect(blobsLeft).toContain(a.layers[0]?.digest.slice(7));
    expect((await readdir(join(root, 'layers'))).length).toBe(2);
    expect((await capture(['ls', '-q', '--root', root])).out).toBe(`${b.config.digest}\n`);
    await expect(capture(['rm', 'nginx:1.22.1', '--root', root])).rejects.toThrow(/not found/);
  });
});
