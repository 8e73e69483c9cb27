import { describe, expect, it } from 'vitest';
import { createLogger } from '@nanokube/component-base';
import type { KubeObject } from '../registry/types.js';
import { formatCpu, formatMemory } from './handler.js';
import type { StatsSummary } from './scraper.js';
import { MetricsStore } from './store.js';

const node = (name: string, ip: string, port: number): KubeObject => ({
  metadata: { name },
  status: { addresses: [{ type: 'InternalIP', address: ip }], daemonEndpoints: { kubeletEndpoint: { Port: port } } },
});

describe('MetricsStore', () => {
  it('uses usageNanoCores, computes rates from cumulative CPU otherwise, and drops partly measured pods', async () => {
    let t = Date.parse('2026-01-01T00:00:00Z');
    let cumulative = 0;
    const asked: string[] = [];
    const nodes: KubeObject[] = [node('n1', '127.0.1.1', 10250), { metadata: { name: 'no-address' } }];
    const summary = (): StatsSummary => ({
      node: { cpu: { time: new Date(t).toISOString(), usageNanoCores: 300_000_000 }, memory: { workingSetBytes: 1 << 30 } },
      pods: [
        { podRef: { name: 'a', namespace: 'default', uid: 'u1' }, containers: [{ name: 'c', cpu: { time: new Date(t).toISOString(), usageCoreNanoSeconds: cumulative }, memory: { workingSetBytes: 5 << 20 } }] },
        { podRef: { name: 'b', namespace: 'default', uid: 'u2' }, containers: [{ name: 'c', cpu: { usageNanoCores: 1e6 }, memory: { workingSetBytes: 1 } }, { name: 'd' }] },
      ],
    });
    const store = new MetricsStore({
      logger: createLogger({ component: 'test', level: 'silent' }),
      now: () => t,
      source: {
        listNodes: async () => nodes,
        summary: async (address) => (asked.push(address), summary()),
      },
    });
    await store.ensureFresh();
    expect(asked).toEqual(['127.0.1.1:10250']);
    expect(store.nodeMetrics()).toMatchObject([{ name: 'n1', usage: { cpuNanoCores: 300_000_000, memoryBytes: 1 << 30 } }]);
    // One cumulative sample is no rate yet; pod b lacks metrics for container d.
    expect(store.podMetrics()).toEqual([]);

    await store.ensureFresh();
    expect(asked).toHaveLength(1);
    // A Node that joins is scraped at once, without waiting for the data to age.
    nodes.push(node('n2', '127.0.1.2', 10250));
    await store.ensureFresh();
    expect(asked).toEqual(['127.0.1.1:10250', '127.0.1.1:10250', '127.0.1.2:10250']);
    nodes.pop();
    asked.splice(1);

    t += 10_000;
    cumulative += 2.5e9; // 250m over 10 s
    await store.ensureFresh();
    expect(asked).toHaveLength(2);
    expect(store.podMetrics()).toMatchObject([{ namespace: 'default', name: 'a', windowMs: 10_000, containers: [{ name: 'c', usage: { cpuNanoCores: 250_000_000, memoryBytes: 5 << 20 } }] }]);
  });

  it('formats quantities as metrics-server does', () => {
    expect(formatCpu(250_000_000)).toBe('250m');
    expect(formatCpu(1_234_567)).toBe('1234567n');
    expect(formatCpu(0)).toBe('0');
    expect(formatMemory(48 << 20)).toBe('48Mi');
    expect(formatMemory(4100 * 1024)).toBe('4100Ki');
    expect(formatMemory(1000)).toBe('1000');
  });
});
