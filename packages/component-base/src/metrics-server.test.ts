import { createServer, type Server } from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import { createLogger } from './logger.js';
import { Counter, createMetricsRegistry } from './metrics.js';
import { serveMetrics } from './metrics-server.js';

const log = createLogger({ component: 'test', level: 'silent', pretty: false });

function baseOf(server: Server | undefined): string {
  const addr = server?.address();
  return `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
}

describe('serveMetrics', () => {
  it('serves the registry at /metrics (query ignored), the extra paths, and 404 elsewhere', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    new Counter({ name: 'things_total', help: 'Things.', registers: [registry] }).inc(3);
    const server = await serveMetrics({
      registry, host: '127.0.0.1', port: 0, log,
      extraPaths: { '/mode': (res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('fast') },
    });
    expect(server).toBeDefined();
    try {
      const base = baseOf(server);
      const res = await fetch(`${base}/metrics?x=1`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(await res.text()).toContain('things_total 3');
      expect(await (await fetch(`${base}/mode`)).text()).toBe('fast');
      const missing = await fetch(`${base}/toString`);
      expect(missing.status).toBe(404);
      expect(await missing.text()).toBe('404 page not found\n');
    } finally {
      server?.close();
    }
  });

  it('logs and resolves undefined when the port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const addr = taken.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    const warn = vi.fn();
    try {
      const server = await serveMetrics({ registry: createMetricsRegistry({ defaultMetrics: false }), host: '127.0.0.1', port, log: { ...log, warn } as unknown as typeof log });
      expect(server).toBeUndefined();
      expect(warn).toHaveBeenCalledWith(expect.objectContaining({ port }), 'Could not start the metrics server');
    } finally {
      taken.close();
    }
  });
});
