import { describe, expect, it } from 'vitest';
import { MvccStore } from '../mvcc/mvcc-store.js';
import type { MvccEvent } from '../mvcc/types.js';
import type { WatchResponse } from './types.js';
import { WatchHub } from './watch-hub.js';

/** fixture: a store, a hub, and a helper that commits writes the way the engine publishes them. */
function fixture() {
  const store = new MvccStore();
  const hub = new WatchHub(store);
  const commit = (...ops: Array<[string, string | null]>): void => {
    const w = store.beginWrite();
    for (const [k, v] of ops) {
      if (v === null) w.deleteRange(k, undefined);
      else w.put(k, Buffer.from(v), 0n);
    }
    store.visibleRev = store.currentRev;
    hub.publish(w.events, store.visibleRev);
  };
  const out = { got: [] as WatchResponse[], full: false };
  const stream = hub.openStream({ write: (r) => (out.got.push(r), !out.full) });
  const events = (rs = out.got) =>
    rs.flatMap((r) => (r.events ?? []).map((e: MvccEvent) => `${r.watchId}:${e.kv.key}@${e.kv.modRevision}${e.kv.version === 0 ? 'D' : ''}`));
  return { store, hub, commit, out, stream, events };
}

describe('WatchStream', () => {
  it('catches up from history, then delivers live events, each once and in order', () => {
    const f = fixture();
    f.commit(['a', '1']); // 2
    f.commit(['b', '1']); // 3
    f.stream.create({ key: '\0', rangeEnd: '\0', startRevision: 2 });
    expect(f.out.got[0]).toMatchObject({ watchId: 0, created: true, revision: 3 });
    f.commit(['a', null]); // 4
    f.commit(['c', '1'], ['d', '1']); // 5
    expect(f.events()).toEqual(['0:a@2', '0:b@3', '0:a@4D', '0:c@5', '0:d@5']);
  });

  it('starts after the current revision when no start revision is given, and honours key ranges', () => {
    const f = fixture();
    f.commit(['a', '1']);
    f.stream.create({ key: 'a' });
    f.stream.create({ key: 'b', rangeEnd: 'c', watchId: 10 });
    f.commit(['a', '2'], ['b1', 'x'], ['c', 'x']);
    expect(f.events()).toEqual(['0:a@3', '10:b1@3']);
  });

  it('applies NOPUT and NODELETE filters', () => {
    const f = fixture();
    f.stream.create({ key: 'k', filters: ['NOPUT'] });
    f.stream.create({ key: 'k', filters: ['NODELETE'] });
    f.commit(['k', '1']);
    f.commit(['k', null]);
    expect(f.events().sort()).toEqual(['0:k@3D', '1:k@2']);
  });

  it('rejects a watch ID already in use, and cancels by ID', () => {
    const f = fixture();
    f.stream.create({ key: 'k', watchId: 5 });
    f.stream.create({ key: 'k', watchId: 5 });
    expect(f.out.got[1]).toMatchObject({ watchId: -1, created: true, canceled: true, cancelReason: expect.stringContaining('duplicate') });
    f.stream.cancel(5);
    f.stream.cancel(5);
    expect(f.out.got.slice(2)).toEqual([{ watchId: 5, revision: 1, canceled: true }]);
    f.commit(['k', '1']);
    expect(f.events()).toEqual([]);
  });

  it('cancels a watch from a compacted revision with compact_revision', () => {
    const f = fixture();
    f.commit(['a', '1']);
    f.commit(['a', '2']);
    f.commit(['a', '3']);
    f.store.compact(3);
    f.stream.create({ key: 'a', startRevision: 2 });
    expect(f.out.got[1]).toEqual({ watchId: 0, revision: 0, canceled: true, compactRevision: 3 });
  });

  it('stops taking live events while the consumer is behind, then catches up from history on resume', () => {
    const f = fixture();
    f.stream.create({ key: '\0', rangeEnd: '\0' });
    f.commit(['a', '1']); // 2
    f.out.full = true;
    f.commit(['b', '1']); // 3: written, and the output reports it is now full
    f.commit(['c', '1']); // 4: not written
    f.commit(['d', '1']); // 5
    expect(f.events()).toEqual(['0:a@2', '0:b@3']);
    f.out.full = false;
    f.stream.resume();
    expect(f.events()).toEqual(['0:a@2', '0:b@3', '0:c@4', '0:d@5']);
  });

  it('answers a progress request once caught up', () => {
    const f = fixture();
    f.stream.create({ key: 'a' });
    f.out.full = true;
    f.commit(['a', '1']);
    f.stream.requestProgress();
    expect(f.out.got.filter((r) => r.watchId === -1)).toEqual([]);
    f.out.full = false;
    f.stream.resume();
    expect(f.out.got.at(-1)).toEqual({ watchId: -1, revision: 2 });
  });

  it('sends progress notifications only to idle watchers that asked for them', () => {
    const f = fixture();
    f.stream.create({ key: 'a', progressNotify: true });
    f.stream.create({ key: 'b', progressNotify: true });
    f.stream.create({ key: 'c' });
    f.commit(['a', '1']);
    const before = f.out.got.length;
    f.hub.progressTick();
    expect(f.out.got.slice(before)).toEqual([{ watchId: 1, revision: 2 }]);
    f.hub.progressTick();
    expect(f.out.got.slice(before + 1)).toEqual([
      { watchId: 0, revision: 2 },
      { watchId: 1, revision: 2 },
    ]);
  });

  it('splits a long catch-up between revisions, never inside one', () => {
    const f = fixture();
    const many = Array.from({ length: 600 }, (_, i) => [`k${i}`, 'v'] as [string, string]);
    f.commit(...many); // 2
    f.commit(...many); // 3
    f.commit(['z', 'v']); // 4
    f.stream.create({ key: '\0', rangeEnd: '\0', startRevision: 2 });
    const sizes = f.out.got.filter((r) => r.events).map((r) => r.events!.length);
    expect(sizes).toEqual([1200, 1]);
  });
});
