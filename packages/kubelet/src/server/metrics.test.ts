import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Kubelet } from '../kubelet.js';
import type { RuntimeService } from '../runtime/types.js';
import { serveKubeletMetrics } from './metrics.js';

describe('serveKubeletMetrics', () => {
  it('answers the Prometheus text exposition of the kubelet metrics', async () => {
    const runtime = { listPodSandboxes: async () => [], listContainers: async () => [] } as unknown as RuntimeService;
    const kubelet = { nodeName: 'worker02', runtime, pods: () => [] } as unknown as Kubelet;
    const server = createServer((_req, res) => void serveKubeletMetrics(kubelet, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const body = await res.text();
      expect(body).toMatch(/^kubelet_node_name\{node="worker02"\} 1$/m);
      expect(body).toMatch(/^kubelet_running_pods 0$/m);
      expect(body).toContain('# TYPE kubelet_pod_start_duration_seconds histogram');
      expect(body).toContain('# TYPE kubelet_runtime_operations_duration_seconds histogram');
    } finally {
      server.close();
    }
  });
});
