import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalImageService } from '@nanokube/kubelet';

const run = promisify(execFile);
const buildScript = fileURLToPath(new URL('../../deploy/images/build.sh', import.meta.url));
const isRoot = process.getuid?.() === 0;

// Builds the real offline images from Debian packages (installing them with apt when missing), imports
// them into a fresh node store and checks what a container of each would run.
describe.skipIf(!isRoot)('offline images from deploy/images/build.sh', () => {
  let dir = '';
  let svc: LocalImageService;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nk-offline-images-'));
    await run('bash', [buildScript, '--out', join(dir, 'out')], { timeout: 300_000 });
    svc = await LocalImageService.open({ root: join(dir, 'store') });
    for (const f of ['busybox.tar', 'nginx.tar']) await svc.importArchive(join(dir, 'out', f));
  }, 320_000);
  afterAll(async () => {
    await svc?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('tags the Debian versions plus latest and the documented nginx aliases', async () => {
    const tags = (await svc.list()).flatMap((i) => i.repoTags).sort();
    expect(tags).toEqual(
      expect.arrayContaining([
        'docker.io/library/busybox:latest',
        'docker.io/library/nginx:1.14',
        'docker.io/library/nginx:1.16.0',
        'docker.io/library/nginx:latest',
      ]),
    );
    expect(tags.some((t) => /^docker\.io\/library\/nginx:1\.\d+\.\d+$/.test(t) && t !== 'docker.io/library/nginx:1.16.0')).toBe(true);
    const nginx = await svc.status('nginx');
    expect(nginx?.config).toMatchObject({ cmd: ['nginx', '-g', 'daemon off;'], stopSignal: 'SIGQUIT', exposedPorts: { '80/tcp': {} } });
    expect((await svc.status('busybox'))?.config.cmd).toEqual(['sh']);
  });

  it('gives nginx a root filesystem whose binary loads its libraries and serves the welcome page', async () => {
    const prepared = await svc.prepareRootfs('nginx:latest', join(dir, 'containers', 'web'));
    try {
      const page = await readFile(join(prepared.rootfs, 'usr/share/nginx/html/index.html'), 'utf8');
      expect(page).toContain('Welcome to nginx!');
      const { stderr } = await run('chroot', [prepared.rootfs, '/usr/sbin/nginx', '-v']);
      expect(stderr).toMatch(/^nginx version: nginx\/1\.\d+\.\d+/);
      await run('chroot', [prepared.rootfs, '/bin/sh', '-c', 'test -x /bin/bash && test -L /var/log/nginx/access.log']);
    } finally {
      await prepared.cleanup();
    }
  });
});
