/**
 * Container root filesystems by overlayfs: the image's unpacked layers are the read-only lower directories
 * (top layer first), `upper/` and `work/` in the container's directory take the container's writes, and
 * `rootfs/` there is the mount point runc's bundle uses. Needs root, like every real container host.
 *
 * The mount runs with the layers folder as working directory and relative lowerdir names (as containerd's
 * overlay snapshotter does) so that deep images stay under the kernel's one-page limit for mount options.
 * Preparing an already-mounted rootfs adopts it, so a restarted kubelet can prepare its containers again.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, realpath } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { ImageError } from './errors.js';
import type { ImageStore } from './store.js';

const execFileAsync = promisify(execFile);

/** A mounted container root filesystem. */
export interface PreparedRootfs {
  /** The merged root filesystem: `<containerDir>/rootfs`. */
  rootfs: string;
  /** The image it came from (config digest). */
  imageId: string;
  /** cleanup unmounts the rootfs and releases the image; idempotent. The container directory stays. */
  cleanup(): Promise<void>;
}

/** mountPoints returns the mount points of this mount namespace, unescaped. */
async function mountPoints(): Promise<Set<string>> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
  return new Set(text.split('\n').map((l) => unescape(l.split(' ')[4] ?? '')));
}

/** isMounted reports whether path is a mount point. */
export async function isMounted(path: string): Promise<boolean> {
  const real = await realpath(path).catch(() => path);
  return (await mountPoints()).has(real);
}

async function run(cmd: string, args: string[], cwd?: string): Promise<void> {
  try {
    await execFileAsync(cmd, args, cwd ? { cwd } : {});
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
    throw new ImageError('MK_ERR_IMAGE_MOUNT', `${cmd} ${args.join(' ')}: ${stderr || (err as Error).message}`, { cause: err });
  }
}

/**
 * prepareRootfs mounts the root filesystem of a new container of image (an id or a reference) under
 * containerDir, unpacking layers first if needed, and records a lease so the image is not removed while the
 * rootfs exists. An unknown image is `MK_ERR_IMAGE_NOT_PRESENT`; a failed mount `MK_ERR_IMAGE_MOUNT`.
 */
export async function prepareRootfs(store: ImageStore, image: string, containerDir: string): Promise<PreparedRootfs> {
  const record = await store.find(image);
  if (!record) throw new ImageError('MK_ERR_IMAGE_NOT_PRESENT', `image "${image}" not found`);
  const dirs = ['rootfs', 'upper', 'work'].map((d) => join(containerDir, d));
  for (const d of dirs) await mkdir(d, { recursive: true, mode: 0o755 });
  const [rootfs = '', upper = '', work = ''] = dirs;
  await store.addLease({ containerDir, imageId: record.id, chainIds: record.layers.map((l) => l.chainId) });
  if (!(await isMounted(rootfs))) {
    const layerDirs = await store.unpackLayers(record.layers);
    let lower = [...layerDirs].reverse().map((d) => basename(d));
    if (lower.length === 0) {
      // overlayfs needs one lower directory; an image without layers gets an empty one of its own.
      await mkdir(join(containerDir, 'empty'), { recursive: true });
      lower = [join(containerDir, 'empty')];
    }
    const options = `lowerdir=${lower.join(':')},upperdir=${upper},workdir=${work}`;
    await run('mount', ['-t', 'overlay', 'overlay', '-o', options, rootfs], join(store.root, 'layers'));
  }
  return {
    rootfs,
    imageId: record.id,
    cleanup: async () => {
      if (await isMounted(rootfs)) {
        await run('umount', [rootfs]).catch(() => run('umount', ['-l', rootfs]));
      }
      await store.removeLease(containerDir);
    },
  };
}
