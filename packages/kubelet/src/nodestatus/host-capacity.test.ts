import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cgroupLimits, cgroupPaths, filesystemBytes, hostCapacity, parseMemTotal } from './host-capacity.js';

async function files(root: string, entries: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(entries)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  }
}

describe('host capacity', () => {
  it('reads MemTotal and the cgroup of each controller', () => {
    expect(parseMemTotal('MemTotal:       24683856 kB\nMemFree:        1 kB\n')).toBe(24683856 * 1024);
    expect(parseMemTotal('nothing')).toBeUndefined();
    const paths = cgroupPaths('4:memory:/lab/worker01\n3:cpu,cpuacct:/lab/worker01\n0::/x\n');
    expect(paths.get('memory')).toBe('/lab/worker01');
    expect(paths.get('cpu')).toBe('/lab/worker01');
    expect(paths.get('cpuacct')).toBe('/lab/worker01');
    expect(paths.get('')).toBe('/x');
  });

  it('takes the smallest CPU quota and memory limit of the cgroup and its ancestors (v1)', async () => {
    const root = await mkdtemp(join(tmpdir(), 'nk-cap-'));
    try {
      await files(root, {
        'cpu/lab/cpu.cfs_quota_us': '150000\n',
        'cpu/lab/cpu.cfs_period_us': '100000\n',
        'cpu/lab/worker01/cpu.cfs_quota_us': '-1\n',
        'cpu/lab/worker01/cpu.cfs_period_us': '100000\n',
        'memory/lab/memory.limit_in_bytes': '9223372036854771712\n',
        'memory/lab/worker01/memory.limit_in_bytes': '2147483648\n',
      });
      expect(await cgroupLimits(root, '4:memory:/lab/worker01\n3:cpu,cpuacct:/lab/worker01\n')).toEqual({ cpu: 1.5, memory: 2147483648 });
      expect(await cgroupLimits(root, '4:memory:/\n3:cpu:/\n')).toEqual({});
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('reads cpu.max and memory.max on cgroup v2', async () => {
    const root = await mkdtemp(join(tmpdir(), 'nk-cap-'));
    try {
      await files(root, { 'node/cpu.max': '200000 100000\n', 'node/memory.max': '1073741824\n', 'cpu.max': 'max 100000\n', 'memory.max': 'max\n' });
      expect(await cgroupLimits(root, '0::/node\n')).toEqual({ cpu: 2, memory: 1073741824 });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('measures the host, and flags override what is measured', async () => {
    const dir = join(tmpdir(), 'nk-cap-missing', 'deeper');
    const cap = await hostCapacity(dir);
    expect(Number(cap.cpu)).toBeGreaterThanOrEqual(1);
    expect(Number(cap.cpu)).toBeLessThanOrEqual(availableParallelism());
    expect(Number(cap.memory)).toBeGreaterThan(64 * 1024 * 1024);
    expect(Number(cap['ephemeral-storage'])).toBe(await filesystemBytes(tmpdir()));
    expect(cap.pods).toBe('110');
    expect(await hostCapacity(dir, { cpu: '3', memory: '5Gi', 'ephemeral-storage': '7Gi', pods: '20' })).toEqual({ cpu: '3', memory: '5Gi', 'ephemeral-storage': '7Gi', pods: '20' });
  });
});
