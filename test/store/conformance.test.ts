/**
 * Conformance of nanokube's store with etcd 3.4's v3 JSON gateway. The same assertions run against
 * a real etcd and against `nanokube store` (both real processes on loopback): passing both is the
 * proof that one client (and etcd's own tools) cannot tell them apart. Wire shapes are compared
 * exactly where etcd is precise: omitted zero fields, int64 as strings, nested txn headers.
 *
 * Revisions are asserted relative to a base read just before each test, so both backends compare
 * equal whatever they did before. Tests in a describe block run in order and share one process.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdClient, isCompacted, isFutureRevision, isLeaseNotFound, type Compare, type WatchResponse } from '@nanokube/store';
import { etcdAvailable, startEtcd, startNanokube, type Backend } from './backends.js';
import { b64, norm, raw, rawWatch, unb64, type Json } from './wire.js';

const backends: Array<[string, () => Promise<Backend>, boolean]> = [
  ['etcd', startEtcd, etcdAvailable()],
  ['nanokube', () => startNanokube(), true],
];

for (const [name, start, available] of backends) {
  (available ? describe : describe.skip)(`store conformance: ${name}`, () => conformance(start));
}

function conformance(start: () => Promise<Backend>): void {
  let be: Backend;
  let c: EtcdClient;
  let url: string;
  const revNow = async (): Promise<number> => (await c.range('\0probe')).header.revision;

  beforeAll(async () => {
    be = await start();
    url = be.url;
    c = new EtcdClient(url);
  });
  afterAll(async () => {
    await c?.close();
    await be?.close();
  });

  describe('kv', () => {
    it('put and range carry MVCC fields, with exact wire shapes', async () => {
      const base = await revNow();
      const put1 = await raw(url, '/v3/kv/put', { key: b64('/m/a'), value: b64('v1') });
      expect(put1.status).toBe(200);
      expect(norm(put1.json, base)).toEqual({
        header: { cluster_id: '<cluster_id>', member_id: '<member_id>', revision: 'base+1', raft_term: '<raft_term>' },
      });
      await raw(url, '/v3/kv/put', { key: b64('/m/a'), value: b64('v2') });
      const r = await raw(url, '/v3/kv/range', { key: b64('/m/a') });
      expect(norm(r.json, base)).toEqual({
        header: { cluster_id: '<cluster_id>', member_id: '<member_id>', revision: 'base+2', raft_term: '<raft_term>' },
        kvs: [{ key: b64('/m/a'), create_revision: 'base+1', mod_revision: 'base+2', version: '2', value: b64('v2') }],
        count: '1',
      });
      // A missing key: no kvs, no count (zero values are omitted).
      const missing = await raw(url, '/v3/kv/range', { key: b64('/m/none') });
      expect(Object.keys(missing.json)).toEqual(['header']);
    });

    it('delete then re-create restarts version and create_revision', async () => {
      const base = await revNow();
      await c.put('/m/d', 'x');
      const del = await c.deleteRange('/m/d');
      expect(del.deleted).toBe(1);
      expect(del.header.revision).toBe(base + 2);
      await c.put('/m/d', 'y');
      const kv = await c.get('/m/d');
      expect(kv).toMatchObject({ createRevision: base + 3, modRevision: base + 3, version: 1 });
      expect(kv?.value.toString()).toBe('y');
      // Deleting nothing does not create a revision.
      const none = await c.deleteRange('/m/none');
      expect(none).toMatchObject({ deleted: 0, prevKvs: [] });
      expect(none.header.revision).toBe(base + 3);
    });

    it('prev_kv on put and delete', async () => {
      const base = await revNow();
      const first = await raw(url, '/v3/kv/put', { key: b64('/p/a'), value: b64('1'), prev_kv: true });
      expect(Object.keys(first.json)).toEqual(['header']);
      const second = await raw(url, '/v3/kv/put', { key: b64('/p/a'), value: b64('2'), prev_kv: true });
      expect(norm(second.json.prev_kv, base)).toEqual({ key: b64('/p/a'), create_revision: 'base+1', mod_revision: 'base+1', version: '1', value: b64('1') });
      await c.put('/p/b', '3');
      const del = await raw(url, '/v3/kv/deleterange', { key: b64('/p/'), range_end: b64('/p0'), prev_kv: true });
      expect(norm(del.json, base)).toMatchObject({
        deleted: '2',
        prev_kvs: [
          { key: b64('/p/a'), create_revision: 'base+1', mod_revision: 'base+2', version: '2', value: b64('2') },
          { key: b64('/p/b'), create_revision: 'base+3', mod_revision: 'base+3', version: '1', value: b64('3') },
        ],
      });
      expect(del.json.header.revision).toBe(String(base + 4));
    });

    it('ranges: prefix, limit, count_only, keys_only, sort, from-key, mod/create filters', async () => {
      const base = await revNow();
      for (const [k, v] of [['/r/b', 'z'], ['/r/a', 'y'], ['/r/d', 'x'], ['/r/c', 'w']] as const) await c.put(k, v);
      await c.put('/r0', 'outside');
      const keys = (r: { kvs: { key: Buffer }[] }) => r.kvs.map((kv) => kv.key.toString());

      const all = await c.range('/r/', { prefix: true });
      expect(keys(all)).toEqual(['/r/a', '/r/b', '/r/c', '/r/d']);
      expect(all).toMatchObject({ count: 4, more: false });

      const limited = await raw(url, '/v3/kv/range', { key: b64('/r/'), range_end: b64('/r0'), limit: '2' });
      expect(limited.json.kvs.map((kv: Json) => unb64(kv.key))).toEqual(['/r/a', '/r/b']);
      expect(limited.json.more).toBe(true);
      expect(limited.json.count).toBe('4');

      const counted = await raw(url, '/v3/kv/range', { key: b64('/r/'), range_end: b64('/r0'), count_only: true });
      expect(Object.keys(counted.json).sort()).toEqual(['count', 'header']);
      expect(counted.json.count).toBe('4');

      const keysOnly = await raw(url, '/v3/kv/range', { key: b64('/r/a'), keys_only: true });
      expect(norm(keysOnly.json.kvs, base)).toEqual([{ key: b64('/r/a'), create_revision: 'base+2', mod_revision: 'base+2', version: '1' }]);

      expect(keys(await c.range('/r/', { prefix: true, sortOrder: 'DESCEND' }))).toEqual(['/r/d', '/r/c', '/r/b', '/r/a']);
      expect(keys(await c.range('/r/', { prefix: true, sortTarget: 'MOD', sortOrder: 'ASCEND' }))).toEqual(['/r/b', '/r/a', '/r/d', '/r/c']);
      expect(keys(await c.range('/r/', { prefix: true, sortTarget: 'VALUE', sortOrder: 'ASCEND' }))).toEqual(['/r/c', '/r/d', '/r/a', '/r/b']);
      expect(keys(await c.range('/r/', { prefix: true, sortTarget: 'CREATE', sortOrder: 'DESCEND', limit: 1 }))).toEqual(['/r/c']);
      expect(keys(await c.range('/r/c', { fromKey: true }))).toEqual(['/r/c', '/r/d', '/r0']);
      expect(keys(await c.range('/r/', { prefix: true, minModRevision: base + 2 }))).toEqual(['/r/a', '/r/c', '/r/d']);
      expect(keys(await c.range('/r/', { prefix: true, maxModRevision: base + 2 }))).toEqual(['/r/a', '/r/b']);
      expect(keys(await c.range('/r/', { prefix: true, minCreateRevision: base + 3 }))).toEqual(['/r/c', '/r/d']);
    });

    it('ranges at a past revision, and a future revision is an error', async () => {
      const base = await revNow();
      await c.put('/h/k', 'old');
      await c.put('/h/k', 'new');
      await c.put('/h/l', 'later');
      const past = await c.range('/h/', { prefix: true, revision: base + 1 });
      expect(past.kvs.map((kv) => [kv.key.toString(), kv.value.toString()])).toEqual([['/h/k', 'old']]);
      // The header of a past read still carries the current revision.
      expect(past.header.revision).toBe(base + 3);
      const future = await raw(url, '/v3/kv/range', { key: b64('/h/k'), revision: String(base + 100) });
      expect(future.status).toBe(400);
      expect(future.json).toEqual({ error: 'etcdserver: mvcc: required revision is a future revision', message: 'etcdserver: mvcc: required revision is a future revision', code: 11 });
      await expect(c.range('/h/k', { revision: base + 100 })).rejects.toSatisfy(isFutureRevision);
    });
  });

  describe('txn', () => {
    it('compares every target with every result and runs the matching branch', async () => {
      const lease = await c.leaseGrant(60);
      await c.put('/t/k', 'm');
      await c.put('/t/k', 'm', { lease: lease.id });
      const kv = (await c.get('/t/k'))!;
      const L = BigInt(lease.id);
      type Case = { target: Compare['target']; actual: Compare; below: Compare; above: Compare };
      const k = '/t/k';
      const cases: Case[] = [
        { target: 'VERSION', actual: cmp({ key: k, target: 'VERSION', version: 2 }), below: cmp({ key: k, target: 'VERSION', version: 1 }), above: cmp({ key: k, target: 'VERSION', version: 3 }) },
        { target: 'CREATE', actual: cmp({ key: k, target: 'CREATE', createRevision: kv.createRevision }), below: cmp({ key: k, target: 'CREATE', createRevision: kv.createRevision - 1 }), above: cmp({ key: k, target: 'CREATE', createRevision: kv.createRevision + 1 }) },
        { target: 'MOD', actual: cmp({ key: k, target: 'MOD', modRevision: kv.modRevision }), below: cmp({ key: k, target: 'MOD', modRevision: kv.modRevision - 1 }), above: cmp({ key: k, target: 'MOD', modRevision: kv.modRevision + 1 }) },
        { target: 'VALUE', actual: cmp({ key: k, target: 'VALUE', value: 'm' }), below: cmp({ key: k, target: 'VALUE', value: 'l' }), above: cmp({ key: k, target: 'VALUE', value: 'n' }) },
        { target: 'LEASE', actual: cmp({ key: k, target: 'LEASE', lease: String(L) }), below: cmp({ key: k, target: 'LEASE', lease: String(L - 1n) }), above: cmp({ key: k, target: 'LEASE', lease: String(L + 1n) }) },
      ];
      const expected = { EQUAL: [true, false, false], NOT_EQUAL: [false, true, true], GREATER: [false, true, false], LESS: [false, false, true] } as const;
      const outcomes: string[] = [];
      for (const cs of cases) {
        for (const [result, want] of Object.entries(expected) as Array<[keyof typeof expected, readonly boolean[]]>) {
          for (const [i, operand] of [cs.actual, cs.below, cs.above].entries()) {
            const resp = await c.txn({ compare: [{ ...operand, result }], success: [{ range: { key: k } }], failure: [] });
            outcomes.push(`${cs.target} ${result} ${['actual', 'below', 'above'][i]}: ${resp.succeeded}`);
            expect(resp.responses.length, `${cs.target} ${result}`).toBe(resp.succeeded ? 1 : 0);
            expect(resp.succeeded, `${cs.target} ${result} ${['actual', 'below', 'above'][i]}`).toBe(want[i]);
          }
        }
      }
      expect(outcomes).toHaveLength(60);
      await c.leaseRevoke(lease.id);
    });

    it('compares on a missing key: zero revisions/version/lease, and VALUE always fails', async () => {
      const k = '/t/missing';
      const run = async (compare: Compare) => (await c.txn({ compare: [compare] })).succeeded;
      expect(await run({ key: k, target: 'CREATE', result: 'EQUAL', createRevision: 0 })).toBe(true);
      expect(await run({ key: k, target: 'MOD', result: 'EQUAL', modRevision: 0 })).toBe(true);
      expect(await run({ key: k, target: 'VERSION', result: 'EQUAL', version: 0 })).toBe(true);
      expect(await run({ key: k, target: 'LEASE', result: 'EQUAL', lease: '0' })).toBe(true);
      expect(await run({ key: k, target: 'VALUE', result: 'EQUAL', value: '' })).toBe(false);
      expect(await run({ key: k, target: 'VALUE', result: 'NOT_EQUAL', value: 'x' })).toBe(false);
    });

    it('a compare over a range must hold for every key in it', async () => {
      await c.put('/tr/a', '1');
      await c.put('/tr/b', '1');
      const all = (version: number) => c.txn({ compare: [{ key: '/tr/', rangeEnd: '/tr0', target: 'VERSION', result: 'EQUAL', version }] });
      expect((await all(1)).succeeded).toBe(true);
      await c.put('/tr/b', '2');
      expect((await all(1)).succeeded).toBe(false);
    });

    it('success and failure branches: one revision for all writes, exact wire shape', async () => {
      const base = await revNow();
      const req = {
        compare: [{ key: b64('/tx/a'), target: 'CREATE', create_revision: '0' }],
        success: [
          { request_put: { key: b64('/tx/a'), value: b64('1') } },
          { request_put: { key: b64('/tx/b'), value: b64('2'), prev_kv: true } },
          { request_range: { key: b64('/tx/'), range_end: b64('/tx0') } },
        ],
        failure: [{ request_range: { key: b64('/tx/a') } }, { request_delete_range: { key: b64('/tx/b'), prev_kv: true } }],
      };
      const ok = await raw(url, '/v3/kv/txn', req);
      expect(ok.status).toBe(200);
      expect(norm(ok.json, base)).toEqual({
        header: { cluster_id: '<cluster_id>', member_id: '<member_id>', revision: 'base+1', raft_term: '<raft_term>' },
        succeeded: true,
        responses: [
          { response_put: { header: { revision: 'base+1' } } },
          { response_put: { header: { revision: 'base+1' } } },
          {
            response_range: {
              header: { revision: 'base+1' },
              kvs: [
                { key: b64('/tx/a'), create_revision: 'base+1', mod_revision: 'base+1', version: '1', value: b64('1') },
                { key: b64('/tx/b'), create_revision: 'base+1', mod_revision: 'base+1', version: '1', value: b64('2') },
              ],
              count: '2',
            },
          },
        ],
      });
      // A range inside a txn reports the revision it read at: the txn's start revision, plus one
      // once an earlier op of the same txn has written (so base+1 here, base+2 for the delete).
      const failed = await raw(url, '/v3/kv/txn', req);
      expect(norm(failed.json, base)).toEqual({
        header: { cluster_id: '<cluster_id>', member_id: '<member_id>', revision: 'base+2', raft_term: '<raft_term>' },
        responses: [
          { response_range: { header: { revision: 'base+1' }, kvs: [{ key: b64('/tx/a'), create_revision: 'base+1', mod_revision: 'base+1', version: '1', value: b64('1') }], count: '1' } },
          { response_delete_range: { header: { revision: 'base+2' }, deleted: '1', prev_kvs: [{ key: b64('/tx/b'), create_revision: 'base+1', mod_revision: 'base+1', version: '1', value: b64('2') }] } },
        ],
      });
      // A read-only txn does not advance the revision.
      const readOnly = await c.txn({ success: [{ range: { key: '/tx/a' } }] });
      expect(readOnly.header.revision).toBe(base + 2);
    });

    it('rejects a txn that writes one key twice', async () => {
      const r = await raw(url, '/v3/kv/txn', { success: [{ request_put: { key: b64('/tx/d'), value: b64('1') } }, { request_put: { key: b64('/tx/d'), value: b64('2') } }] });
      expect(r.status).toBe(400);
      expect(r.json).toEqual({ error: 'etcdserver: duplicate key given in txn request', message: 'etcdserver: duplicate key given in txn request', code: 3 });
    });

    it('create and updateIfModRevision helpers (compare-and-swap)', async () => {
      const first = await c.create('/cas/a', 'v1');
      expect(first.succeeded).toBe(true);
      const again = await c.create('/cas/a', 'v2');
      expect(again).toMatchObject({ succeeded: false, revision: first.revision });
      expect(again.current?.value.toString()).toBe('v1');
      const upd = await c.updateIfModRevision('/cas/a', 'v3', first.revision);
      expect(upd).toEqual({ succeeded: true, revision: first.revision + 1 });
      const stale = await c.updateIfModRevision('/cas/a', 'v4', first.revision);
      expect(stale.succeeded).toBe(false);
      expect(stale.current?.modRevision).toBe(upd.revision);
      const del = await c.deleteIfModRevision('/cas/a', upd.revision);
      expect(del.succeeded).toBe(true);
      const gone = await c.updateIfModRevision('/cas/a', 'v5', upd.revision);
      expect(gone).toEqual({ succeeded: false, revision: del.revision });
    });
  });

  describe('watch', () => {
    it('replays from a past revision, then delivers live events with prev_kv, exact wire shape', async () => {
      const base = await revNow();
      await c.put('/w/a', '1');
      await c.put('/w/a', '2');
      const w = rawWatch(url);
      try {
        w.send({ create_request: { key: b64('/w/'), range_end: b64('/w0'), start_revision: String(base + 1), prev_kv: true } });
        const created = await w.next();
        expect(norm(created, base)).toEqual({
          result: { header: { cluster_id: '<cluster_id>', member_id: '<member_id>', revision: 'base+2', raft_term: '<raft_term>' }, created: true },
        });
        const replay: Json[] = [];
        while (replay.length < 2) replay.push(...(await w.next()).result.events);
        expect(norm(replay, base)).toEqual([
          { kv: { key: b64('/w/a'), create_revision: 'base+1', mod_revision: 'base+1', version: '1', value: b64('1') } },
          {
            kv: { key: b64('/w/a'), create_revision: 'base+1', mod_revision: 'base+2', version: '2', value: b64('2') },
            prev_kv: { key: b64('/w/a'), create_revision: 'base+1', mod_revision: 'base+1', version: '1', value: b64('1') },
          },
        ]);
        await c.deleteRange('/w/a');
        const live = await w.next();
        expect(norm(live, base)).toEqual({
          result: {
            header: { cluster_id: '<cluster_id>', member_id: '<member_id>', revision: 'base+3', raft_term: '<raft_term>' },
            events: [
              {
                type: 'DELETE',
                kv: { key: b64('/w/a'), mod_revision: 'base+3' },
                prev_kv: { key: b64('/w/a'), create_revision: 'base+1', mod_revision: 'base+2', version: '2', value: b64('2') },
              },
            ],
          },
        });
      } finally {
        w.close();
      }
    });

    it('several watchers on one stream, by watch_id; cancel stops one; progress request', async () => {
      const base = await revNow();
      const w = rawWatch(url);
      try {
        w.send({ create_request: { key: b64('/ws/a'), watch_id: '7' } });
        expect((await w.next()).result).toMatchObject({ watch_id: '7', created: true });
        w.send({ create_request: { key: b64('/ws/'), range_end: b64('/ws0'), watch_id: '9', filters: ['NODELETE'] } });
        expect((await w.next()).result).toMatchObject({ watch_id: '9', created: true });
        w.send({ create_request: { key: b64('/ws/a'), watch_id: '7' } });
        const dup = (await w.next()).result;
        expect(dup).toMatchObject({ watch_id: '-1', created: true, canceled: true });
        expect(dup.cancel_reason).toMatch(/duplicate watch ID/);

        await c.put('/ws/a', '1');
        const got = [(await w.next()).result, (await w.next()).result].sort((x, y) => Number(x.watch_id) - Number(y.watch_id));
        expect(got.map((r) => [r.watch_id, r.events.length, norm(r.events[0].kv.mod_revision, base)])).toEqual([
          ['7', 1, String(base + 1)],
          ['9', 1, String(base + 1)],
        ]);

        w.send({ cancel_request: { watch_id: '7' } });
        const canceled = await w.next();
        expect(norm(canceled, base)).toEqual({
          result: { header: { cluster_id: '<cluster_id>', member_id: '<member_id>', revision: 'base+1', raft_term: '<raft_term>' }, watch_id: '7', canceled: true },
        });
        await c.deleteRange('/ws/a'); // watcher 9 filters deletes, 7 is gone: nothing arrives.
        expect(await w.quiet(300)).toBe(true);

        w.send({ progress_request: {} });
        const progress = await w.next();
        expect(norm(progress, base)).toEqual({
          result: { header: { cluster_id: '<cluster_id>', member_id: '<member_id>', revision: 'base+2', raft_term: '<raft_term>' }, watch_id: '-1' },
        });
        // A server-assigned ID avoids the IDs in use; cancelling an unknown ID is ignored.
        w.send({ create_request: { key: b64('/ws/b') } });
        const auto = (await w.next()).result;
        expect(auto.created).toBe(true);
        expect(['7', '9']).not.toContain(auto.watch_id);
        w.send({ cancel_request: { watch_id: '12345' } });
        expect(await w.quiet(300)).toBe(true);
      } finally {
        w.close();
      }
    });

    it('the client multiplexes watchers, cancels one, and broadcasts progress', async () => {
      const stream = c.watchStream();
      try {
        const wa = await stream.watch({ key: '/wc/a', prevKv: true });
        const wp = await stream.watch({ key: '/wc/', prefix: true });
        expect(wa.id).not.toBe(wp.id);
        const ia = wa[Symbol.asyncIterator]();
        const ip = wp[Symbol.asyncIterator]();
        const put = await c.put('/wc/a', 'x');
        const ra = (await ia.next()).value as WatchResponse;
        const rp = (await ip.next()).value as WatchResponse;
        expect(ra.events[0]).toMatchObject({ type: 'PUT', kv: { modRevision: put.header.revision } });
        expect(rp.events[0]?.kv.key.toString()).toBe('/wc/a');
        await wa.cancel();
        expect(await ia.next()).toEqual({ done: true, value: undefined });
        stream.requestProgress();
        const pr = (await ip.next()).value as WatchResponse;
        expect(pr).toMatchObject({ progressNotify: true, events: [], watchId: wp.id });
        expect(pr.header.revision).toBe(put.header.revision);
      } finally {
        stream.close();
      }
    });

    it('a future start revision waits for that revision', async () => {
      const base = await revNow();
      const w = await c.watch({ key: '/wf/k', startRevision: base + 2 });
      try {
        const it = w[Symbol.asyncIterator]();
        await c.put('/wf/k', '1');
        await c.put('/wf/k', '2');
        const r = (await it.next()).value as WatchResponse;
        expect(r.events.map((e) => e.kv.modRevision)).toEqual([base + 2]);
      } finally {
        await w.cancel();
      }
    });
  });

  describe('leases', () => {
    it('grant, attach, keepalive, timetolive with keys, list', async () => {
      const g = await raw(url, '/v3/lease/grant', { TTL: '30', ID: '4242' });
      expect(g.status).toBe(200);
      expect(norm(g.json, 0)).toMatchObject({ ID: '4242', TTL: '30' });
      expect(Object.keys(g.json).sort()).toEqual(['ID', 'TTL', 'header']);
      const auto = await c.leaseGrant(30);
      expect(auto.id).toMatch(/^[1-9]\d*$/);
      expect(auto.ttl).toBe(30);
      const dupe = await raw(url, '/v3/lease/grant', { TTL: '30', ID: '4242' });
      expect(dupe.status).toBe(412);
      expect(dupe.json).toEqual({ error: 'etcdserver: lease already exists', message: 'etcdserver: lease already exists', code: 9 });

      await c.put('/l/a', '1', { lease: '4242' });
      await c.put('/l/b', '2', { lease: '4242' });
      expect((await c.get('/l/a'))?.lease).toBe('4242');
      const ttl = await raw(url, '/v3/lease/timetolive', { ID: '4242', keys: true });
      expect(ttl.json.ID).toBe('4242');
      expect(ttl.json.grantedTTL).toBe('30');
      expect(Number(ttl.json.TTL)).toBeGreaterThanOrEqual(28);
      expect(ttl.json.keys.map(unb64).sort()).toEqual(['/l/a', '/l/b']);

      const ka = await c.leaseKeepAliveOnce('4242');
      expect(ka).toMatchObject({ id: '4242', ttl: 30 });
      expect(await c.leaseLeases()).toEqual(expect.arrayContaining(['4242', auto.id]));
      await c.leaseRevoke(auto.id);
    });

    it('keepalive is a stream: one result per request message, ended when the request body ends', async () => {
      await c.leaseGrant(60, '5151');
      const res = await fetch(url + '/v3/lease/keepalive', {
        method: 'POST',
        body: '{"ID":"5151"}\n{"ID":"5152"}',
        signal: AbortSignal.timeout(5000),
      });
      expect(res.status).toBe(200);
      const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as Json);
      expect(lines.map((l) => norm(l, 0))).toMatchObject([
        { result: { ID: '5151', TTL: '60' } },
        { result: { ID: '5152' } },
      ]);
      expect(lines[1]!.result.TTL).toBeUndefined();
      await c.leaseRevoke('5151');
    });

    it('put with an unknown lease fails with NotFound', async () => {
      const r = await raw(url, '/v3/kv/put', { key: b64('/l/x'), value: b64('1'), lease: '999999' });
      expect(r.status).toBe(404);
      expect(r.json).toEqual({ error: 'etcdserver: requested lease not found', message: 'etcdserver: requested lease not found', code: 5 });
    });

    it('revoke deletes the attached keys in one revision, seen by watchers as DELETE events', async () => {
      const base = await revNow();
      const w = await c.watch({ key: '/l/', prefix: true, startRevision: base + 1 });
      try {
        const revoke = await c.leaseRevoke('4242');
        // etcd's revoke header may carry the revision from before the deletion.
        expect(revoke.header.revision).toBeGreaterThanOrEqual(base);
        expect(revoke.header.revision).toBeLessThanOrEqual(base + 1);
        const r = (await w[Symbol.asyncIterator]().next()).value as WatchResponse;
        expect(r.events.map((e) => [e.type, e.kv.key.toString(), e.kv.modRevision]).sort()).toEqual([
          ['DELETE', '/l/a', base + 1],
          ['DELETE', '/l/b', base + 1],
        ]);
      } finally {
        await w.cancel();
      }
      expect((await c.range('/l/', { prefix: true })).count).toBe(0);
      const after = await raw(url, '/v3/lease/timetolive', { ID: '4242' });
      expect(norm(after.json, 0)).toMatchObject({ ID: '4242', TTL: '-1' });
      expect(after.json.grantedTTL).toBeUndefined();
      const again = await raw(url, '/v3/lease/revoke', { ID: '4242' });
      expect(again.status).toBe(404);
      expect(again.json.code).toBe(5);
      await expect(c.leaseKeepAliveOnce('4242')).rejects.toSatisfy(isLeaseNotFound);
    });

    it('a lease expires after its TTL and its keys are deleted', async () => {
      const lease = await c.leaseGrant(2);
      expect(lease.ttl).toBeGreaterThanOrEqual(2);
      const put = await c.put('/le/k', 'v', { lease: lease.id });
      const w = await c.watch({ key: '/le/k', startRevision: put.header.revision + 1 });
      const started = Date.now();
      try {
        const r = (await w[Symbol.asyncIterator]().next()).value as WatchResponse;
        expect(r.events[0]?.type).toBe('DELETE');
      } finally {
        await w.cancel();
      }
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThan(1000);
      expect(elapsed).toBeLessThan(10_000);
      expect(await c.get('/le/k')).toBeUndefined();
      expect((await c.leaseTimeToLive(lease.id)).ttl).toBe(-1);
    });
  });

  describe('compaction', () => {
    it('compaction makes older revisions unreadable and unwatchable', async () => {
      const base = await revNow();
      await c.put('/cp/k', '1');
      await c.put('/cp/k', '2');
      const comp = await raw(url, '/v3/kv/compaction', { revision: String(base + 2) });
      expect(comp.status).toBe(200);
      expect(Object.keys(comp.json)).toEqual(['header']);
      const old = await raw(url, '/v3/kv/range', { key: b64('/cp/k'), revision: String(base + 1) });
      expect(old.status).toBe(400);
      expect(old.json).toEqual({ error: 'etcdserver: mvcc: required revision has been compacted', message: 'etcdserver: mvcc: required revision has been compacted', code: 11 });
      await expect(c.range('/cp/k', { revision: base + 1 })).rejects.toSatisfy(isCompacted);
      expect((await c.range('/cp/k', { revision: base + 2 })).kvs[0]?.value.toString()).toBe('2');
      await expect(c.compact(base + 2)).rejects.toSatisfy(isCompacted);
      await expect(c.compact(base + 1000)).rejects.toSatisfy(isFutureRevision);

      // Raw: the watch is created, then canceled with the compacted revision.
      const w = rawWatch(url);
      try {
        w.send({ create_request: { key: b64('/cp/k'), start_revision: String(base + 1), watch_id: '3' } });
        expect((await w.next()).result).toMatchObject({ watch_id: '3', created: true });
        const canceled = (await w.next()).result;
        expect(canceled).toMatchObject({ watch_id: '3', canceled: true, compact_revision: String(base + 2) });
      } finally {
        w.close();
      }
      // Client: the watcher fails with isCompacted and says up to where.
      const cw = await c.watch({ key: '/cp/k', startRevision: base + 1 });
      const err = await cw.forEach(() => {}).catch((e: unknown) => e);
      expect(isCompacted(err)).toBe(true);
      expect((err as { compactRevision: number }).compactRevision).toBe(base + 2);
    });
  });

  describe('maintenance', () => {
    it('status reports version, db size and raft position as strings', async () => {
      const r = await raw(url, '/v3/maintenance/status', {});
      expect(r.status).toBe(200);
      expect(r.json.version).toMatch(/^3\.4\.\d+$/);
      for (const f of ['dbSize', 'raftIndex', 'raftTerm', 'raftAppliedIndex', 'dbSizeInUse', 'leader']) expect(r.json[f], f).toMatch(/^\d+$/);
      expect(r.json.leader).toBe(r.json.header.member_id);
      const s = await c.status();
      expect(s.dbSize).toBeGreaterThan(0);
    });

    it('snapshot streams blob chunks ending with the SHA-256 of the rest', async () => {
      const res = await raw(url, '/v3/maintenance/snapshot', {});
      expect(res.status).toBe(200);
      const lines = res.text.trim().split('\n').map((l) => JSON.parse(l) as Json);
      expect(lines.length).toBeGreaterThan(0);
      for (const l of lines) expect(Object.keys(l)).toEqual(['result']);
      const chunks: Buffer[] = [];
      for await (const chunk of c.snapshot()) chunks.push(chunk as Buffer);
      const blob = Buffer.concat(chunks);
      expect(blob.length).toBeGreaterThan(32);
      const digest = createHash('sha256').update(blob.subarray(0, blob.length - 32)).digest();
      expect(blob.subarray(blob.length - 32).equals(digest)).toBe(true);
    });
  });

  describe('bad input', () => {
    const expectError = (r: { status: number; json: Json }, status: number, code: number) => {
      expect(r.status).toBe(status);
      expect(Object.keys(r.json).sort()).toEqual(['code', 'error', 'message']);
      expect(r.json.code).toBe(code);
      expect(r.json.error).toBe(r.json.message);
    };

    it('malformed JSON, bad base64, bad enum, bad int64 and a missing key are InvalidArgument', async () => {
      expectError(await raw(url, '/v3/kv/range', '{bad'), 400, 3);
      expectError(await raw(url, '/v3/kv/put', '[1]'), 400, 3);
      expectError(await raw(url, '/v3/kv/range', { key: '!!!' }), 400, 3);
      expectError(await raw(url, '/v3/kv/range', { key: b64('k'), sort_order: 'BOGUS' }), 400, 3);
      expectError(await raw(url, '/v3/kv/range', { key: b64('k'), limit: 'abc' }), 400, 3);
      const noKey = await raw(url, '/v3/kv/put', { value: b64('v') });
      expectError(noKey, 400, 3);
      expect(noKey.json.error).toBe('etcdserver: key is not provided');
    });

    it('range_end before key selects nothing (etcd answers 200, not an error)', async () => {
      await c.put('/bi/b', '1');
      const r = await raw(url, '/v3/kv/range', { key: b64('/bi/b'), range_end: b64('/bi/a') });
      expect(r.status).toBe(200);
      expect(Object.keys(r.json)).toEqual(['header']);
      const d = await raw(url, '/v3/kv/deleterange', { key: b64('/bi/b'), range_end: b64('/bi/a') });
      expect(d.status).toBe(200);
      expect(Object.keys(d.json)).toEqual(['header']);
    });

    it('oversized requests are refused with an error body, and the server keeps serving', async () => {
      const big = (n: number) => JSON.stringify({ key: b64('/bi/big'), value: Buffer.alloc(n, 120).toString('base64') });
      const tooLarge = await raw(url, '/v3/kv/put', big(1600 * 1024));
      expectError(tooLarge, 400, 3);
      expect(tooLarge.json.error).toBe('etcdserver: request is too large');
      const huge = await raw(url, '/v3/kv/put', big(3 * 1024 * 1024));
      expect(huge.status).toBeGreaterThanOrEqual(400);
      expect(huge.status).toBeLessThan(500);
      expect(huge.json.code).toBe(8);
      expect((await c.status()).version).toMatch(/^3\.4/);
    });

    it('garbage on a watch stream does not take the server down', async () => {
      const w = rawWatch(url);
      w.sendRaw('{"create_request": {"key": ###');
      await w.quiet(300);
      w.close();
      expect((await c.put('/bi/alive', '1')).header.revision).toBeGreaterThan(0);
    });

    it('unknown paths are 404', async () => {
      expect((await raw(url, '/v3/kv/nope', {})).status).toBe(404);
    });
  });
}

/** cmp builds a compare with result EQUAL; the test overrides result. */
function cmp(c: Omit<Compare, 'result'> & Record<string, unknown>): Compare {
  return { ...c, result: 'EQUAL' } as Compare;
}
