import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImagePullError } from '../runtime/types.js';
import { buildImage, indexOf, isRoot, ociLayoutTar, tempDir, writeTemp, type BuiltImage } from './__tests__/fixtures.js';
import { isImageError } from './errors.js';
import { importArchive } from './import.js';
import { startRegistryServer, type RegistryServer } from './registry-server.js';
import { LocalImageService } from './service.js';
import { ImageStore } from './store.js';

// A local registry on 127.0.0.1 with Docker Hub's token flow serves the images; nothing leaves the machine.
describe.skipIf(!isRoot)('pulling from a registry', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => undefined;
  let registry: RegistryServer;
  let source: ImageStore;
  let nginx: BuiltImage;
  let indexDigest = '';
  let n = 0;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    nginx = await buildImage({ layers: [[{ name: 'etc/', type: 'directory' }, { name: 'etc/nginx.conf', content: 'daemon off;' }], [{ name: 'index.html', content: 'Welcome to nginx!' }]] });
    const arm = await buildImage({ layers: [[{ name: 'arm', content: 'arm' }]], arch: 'arm64' });
    const idx = indexOf([{ image: arm, arch: 'arm64' }, { image: nginx, arch: 'amd64' }]);
    indexDigest = idx.desc.digest;
    const busybox = await buildImage({ layers: [[{ name: 'bin/sh', content: 'sh' }]], cmd: ['sh'] });
    const blobs = new Map([...nginx.blobs, ...arm.blobs, ...busybox.blobs, [idx.desc.digest, idx.bytes]]);
    const file = await writeTemp(
      dir,
      'src.tar',
      await ociLayoutTar([{ top: idx.desc, name: 'nginx:1.22.1' }, { top: busybox.manifest, name: 'busybox:1.35.0' }], blobs),
    );
    source = await ImageStore.open(join(dir, 'registry'));
    await importArchive(source, file);
    registry = await startRegistryServer({ store: source, tokenAuth: true });
  });
  afterAll(async () => {
    await registry?.close();
    await cleanup();
  });

  async function node(): Promise<LocalImageService> {
    return LocalImageService.open({ root: join(dir, `node${n++}`), endpoints: { 'docker.io': registry.url } });
  }

  it('pulls nginx through the bearer-token flow and the index, verifying and unpacking it', async () => {
    const svc = await node();
    const before = registry.requests.length;
    const info = await svc.ensureImage('nginx:1.22.1', { pullPolicy: 'IfNotPresent' });
    await svc.close();
    expect(info.id).toBe(nginx.config.digest);
    expect(info.repoTags).toEqual(['docker.io/library/nginx:1.22.1']);
    expect(info.repoDigests).toEqual([`docker.io/library/nginx@${indexDigest}`]);
    expect(info.config).toMatchObject({ cmd: ['nginx', '-g', 'daemon off;'], stopSignal: 'SIGQUIT' });
    await access(join(info.rootfsLayers[1] ?? '', 'index.html'));
    const seen = registry.requests.slice(before);
    // 1. Unauthenticated manifest request, 2. token, 3. retry with the token, 4. the amd64 manifest.
    expect(seen[0]).toBe('GET /v2/library/nginx/manifests/1.22.1 401');
    expect(seen[1]).toMatch(/^GET \/token\?service=nanokube-registry&scope=repository%3Alibrary%2Fnginx%3Apull 200$/);
    expect(seen[2]).toBe('GET /v2/library/nginx/manifests/1.22.1 200');
    expect(seen[3]).toBe(`GET /v2/library/nginx/manifests/${nginx.manifest.digest} 200`);
    expect(seen.filter((s) => s.includes('/blobs/')).length).toBe(3);
  });

  it('shares one pull between concurrent requests for the same image', async () => {
    const svc = await node();
    const before = registry.requests.length;
    const infos = await Promise.all([1, 2, 3].map(() => svc.ensureImage('busybox:1.35.0', { pullPolicy: 'Always' })));
    await svc.close();
    expect(new Set(infos.map((i) => i.id)).size).toBe(1);
    const tagHits = registry.requests.slice(before).filter((s) => s === 'GET /v2/library/busybox/manifests/1.35.0 200');
    expect(tagHits.length).toBe(1);
  });

  it('reports a missing tag as ErrImagePull in the kubelet and containerd wording', async () => {
    const svc = await node();
    const err = await svc.ensureImage('nginx:1.17.23', { pullPolicy: 'IfNotPresent' }).catch((e: unknown) => e);
    await svc.close();
    expect(err).toBeInstanceOf(ImagePullError);
    expect((err as ImagePullError).reason).toBe('ErrImagePull');
    expect((err as Error).message).toBe(
      'Failed to pull image "nginx:1.17.23": rpc error: code = NotFound desc = failed to pull and unpack image ' +
        '"docker.io/library/nginx:1.17.23": failed to resolve reference "docker.io/library/nginx:1.17.23": ' +
        'docker.io/library/nginx:1.17.23: not found',
    );
  });

  it('applies Never and rejects invalid names as the kubelet does', async () => {
    const svc = await node();
    const never = await svc.ensureImage('busybox:1.35.0', { pullPolicy: 'Never' }).catch((e: unknown) => e);
    expect(never).toMatchObject({ reason: 'ErrImageNeverPull', message: 'Container image "busybox:1.35.0" is not present with pull policy of Never' });
    await svc.ensureImage('busybox:1.35.0', { pullPolicy: 'IfNotPresent' });
    expect((await svc.ensureImage('busybox:1.35.0', { pullPolicy: 'Never' })).repoTags).toEqual(['docker.io/library/busybox:1.35.0']);
    const bad = await svc.ensureImage('Busy Box', { pullPolicy: 'Always' }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ reason: 'InvalidImageName' });
    await svc.close();
  });

  it('pulls by digest and from a 127.0.0.1 registry named in the reference (plain http)', async () => {
    const svc = await LocalImageService.open({ root: join(dir, `node${n++}`) });
    const host = registry.url.replace('http://', '');
    const info = await svc.pull(`${host}/library/nginx@${nginx.manifest.digest}`);
    await svc.close();
    expect(info.id).toBe(nginx.config.digest);
    expect(info.repoTags).toEqual([]);
    expect(info.repoDigests).toEqual([`${host}/library/nginx@${nginx.manifest.digest}`]);
  });

  it('rejects a blob that does not match its digest and keeps nothing of it', async () => {
    const svc = await node();
    const layer = nginx.layers[1]?.digest ?? '';
    const original = nginx.blobs.get(layer) ?? Buffer.alloc(0);
    await writeFile(source.blobPath(layer), Buffer.concat([original, Buffer.from('x')]).subarray(1));
    try {
      const err = await svc.ensureImage('nginx:1.22.1', { pullPolicy: 'Always' }).catch((e: unknown) => e);
      expect((err as ImagePullError).reason).toBe('ErrImagePull');
      expect(isImageError((err as Error).cause, 'MK_ERR_IMAGE_DIGEST_MISMATCH')).toBe(true);
      expect((err as Error).message).toContain(`unexpected commit digest`);
      expect(await svc.store.hasBlob(layer)).toBe(false);
      expect(await svc.status('nginx:1.22.1')).toBeUndefined();
    } finally {
      await writeFile(source.blobPath(layer), original);
      await svc.close();
    }
  });
});
