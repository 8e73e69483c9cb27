import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@nanokube/component-base';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseAutoCompaction, startAutoCompaction } from './compactor.js';
import { StoreEngine } from './engine.js';
import { parseDuration } from './verb.js';

const log = createLogger({ component: 'store', level: 'silent', pretty: false });

describe('parseAutoCompaction', () => {
  it.each([
    { name: 'bare hours', mode: undefined, retention: '1', want: { mode: 'periodic', retentionMs: 3_600_000 } },
    { name: 'duration', mode: 'periodic', retention: '5m', want: { mode: 'periodic', retentionMs: 300_000 } },
    { name: 'revisions', mode: 'revision', retention: '1000', want: { mode: 'revision', retention: 1000 } },
    { name: 'disabled', mode: undefined, retention: '0', want: undefined },
  ])('parses $name', ({ mode, retention, want }) => {
    expect(parseAutoCompaction(mode, retention, parseDuration)).toEqual(want);
  });

  it('rejects an unknown mode and a non-numeric revision retention', () => {
    expect(() => parseAutoCompaction('sometimes', '1h', parseDuration)).toThrow(/unknown/);
    expect(() => parseAutoCompaction('revision', '1h', parseDuration)).toThrow(/number of revisions/);
  });
});

describe('startAutoCompaction', () => {
  let dir: string | undefined;
  afterEach(async () => {
    vi.useRealTimers();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps the last N revisions in revision mode', async () => {
    dir = await mkdtemp(join(tmpdir(), 'nk-compactor-'));
    const engine = await StoreEngine.open({ dataDir: dir, leaseCheckIntervalMs: 0, progressNotifyIntervalMs: 0 });
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      for (let i = 0; i < 10; i++) await engine.put({ key: 'k' }); // revisions 2..11
      const stop = startAutoCompaction(engine, { mode: 'revision', retention: 3 }, log);
      vi.advanceTimersByTime(5 * 60_000);
      await engine.put({ key: 'other' }); // queued behind the compaction
      expect(engine.compactRevision).toBe(8);
      stop();
    } finally {
      await engine.close();
    }
  });
});
