/**
 * Removing what a lab's processes may have left on the host besides namespaces and links: mounts under
 * the lab folder (container root filesystems, volumes) and the nodes' cgroups.
 */
import { readdir, readFile, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { sh } from './internal/sh.js';

/** unmountUnder lazily unmounts every mount point below dir, deepest first, and returns them. */
export async function unmountUnder(dir: string): Promise<string[]> {
  const base = dir.endsWith('/') ? dir : `${dir}/`;
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const points = info
    .split('\n')
    .map((l) => unescapeMountPath(l.split(' ')[4] ?? ''))
    .filter((p) => p.startsWith(base))
    .sort((a, b) => b.length - a.length);
  for (const p of points) await sh(['umount', '-l', p]).catch(() => undefined);
  return points;
}

/**
 * removeCgroups removes the cgroup `name` (a folder directly under each hierarchy's root) and every
 * cgroup below it, deepest first, in every mounted hierarchy (cgroup v1 controllers and v2). Only empty
 * cgroups can be removed; the lab stops every process first.
 */
export async function removeCgroups(name: string): Promise<number> {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`refusing to remove cgroup "${name}"`);
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const roots = info
    .split('\n')
    .filter((l) => / - cgroup2? /.test(l))
    .map((l) => unescapeMountPath(l.split(' ')[4] ?? ''))
    .filter((p) => p !== '');
  let removed = 0;
  for (const root of new Set(roots)) removed += await removeTree(join(root, name));
  return removed;
}

async function removeTree(dir: string): Promise<number> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  let removed = 0;
  for (const e of entries) if (e.isDirectory()) removed += await removeTree(join(dir, e.name));
  await rmdir(dir).then(
    () => removed++,
    () => undefined,
  );
  return removed;
}

/**
 * killCgroupProcesses SIGKILLs every process in the cgroup `name` (directly under a hierarchy root) and
 * below it: the containers of a node's pods, which live in pod namespaces and outlive their kubelet.
 * Returns how many processes were signalled.
 */
export async function killCgroupProcesses(name: string): Promise<number> {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`refusing to kill cgroup "${name}"`);
  const pids = new Set<number>();
  const collect = async (dir: string): Promise<void> => {
    const procs = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
    for (const p of procs.split('\n')) if (/^\d+$/.test(p)) pids.add(Number(p));
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) if (e.isDirectory()) await collect(join(dir, e.name));
  };
  const hierarchies = await readdir('/sys/fs/cgroup', { withFileTypes: true }).catch(() => []);
  await collect(join('/sys/fs/cgroup', name));
  for (const h of hierarchies) if (h.isDirectory()) await collect(join('/sys/fs/cgroup', h.name, name));
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  // The kernel frees a cgroup only once its last process is reaped; give it a moment.
  if (pids.size) await new Promise((r) => setTimeout(r, 300));
  return pids.size;
}

function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}
