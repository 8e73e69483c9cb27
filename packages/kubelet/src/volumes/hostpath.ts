/**
 * checkHostPathType enforces `hostPath.type` as upstream's hostPath plugin does: the `...OrCreate` types
 * create what is missing (a 0755 folder, an empty 0644 file whose parent must exist), the others check
 * the kind of what is there. Messages are upstream's (`hostPath type check failed: /x is not a directory`).
 */
import { lstat, mkdir, open, stat } from 'node:fs/promises';

/** The `hostPath.type` values. */
export type HostPathType = '' | 'DirectoryOrCreate' | 'Directory' | 'FileOrCreate' | 'File' | 'Socket' | 'CharDevice' | 'BlockDevice';

/** HostPathTypeError is a failed type check. */
export class HostPathTypeError extends Error {
  override readonly name = 'HostPathTypeError';
}

async function statOrUndefined(path: string): Promise<Awaited<ReturnType<typeof stat>> | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function fail(detail: string): never {
  throw new HostPathTypeError(`hostPath type check failed: ${detail}`);
}

/** checkHostPathType checks (and for the OrCreate types, creates) `path`. */
export async function checkHostPathType(path: string, type: string | undefined): Promise<void> {
  const t = (type ?? '') as HostPathType;
  if (t === '') return;
  const st = await statOrUndefined(path);
  switch (t) {
    case 'DirectoryOrCreate':
      if (!st) {
        await mkdir(path, { recursive: true, mode: 0o755 });
        return;
      }
      if (!st.isDirectory()) fail(`path ${path} is not a directory`);
      return;
    case 'Directory':
      if (!st) fail(`${path} is not a directory`);
      if (!st.isDirectory()) fail(`${path} is not a directory`);
      return;
    case 'FileOrCreate':
      if (!st) {
        try {
          await (await open(path, 'a', 0o644)).close();
        } catch (err) {
          fail(`failed to create file ${path}: ${(err as Error).message}`);
        }
        return;
      }
      if (!st.isFile()) fail(`path ${path} is not a file`);
      return;
    case 'File':
      if (!st?.isFile()) fail(`${path} is not a file`);
      return;
    case 'Socket':
      if (!st?.isSocket()) fail(`${path} is not a socket file`);
      return;
    case 'CharDevice':
      if (!st?.isCharacterDevice()) fail(`${path} is not a character device`);
      return;
    case 'BlockDevice':
      if (!st?.isBlockDevice()) fail(`${path} is not a block device`);
      return;
    default:
      fail(`unknown hostPath type ${String(t)}`);
  }
}

/** isSymlink says whether path is a symbolic link (used to refuse subPaths that escape a volume). */
export async function isSymlink(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isSymbolicLink();
  } catch {
    return false;
  }
}
