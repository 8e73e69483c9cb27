/**
 * The lab's offline images: the OCI tarballs `deploy/images/build.sh` makes from Debian packages (built on
 * first use), imported into every node's image store and into the store the master serves as the
 * nodes' docker.io mirror, so pods run with no registry access and `imagePullPolicy: Always` still pulls.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LocalImageService } from '@nanokube/kubelet';
import { sh } from './internal/sh.js';

/** The tarballs build.sh writes. */
const tarballs = ['busybox.tar', 'nginx.tar'];

/** repoOf finds the checkout a `nanokube` entry script (`packages/cli/bin/nanokube.js`) belongs to. */
export function repoOf(nanokubeBin: string): string {
  return resolve(dirname(nanokubeBin), '..', '..', '..');
}

/** offlineImagesDir is where build.sh leaves the tarballs of a checkout. */
export function offlineImagesDir(repo: string): string {
  return join(repo, '.nanokube', 'images');
}

/**
 * offlineImages returns the image tarballs of the checkout, running `deploy/images/build.sh` when one is
 * missing (it needs root and apt for busybox-static and nginx-light).
 */
export async function offlineImages(repo: string, out: (line: string) => void): Promise<string[]> {
  const dir = offlineImagesDir(repo);
  const files = tarballs.map((t) => join(dir, t));
  if (files.every((f) => existsSync(f))) return files;
  const script = join(repo, 'deploy', 'images', 'build.sh');
  if (!existsSync(script)) throw new Error(`the offline images are missing and ${script} is not there to build them`);
  out(`[images] building the offline images with ${script}`);
  await sh(['bash', script, '--out', dir], { timeoutMs: 600_000 });
  return files;
}

/** preloadImages imports every tarball into the store at each root. */
export async function preloadImages(roots: string[], files: string[]): Promise<void> {
  for (const root of roots) {
    const svc = await LocalImageService.open({ root });
    try {
      for (const f of files) await svc.importArchive(f);
    } finally {
      await svc.close();
    }
  }
}
