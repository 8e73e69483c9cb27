import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildImage, isRoot, ociLayoutTar, tempDir, writeTemp } from './__tests__/fixtures.js';
import { isImageError } from './errors.js';
import { isMounted } from './rootfs.js';
import { LocalImageService } from './service.js';

describe.skipIf(!isRoot)('prepareRootfs (mounts overlayfs: needs root)', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => undefined;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  it('stacks the layers with whiteouts applied, writes to upper, and unmounts on cleanup', async () => {
    const img = await buildImage({
      layers: [
        [
          { name: 'etc/', type: 'directory' },
          { name: 'etc/a', content: 'a' },
          { name: 'etc/b', content: 'b' },
          { name: 'var/', type: 'directory' },
          { name: 'var/old', content: 'old' },
        ],
        [
          { name: 'etc/.wh.a', content: '' },
          { name: 'var/.wh..wh..opq', content: '' },
          { name: 'var/new', content: 'new' },
        ],
      ],
    });
    const file = await writeTemp(dir, 'img.tar', await ociLayoutTar([{ top: img.manifest, name: 'app:1' }], img.blobs));
    const svc = await LocalImageService.open({ root: join(dir, 'store') });
    await svc.importArchive(file);
    const containerDir = join(dir, 'containers', 'c1');

    // 1. Mount and look at the merged view.
    const prepared = await svc.prepareRootfs('app:1', containerDir);
    try {
      expect(prepared.rootfs).toBe(join(containerDir, 'rootfs'));
      expect(await isMounted(prepared.rootfs)).toBe(true);
      expect((await readdir(join(prepared.rootfs, 'etc'))).sort()).toEqual(['b']);
      expect(await readdir(join(prepared.rootfs, 'var'))).toEqual(['new']);
      // 2. Writes land in the container's upper dir, not in the shared layers.
      await writeFile(join(prepared.rootfs, 'etc/written'), 'w');
      expect(await readFile(join(containerDir, 'upper/etc/written'), 'utf8')).toBe('w');
      // 3. A second prepare (a restarted kubelet) adopts the mount.
      const again = await svc.prepareRootfs(img.config.digest, containerDir);
      expect(again.rootfs).toBe(prepared.rootfs);
      // 4. The image cannot be removed while a container uses it.
      const err = await svc.remove('app:1').catch((e: unknown) => e);
      expect(isImageError(err, 'MK_ERR_IMAGE_IN_USE')).toBe(true);
    } finally {
      await prepared.cleanup();
    }
    expect(await isMounted(prepared.rootfs)).toBe(false);
    await svc.remove('app:1');
    expect(await svc.list()).toEqual([]);
    await svc.close();
  });
});
