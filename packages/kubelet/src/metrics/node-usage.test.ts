import { describe, expect, it } from 'vitest';
import type { Kubelet } from '../kubelet.js';
import type { RuntimeService } from '../runtime/types.js';
import { buildStatsSummary } from '../server/stats.js';
import { kubeletProcessUsage } from './node-usage.js';

describe('kubeletProcessUsage', () => {
  it("is this process's CPU time and resident memory", () => {
    const u = kubeletProcessUsage(1234);
    expect(u.timestamp).toBe(1234);
    expect(u.cpuUsageCoreNanoSeconds).toBeGreaterThan(0);
    expect(u.memoryWorkingSetBytes).toBeGreaterThan(10 * 1024 * 1024);
  });

  it('makes an idle node without runtime system usage report non-zero usage in /stats/summary', async () => {
    const runtime = { stats: async () => [], listContainers: async () => [] } as unknown as RuntimeService;
    const summary = (await buildStatsSummary({ nodeName: 'master', runtime, pods: () => [] } as unknown as Kubelet)) as {
      node: { cpu: { usageCoreNanoSeconds: number; usageNanoCores?: number }; memory: { workingSetBytes: number } };
    };
    expect(summary.node.cpu.usageCoreNanoSeconds).toBeGreaterThan(0);
    // No rate is known from one sample: the metrics API computes it between two scrapes.
    expect(summary.node.cpu.usageNanoCores).toBeUndefined();
    expect(summary.node.memory.workingSetBytes).toBeGreaterThan(10 * 1024 * 1024);
  });
});
