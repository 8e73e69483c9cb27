import { describe, expect, it } from 'vitest';
import { MvccStore } from './mvcc-store.js';
import type { KeyValue } from './types.js';

function put(s: MvccStore, key: string, value: string, lease = 0n): number {
  const w = s.beginWrite();
  w.put(key, Buffer.from(value), lease);
  s.visibleRev = s.currentRev;
  return w.rev;
}

function del(s: MvccStore, key: string, end?: string): number {
  const w = s.beginWrite();
  w.deleteRange(key, end);
  s.visibleRev = s.currentRev;
  return w.revision;
}

const brief = (kv: KeyValue) => ({ key: kv.key, c: kv.createRevision, m: kv.modRevision, v: kv.version, val: kv.value.toString() });

describe('MvccStore', () => {
  it('starts at revision 1 and gives each write the next revision', () => {
    const s = new MvccStore();
    expect(s.currentRev).toBe(1);
    expect(put(s, 'a', '1')).toBe(2);
    expect(put(s, 'b', '1')).toBe(3);
    expect(put(s, 'a', '2')).toBe(4);
    expect(s.range({ key: 'a' }).kvs.map(brief)).toEqual([{ key: 'a', c: 2, m: 4, v: 2, val: '2' }]);
  });

  it('starts a new generation when a deleted key is recreated', () => {
    const s = new MvccStore();
    put(s, 'k', 'x');
    put(s, 'k', 'y');
    expect(del(s, 'k')).toBe(4);
    expect(s.range({ key: 'k' }).kvs).toEqual([]);
    put(s, 'k', 'z');
    expect(s.range({ key: 'k' }).kvs.map(brief)).toEqual([{ key: 'k', c: 5, m: 5, v: 1, val: 'z' }]);
  });

  it('does not consume a revision for a delete that deletes nothing', () => {
    const s = new MvccStore();
    put(s, 'a', '1');
    expect(del(s, 'zzz')).toBe(2);
    expect(s.currentRev).toBe(2);
  });

  it('reads past revisions and reports the current revision in the result', () => {
    const s = new MvccStore();
    put(s, 'a', '1');
    put(s, 'a', '2');
    del(s, 'a');
    const r = s.range({ key: 'a', revision: 2 });
    expect(r.kvs.map(brief)).toEqual([{ key: 'a', c: 2, m: 2, v: 1, val: '1' }]);
    expect(r.revision).toBe(4);
    expect(s.range({ key: 'a', revision: 4 }).kvs).toEqual([]);
    expect(() => s.range({ key: 'a', revision: 5 })).toThrow(/future revision/);
  });

  it('ranges by prefix, to the end with "\\0", and selects nothing when range_end <= key', () => {
    const s = new MvccStore();
    for (const k of ['a', 'b/1', 'b/2', 'c']) put(s, k, 'v');
    expect(s.range({ key: 'b/', rangeEnd: 'b0' }).kvs.map((kv) => kv.key)).toEqual(['b/1', 'b/2']);
    expect(s.range({ key: 'b', rangeEnd: '\0' }).kvs.map((kv) => kv.key)).toEqual(['b/1', 'b/2', 'c']);
    expect(s.range({ key: '\0', rangeEnd: '\0' }).count).toBe(4);
    expect(s.range({ key: 'c', rangeEnd: 'a' }).count).toBe(0);
  });

  it('applies limit, sort, count_only, keys_only and revision filters as etcd', () => {
    const s = new MvccStore();
    put(s, 'a', '3');
    put(s, 'b', '1');
    put(s, 'c', '2');
    put(s, 'a', '4');
    const all = { key: '\0', rangeEnd: '\0' };
    const lim = s.range({ ...all, limit: 2 });
    expect([lim.kvs.map((kv) => kv.key), lim.more, lim.count]).toEqual([['a', 'b'], true, 3]);
    expect(s.range({ ...all, sortOrder: 'DESCEND', limit: 1 }).kvs.map((kv) => kv.key)).toEqual(['c']);
    expect(s.range({ ...all, sortTarget: 'MOD' }).kvs.map((kv) => kv.key)).toEqual(['b', 'c', 'a']);
    expect(s.range({ ...all, sortTarget: 'VALUE', sortOrder: 'DESCEND' }).kvs.map((kv) => kv.key)).toEqual(['a', 'c', 'b']);
    const co = s.range({ ...all, countOnly: true });
    expect([co.kvs.length, co.count]).toEqual([0, 3]);
    const filtered = s.range({ ...all, minModRevision: 4, limit: 1 });
    expect([filtered.kvs.map((kv) => kv.key), filtered.more, filtered.count]).toEqual([['a'], true, 3]);
    expect(s.range({ ...all, maxCreateRevision: 3 }).kvs.map((kv) => kv.key)).toEqual(['a', 'b']);
    expect(s.range({ ...all, keysOnly: true }).keysOnly).toBe(true);
  });

  it('hides changes that are applied but not yet visible', () => {
    const s = new MvccStore();
    put(s, 'a', '1');
    const w = s.beginWrite();
    w.put('a', Buffer.from('2'), 0n);
    w.put('b', Buffer.from('1'), 0n);
    expect(s.range({ key: '\0', rangeEnd: '\0' }).kvs.map(brief)).toEqual([{ key: 'a', c: 2, m: 2, v: 1, val: '1' }]);
    expect(w.range({ key: 'b' }).count).toBe(1);
    s.visibleRev = s.currentRev;
    expect(s.range({ key: '\0', rangeEnd: '\0' }).count).toBe(2);
  });

  describe('compact', () => {
    it('rejects reads below the compacted revision and keeps reads at or above it', () => {
      const s = new MvccStore();
      put(s, 'a', '1'); // 2
      put(s, 'a', '2'); // 3
      put(s, 'b', '1'); // 4
      s.compact(3);
      expect(() => s.range({ key: 'a', revision: 2 })).toThrow(/compacted/);
      expect(s.range({ key: 'a', revision: 3 }).kvs.map(brief)).toEqual([{ key: 'a', c: 2, m: 3, v: 2, val: '2' }]);
      expect(s.range({ key: 'b', revision: 3 }).kvs).toEqual([]);
      expect(s.range({ key: 'b' }).count).toBe(1);
    });

    it('drops superseded revisions and deleted keys, and returns what it dropped', () => {
      const s = new MvccStore();
      put(s, 'a', '1'); // 2
      put(s, 'a', '2'); // 3
      put(s, 'gone', 'x'); // 4
      del(s, 'gone'); // 5
      put(s, 'late', 'x'); // 6
      const dropped = s.compact(5).map((kv) => `${kv.key}@${kv.modRevision}`);
      expect(dropped.sort()).toEqual(['a@2', 'gone@4', 'gone@5']);
      expect(s.index.size).toBe(2);
      expect(s.range({ key: '\0', rangeEnd: '\0', revision: 5 }).kvs.map((kv) => kv.key)).toEqual(['a']);
    });

    it('trims the event log to the compacted revision', () => {
      const s = new MvccStore();
      for (let i = 0; i < 5; i++) put(s, 'k', String(i)); // revs 2..6
      s.compact(4);
      const revs: number[] = [];
      s.eventsFrom(4, s.visibleRev, (ev) => (revs.push(ev.kv.modRevision), true));
      expect(revs).toEqual([4, 5, 6]);
    });
  });
});
