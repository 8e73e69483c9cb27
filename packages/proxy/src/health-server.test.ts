import { describe, expect, it } from 'vitest';
import { formatGoTime, ProxierHealth, startHealthServer } from './health-server.js';

describe('ProxierHealth', () => {
  it('turns unhealthy when a queued update waits longer than the timeout, and healthy after a sync', () => {
    let now = 1_000_000;
    const h = new ProxierHealth(60_000, () => now);
    expect(h.status().healthy).toBe(true);
    h.queuedUpdate();
    now += 59_000;
    expect(h.status().healthy).toBe(true);
    now += 2_000;
    expect(h.status()).toMatchObject({ healthy: false, lastUpdated: 0 });
    h.updated();
    expect(h.status()).toMatchObject({ healthy: true, lastUpdated: now });
  });

  it('formats times as Go does', () => {
    expect(formatGoTime(Date.UTC(2024, 0, 2, 3, 4, 5, 120))).toBe('2024-01-02 03:04:05.12 +0000 UTC');
    expect(formatGoTime(Date.UTC(2024, 0, 2, 3, 4, 5, 0))).toBe('2024-01-02 03:04:05 +0000 UTC');
  });

  it('serves /healthz and /livez as JSON', async () => {
    const h = new ProxierHealth(60_000);
    h.updated();
    const server = await startHealthServer(h, '127.0.0.1', 0);
    try {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      const healthz = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(healthz.status).toBe(200);
      expect(healthz.headers.get('content-type')).toBe('application/json');
      expect(await healthz.json()).toMatchObject({ nodeEligible: true, lastUpdated: expect.stringMatching(/ \+0000 UTC$/) });
      const livez = await (await fetch(`http://127.0.0.1:${port}/livez`)).text();
      expect(livez).toMatch(/^\{"lastUpdated": "[^"]+","currentTime": "[^"]+"\}$/);
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    } finally {
      server.close();
    }
  });
});
