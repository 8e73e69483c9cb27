/**
 * kubeletProcessUsage is the node's own usage when the runtime cannot measure what runs besides pods (the
 * runc runtime: the node's daemons share the host's cgroups): at least the kubelet process itself, its
 * cumulative CPU time and resident memory, so that `kubectl top nodes` never shows an idle node at zero.
 */
import type { ContainerStats } from '../runtime/types.js';

/** kubeletProcessUsage samples this process's CPU time and resident set now. */
export function kubeletProcessUsage(now: number = Date.now()): Omit<ContainerStats, 'containerId'> {
  const cpu = process.cpuUsage();
  return { timestamp: now, cpuUsageCoreNanoSeconds: (cpu.user + cpu.system) * 1000, memoryWorkingSetBytes: process.memoryUsage.rss() };
}
