/** Small process and cgroup helpers of the runc runtime. */
import { execFile } from 'node:child_process';
import { readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';

/** runCommand runs a program to completion; a non-zero exit rejects with its stderr as the message. */
export function runCommand(cmd: string, args: string[], timeoutMs = 30_000): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, encoding: 'utf8', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${stderr.trim() || err.message}`, { cause: err }));
      else resolve({ stdout, stderr });
    });
  });
}

/**
 * removeCgroupDir removes the (empty) cgroup `path` (relative to the hierarchy roots) from every cgroup v1
 * hierarchy under /sys/fs/cgroup, or from the v2 tree; missing or busy cgroups are left alone.
 */
export async function removeCgroupDir(path: string): Promise<void> {
  const root = '/sys/fs/cgroup';
  const hierarchies = await readdir(root, { withFileTypes: true }).catch(() => []);
  const dirs = [join(root, path), ...hierarchies.filter((d) => d.isDirectory()).map((d) => join(root, d.name, path))];
  await Promise.all(dirs.map((d) => rmdir(d).catch(() => undefined)));
}
