import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreEngine, type StoreEngineOptions } from './engine.js';
import type { WatchResponse } from './watch/types.js';

const v = (s: string) => Buffer.from(s);
const all = { key: '\0', rangeEnd: '\0' };

describe('StoreEngine', () => {
  let dir: string;
  let engine: StoreEngine | undefined;
  const clock = { t: 0, now: () => clock.t };

  const open = async (extra: Partial<StoreEngineOptions> = {}) => {
    engine = await StoreEngine.open({ dataDir: dir, clock, leaseCheckIntervalMs: 0, progressNotifyIntervalMs: 0, ...extra });
    return engine;
  };
  const reopen = async () => {
    await engine?.close();
    return open();
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nk-engine-'));
    clock.t = 1_000_000;
  });
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('recovers the same revision, data, history and IDs after a restart', async () => {
    let e = await open();
    const ids = [e.clusterId, e.memberId];
    await e.put({ key: 'a', value: v('1') });
    await e.put({ key: 'a', value: v('2') });
    await e.put({ key: 'b', value: v('x') });
    await e.deleteRange({ key: 'b' });
    e = await reopen();
    expect([e.clusterId, e.memberId]).toEqual(ids);
    expect(e.revision).toBe(5);
    expect(e.range({ key: 'a' }).kvs.map((kv) => [kv.value.toString(), kv.version, kv.createRevision])).toEqual([['2', 2, 2]]);
    expect(e.range({ key: 'b', revision: 4 }).count).toBe(1);
    expect((await e.put({ key: 'c' })).revision).toBe(6);
  });

  it('never reuses a revision after compaction removed the newest record', async () => {
    let e = await open();
    await e.put({ key: 'a' }); // 2
    await e.deleteRange({ key: 'a' }); // 3
    await e.compact(3);
    let records = 0;
    for await (const [k] of e.entries()) if (k.toString('latin1', 0, 2) === 'r:') records++;
    expect(records).toBe(0); // the put at 2 and the tombstone at 3 are gone from LevelDB too
    e = await reopen();
    expect(e.revision).toBe(3);
    expect(e.compactRevision).toBe(3);
    expect(() => e.range({ key: 'a', revision: 2 })).toThrow(/compacted/);
    expect((await e.put({ key: 'b' })).revision).toBe(4);
  });

  it('group-commits concurrent writes: consecutive revisions, fewer batches than writes', async () => {
    const e = await open();
    const n = 200;
    const before = e.stats.batches;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => e.put({ key: `k${i}`, value: v(String(i)) })));
    const revs = results.map((r) => r.revision).sort((a, b) => a - b);
    expect(revs).toEqual(Array.from({ length: n }, (_, i) => i + 2));
    expect(e.stats.batches - before).toBeLessThan(n / 4);
    expect(e.range({ ...all, countOnly: true }).count).toBe(n);
  });

  it('answers each request of a batch on its own, failures included', async () => {
    const e = await open();
    const [ok, bad, ok2] = await Promise.allSettled([
      e.put({ key: 'a' }),
      e.put({ key: 'b', lease: 12345n }),
      e.txn({ compare: [{ key: 'a', target: 'VERSION', result: 'EQUAL', version: 1 }], success: [{ requestPut: { key: 'c' } }] }),
    ]);
    expect(ok.status).toBe('fulfilled');
    expect(bad).toMatchObject({ status: 'rejected', reason: { code: 5 } });
    expect(ok2).toMatchObject({ status: 'fulfilled', value: { succeeded: true, revision: 3 } });
  });

  it('revokes an expired lease, deleting its keys in one revision with watch events', async () => {
    const e = await open();
    const lease = await e.leaseGrant(10);
    expect(lease.ttl).toBe(10);
    await e.put({ key: 'l1', lease: lease.id });
    await e.put({ key: 'l2', lease: lease.id });
    await e.put({ key: 'free' });
    const got: WatchResponse[] = [];
    e.openWatchStream({ write: (r) => (got.push(r), true) }).create({ ...all });
    expect(e.leaseTimeToLive(lease.id, true)).toMatchObject({ ttl: 10, grantedTtl: 10, keys: [v('l1'), v('l2')] });
    clock.t += 9_000;
    expect(e.leaseKeepAlive(lease.id).ttl).toBe(10);
    clock.t += 9_000;
    e.expireLeases();
    expect(e.range({ ...all }).count).toBe(3);
    clock.t += 1_001;
    e.expireLeases();
    await e.put({ key: 'after' }); // queued behind the revoke: it is durable once this resolves
    expect(e.range({ ...all }).kvs.map((kv) => kv.key)).toEqual(['after', 'free']);
    const dels = got.flatMap((r) => r.events ?? []).filter((ev) => ev.kv.version === 0);
    expect(dels.map((ev) => [ev.kv.key, ev.kv.modRevision])).toEqual([
      ['l1', 5],
      ['l2', 5],
    ]);
    expect(e.leaseTimeToLive(lease.id, false).ttl).toBe(-1);
    expect(e.leaseKeepAlive(lease.id).ttl).toBe(0);
  });

  it('keeps leases across a restart and clamps the TTL to the minimum', async () => {
    let e = await open();
    const l = await e.leaseGrant(0, 42n);
    expect([l.id, l.ttl]).toEqual([42n, 2]);
    await expect(e.leaseGrant(5, 42n)).rejects.toThrow(/lease already exists/);
    await e.put({ key: 'k', lease: 42n });
    e = await reopen();
    expect(e.leaseLeases().ids).toEqual([42n]);
    expect(e.leaseTimeToLive(42n, true).keys).toEqual([v('k')]);
    await e.leaseRevoke(42n);
    expect(e.range({ key: 'k' }).count).toBe(0);
    await expect(e.leaseRevoke(42n)).rejects.toThrow(/lease not found/);
  });

  it('delivers watch events only after they are durable, and a watch from history replays them', async () => {
    const e = await open();
    const live: WatchResponse[] = [];
    e.openWatchStream({ write: (r) => (live.push(r), true) }).create({ key: 'k', prevKv: true });
    const p = e.put({ key: 'k', value: v('1') });
    expect(live.filter((r) => r.events)).toEqual([]);
    await p;
    await e.put({ key: 'k', value: v('2') });
    const evs = live.flatMap((r) => r.events ?? []);
    expect(evs.map((ev) => [ev.kv.modRevision, ev.prevKv?.modRevision])).toEqual([
      [2, undefined],
      [3, 2],
    ]);
    const replay: WatchResponse[] = [];
    e.openWatchStream({ write: (r) => (replay.push(r), true) }).create({ key: 'k', startRevision: 1 });
    expect(replay.flatMap((r) => r.events ?? []).map((ev) => ev.kv.modRevision)).toEqual([2, 3]);
  });

  it('rejects compaction at or below the compacted revision and above the current one', async () => {
    const e = await open();
    await e.put({ key: 'a' });
    await e.put({ key: 'a' });
    await expect(e.compact(9)).rejects.toThrow(/future revision/);
    await e.compact(2);
    await expect(e.compact(2)).rejects.toThrow(/compacted/);
  });
});
