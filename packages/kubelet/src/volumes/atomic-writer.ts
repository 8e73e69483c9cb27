/**
 * writeAtomic publishes a set of files into a folder the way upstream's AtomicWriter does, so readers
 * inside containers never see a half-updated configMap/secret/downwardAPI/projected volume:
 *
 * - the payload goes into a fresh hidden folder `..<timestamp>`;
 * - a symlink `..data` points at it, swapped by creating `..data_tmp` and renaming it over `..data`;
 * - each top-level name of the payload is a symlink `<name> -> ..data/<name>`;
 * - names no longer in the payload lose their symlink, and the previous `..<timestamp>` folder is removed.
 *
 * An unchanged payload (same paths, bytes and modes) leaves the folder untouched.
 */
import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, readdir, readFile, readlink, rename, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';

/** One file of a volume payload; `path` is relative and may contain folders (`conf/app.yaml`). */
export interface PayloadFile {
  data: Buffer;
  /** Permission bits (0o644 unless the volume or item says otherwise). */
  mode: number;
}

/** A volume payload by relative path. */
export type Payload = Map<string, PayloadFile>;

const dataDirName = '..data';
const dataTmpName = '..data_tmp';

/** PayloadError is an item path that is absolute, contains `..` or starts with `..`. */
export class PayloadError extends Error {
  override readonly name = 'PayloadError';
}

/** validatePayloadPath checks a relative item path as upstream's validatePath does. */
export function validatePayloadPath(p: string): void {
  if (p === '') throw new PayloadError('invalid path: must not be empty');
  if (p.startsWith('/')) throw new PayloadError(`invalid path: must be relative path: ${p}`);
  if (p.length > 4096) throw new PayloadError(`invalid path: must be less than or equal to 4096 characters`);
  if (p.split('/').includes('..')) throw new PayloadError(`invalid path: must not contain '..': ${p}`);
  if (p.startsWith('..')) throw new PayloadError(`invalid path: must not start with '..': ${p}`);
}

function timestampDirName(now: Date): string {
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const ts = `${now.getUTCFullYear()}_${pad(now.getUTCMonth() + 1)}_${pad(now.getUTCDate())}_${pad(now.getUTCHours())}_${pad(now.getUTCMinutes())}_${pad(now.getUTCSeconds())}`;
  return `..${ts}.${randomBytes(5).readUInt32BE(0)}`;
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

async function payloadUnchanged(dataDir: string, payload: Payload): Promise<boolean> {
  const seen = new Set<string>();
  const walk = async (rel: string): Promise<boolean> => {
    for (const e of await readdir(join(dataDir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!(await walk(r))) return false;
        continue;
      }
      const want = payload.get(r);
      if (!want) return false;
      const [got, st] = await Promise.all([readFile(join(dataDir, r)), stat(join(dataDir, r))]);
      if (!got.equals(want.data) || (st.mode & 0o7777) !== want.mode) return false;
      seen.add(r);
    }
    return true;
  };
  try {
    return (await walk('')) && seen.size === payload.size;
  } catch {
    return false;
  }
}

/** topLevel returns the first path element of every payload path. */
function topLevel(payload: Payload): Set<string> {
  return new Set([...payload.keys()].map((p) => p.split('/')[0] as string));
}

/** writeAtomic makes `targetDir` hold exactly `payload`; returns whether anything changed. */
export async function writeAtomic(targetDir: string, payload: Payload, now = new Date()): Promise<boolean> {
  for (const p of payload.keys()) validatePayloadPath(p);
  await mkdir(targetDir, { recursive: true, mode: 0o755 });
  const dataLink = join(targetDir, dataDirName);
  let oldTsName: string | undefined;
  if (await exists(dataLink)) {
    oldTsName = await readlink(dataLink);
    if (await payloadUnchanged(join(targetDir, oldTsName), payload)) {
      await ensureUserLinks(targetDir, payload);
      return false;
    }
  }
  const tsName = timestampDirName(now);
  const tsDir = join(targetDir, tsName);
  await mkdir(tsDir, { mode: 0o755 });
  await chmod(tsDir, 0o755);
  for (const [p, f] of payload) {
    const file = join(tsDir, normalize(p));
    await mkdir(dirname(file), { recursive: true, mode: 0o755 });
    await writeFile(file, f.data, { mode: f.mode });
    await chmod(file, f.mode);
  }
  const tmpLink = join(targetDir, dataTmpName);
  await rm(tmpLink, { force: true });
  await symlink(tsName, tmpLink);
  await rename(tmpLink, dataLink);
  await ensureUserLinks(targetDir, payload);
  // Remove user-visible links the new payload no longer has.
  const wanted = topLevel(payload);
  for (const name of await readdir(targetDir)) {
    if (name.startsWith('..') || wanted.has(name)) continue;
    const full = join(targetDir, name);
    const st = await lstat(full);
    if (st.isSymbolicLink() && (await readlink(full)).startsWith(`${dataDirName}${sep}`)) await unlink(full);
  }
  if (oldTsName && oldTsName !== tsName) await rm(join(targetDir, oldTsName), { recursive: true, force: true });
  return true;
}

async function ensureUserLinks(targetDir: string, payload: Payload): Promise<void> {
  for (const name of topLevel(payload)) {
    const link = join(targetDir, name);
    const want = `${dataDirName}/${name}`;
    try {
      const st = await lstat(link);
      if (st.isSymbolicLink() && (await readlink(link)) === want) continue;
      await rm(link, { recursive: true, force: true });
    } catch {
      // absent: create below
    }
    await symlink(want, link);
  }
}
