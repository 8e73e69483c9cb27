/**
 * The node's capacity as a real kubelet measures it (cAdvisor's machine info): cpu from the host's
 * processors, memory from /proc/meminfo's MemTotal, ephemeral-storage from the size of the filesystem of
 * the kubelet's root folder, pods 110. A kubelet confined to a cgroup with a CPU quota or a memory limit
 * (a lab node, a container) reports the smaller of the two, so the scheduler never overcommits what the
 * node may use.
 */
import { availableParallelism } from 'node:os';
import { readFile, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The capacity entries a kubelet reports, as quantities. */
export type Capacity = Record<'cpu' | 'memory' | 'ephemeral-storage' | 'pods', string>;

/** parseMemTotal reads MemTotal (bytes) from /proc/meminfo text. */
export function parseMemTotal(meminfo: string): number | undefined {
  const kb = /^MemTotal:\s+(\d+)\s*kB$/m.exec(meminfo)?.[1];
  return kb === undefined ? undefined : Number(kb) * 1024;
}

/** cgroupPaths maps each controller to the process's cgroup path (`/proc/self/cgroup`); v2's is under ''. */
export function cgroupPaths(procSelfCgroup: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of procSelfCgroup.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    for (const c of (m[1] as string).split(',')) out.set(c, m[2] as string);
  }
  return out;
}

/** ancestors lists path and every parent folder up to the root, deepest first. */
function ancestors(path: string): string[] {
  const out = [path];
  for (let p = path; p !== '/' && p !== '.'; ) {
    p = dirname(p);
    out.push(p);
  }
  return out;
}

async function readText(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}

/** A memory limit above this is "no limit" (v1 writes PAGE_COUNTER_MAX pages as bytes). */
const unlimitedBytes = 2 ** 60;

/**
 * cgroupLimits reads the CPU quota (in cores, fractional) and memory limit (bytes) that apply to the
 * process: the smallest over its cgroup and that cgroup's ancestors, v1 or v2. Undefined: no limit.
 */
export async function cgroupLimits(root = '/sys/fs/cgroup', procSelfCgroup?: string): Promise<{ cpu?: number; memory?: number }> {
  const paths = cgroupPaths(procSelfCgroup ?? (await readText('/proc/self/cgroup')) ?? '');
  let cpu: number | undefined;
  let memory: number | undefined;
  const lower = (a: number | undefined, b: number): number => (a === undefined ? b : Math.min(a, b));
  const v1cpu = paths.get('cpu');
  const v1mem = paths.get('memory');
  const v2 = paths.get('');
  if (v1cpu !== undefined) {
    for (const p of ancestors(v1cpu)) {
      const quota = Number((await readText(`${root}/cpu${p}/cpu.cfs_quota_us`))?.trim());
      const period = Number((await readText(`${root}/cpu${p}/cpu.cfs_period_us`))?.trim());
      if (quota > 0 && period > 0) cpu = lower(cpu, quota / period);
    }
  }
  if (v1mem !== undefined) {
    for (const p of ancestors(v1mem)) {
      const limit = Number((await readText(`${root}/memory${p}/memory.limit_in_bytes`))?.trim());
      if (limit > 0 && limit < unlimitedBytes) memory = lower(memory, limit);
    }
  }
  if (v2 !== undefined && (v1cpu === undefined || v1mem === undefined)) {
    for (const p of ancestors(v2)) {
      if (v1cpu === undefined) {
        const [quota, period] = ((await readText(`${root}${p}/cpu.max`)) ?? '').trim().split(/\s+/);
        if (quota && quota !== 'max' && Number(period) > 0) cpu = lower(cpu, Number(quota) / Number(period));
      }
      if (v1mem === undefined) {
        const max = ((await readText(`${root}${p}/memory.max`)) ?? '').trim();
        if (max && max !== 'max' && Number(max) > 0) memory = lower(memory, Number(max));
      }
    }
  }
  return { ...(cpu !== undefined ? { cpu } : {}), ...(memory !== undefined ? { memory } : {}) };
}

/** filesystemBytes is the size of the filesystem holding path (or its nearest existing parent). */
export async function filesystemBytes(path: string): Promise<number | undefined> {
  for (const p of ancestors(path)) {
    const st = await statfs(p).catch(() => undefined);
    if (st) return st.blocks * st.bsize;
  }
  return undefined;
}

/**
 * hostCapacity measures the node: see the module comment. `overrides` (the --cpu, --memory,
 * --ephemeral-storage and --max-pods flags) win over what is measured.
 */
export async function hostCapacity(rootDir: string, overrides: Partial<Capacity> = {}): Promise<Capacity> {
  const limits = await cgroupLimits();
  const cores = availableParallelism();
  // A fractional quota still lets the node use that many whole cores at most: cAdvisor reports whole CPUs.
  const cpu = limits.cpu !== undefined ? Math.max(1, Math.min(cores, Math.ceil(limits.cpu))) : cores;
  const memTotal = parseMemTotal((await readText('/proc/meminfo')) ?? '') ?? 0;
  const memory = limits.memory !== undefined && (memTotal === 0 || limits.memory < memTotal) ? limits.memory : memTotal;
  const disk = (await filesystemBytes(rootDir)) ?? 0;
  return {
    cpu: overrides.cpu ?? String(cpu),
    memory: overrides.memory ?? String(memory),
    'ephemeral-storage': overrides['ephemeral-storage'] ?? String(disk),
    pods: overrides.pods ?? '110',
  };
}
