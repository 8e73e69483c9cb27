import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@nanokube/component-base';
import { describe, expect, it } from 'vitest';
import { startStoreServer } from './server.js';

describe('store /metrics', () => {
  it('reports revision, db size and commit latency as etcd names them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nk-store-metrics-'));
    const server = await startStoreServer({ dataDir: join(dir, 'data'), listen: 'http://127.0.0.1:0', logger: createLogger({ component: 'store', level: 'silent', pretty: false }) });
    try {
      for (const k of ['a', 'b', 'c']) {
        const r = await fetch(`${server.url}/v3/kv/put`, { method: 'POST', body: JSON.stringify({ key: Buffer.from(k).toString('base64'), value: 'eA==' }) });
        expect(r.status).toBe(200);
      }
      const res = await fetch(`${server.url}/metrics`);
      expect(res.headers.get('content-type')).toContain('text/plain');
      const text = await res.text();
      expect(text).toMatch(/^etcd_debugging_mvcc_current_revision 4$/m);
      expect(text).toMatch(/^etcd_mvcc_db_total_size_in_bytes [1-9]\d*$/m);
      expect(text).toMatch(/^etcd_disk_backend_commit_duration_seconds_count [1-3]$/m);
      expect(text).toMatch(/^etcd_server_proposals_committed_total 3$/m);
      expect(text).toMatch(/^process_resident_memory_bytes /m);
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
