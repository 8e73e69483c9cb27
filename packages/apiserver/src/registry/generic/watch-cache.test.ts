import { describe, expect, it } from 'vitest';
import type { KubeObject, WatchEvent } from '../types.js';
import { decodeStored, WatchCache } from './watch-cache.js';
import { CacheWatcher } from './watcher.js';

function obj(name: string, labels: Record<string, string>, rv: number): KubeObject {
  return decodeStored(JSON.stringify({ kind: 'Pod', metadata: { name, namespace: 'ns', labels } }), rv);
}

function setup(capacity = 8) {
  let rev = 0;
  const cache = new WatchCache('/registry/pods/', { revision: () => rev }, capacity);
  const put = (name: string, labels: Record<string, string>) => {
    rev++;
    cache.processPut(`/registry/pods/ns/${name}`, obj(name, labels, rev), rev);
    return rev;
  };
  const del = (name: string) => {
    rev++;
    cache.processDelete(`/registry/pods/ns/${name}`, rev);
    return rev;
  };
  return { cache, put, del };
}

async function drain(w: CacheWatcher, n: number): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  const it = w[Symbol.asyncIterator]();
  while (out.length < n) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

describe('WatchCache', () => {
  it('keeps objects in key order and serves pages of keys from a start key', () => {
    const { cache, put } = setup();
    for (const n of ['c', 'a', 'b']) put(n, {});
    expect(cache.keysFrom('/registry/pods/ns/b')).toEqual(['/registry/pods/ns/b', '/registry/pods/ns/c']);
  });

  it('evicts the oldest events and reports what a watch can start from', () => {
    const { cache, put } = setup(3);
    const first = put('a', {});
    put('a', { x: '1' });
    put('a', { x: '2' });
    expect(cache.eventsAfter(0)?.length).toBe(3);
    put('a', { x: '3' });
    expect(cache.eventsAfter(0)).toBeUndefined();
    expect(cache.oldestRevision()).toBe(first);
    expect(cache.eventsAfter(first)?.map((e) => e.revision)).toEqual([2, 3, 4]);
  });

  it('translates selector transitions into ADDED and DELETED for a watcher', async () => {
    const { cache, put, del } = setup();
    const w = new CacheWatcher({ filter: (o) => o.metadata.labels?.['app'] === 'web', signal: new AbortController().signal });
    w.start([], (sink) => cache.addSink(sink));
    put('a', { app: 'db' });
    put('a', { app: 'web' });
    put('a', { app: 'web', v: '2' });
    put('a', { app: 'db' });
    put('b', { app: 'web' });
    del('b');
    const events = await drain(w, 4);
    expect(events.map((e) => `${e.type} ${e.object.metadata.name} ${e.object.metadata.resourceVersion}`)).toEqual([
      'ADDED a 2',
      'MODIFIED a 3',
      'DELETED a 4',
      'ADDED b 5',
    ]);
    const last = await drain(w, 1);
    // The DELETED object is the last state with the deletion's resourceVersion.
    expect(last.map((e) => `${e.type} ${e.object.metadata.name} ${e.object.metadata.resourceVersion}`)).toEqual(['DELETED b 6']);
  });

  it('ends a watcher on abort and unsubscribes it', async () => {
    const { cache } = setup();
    const ac = new AbortController();
    const w = new CacheWatcher({ filter: () => true, signal: ac.signal });
    w.start([], (sink) => cache.addSink(sink));
    expect(cache.watcherCount).toBe(1);
    ac.abort();
    expect(await drain(w, 1)).toEqual([]);
    expect(cache.watcherCount).toBe(0);
  });

  it('ends a watcher that falls too far behind', async () => {
    const { cache, put } = setup(100);
    const w = new CacheWatcher({ filter: () => true, signal: new AbortController().signal, maxQueue: 3 });
    w.start([], (sink) => cache.addSink(sink));
    for (let i = 0; i < 6; i++) put(`p${i}`, {});
    expect(cache.watcherCount).toBe(0);
    expect((await drain(w, 10)).length).toBeLessThanOrEqual(4);
  });

  it('hands a watch pinned to a field value only the events of objects with that value, before or after', async () => {
    // A kubelet's pod watch (spec.nodeName=NODE): the pod moving onto the node is ADDED, off it DELETED,
    // and pods of other nodes never reach it (upstream's indexed triggers).
    let rev = 0;
    const cache = new WatchCache('/registry/pods/', { revision: () => rev }, 32);
    const podOn = (name: string, node: string, r: number) =>
      decodeStored(JSON.stringify({ kind: 'Pod', metadata: { name, namespace: 'ns' }, spec: { nodeName: node } }), r);
    const put = (name: string, node: string) => {
      rev++;
      cache.processPut(`/registry/pods/ns/${name}`, podOn(name, node, rev), rev);
    };
    const nodeOf = (o: KubeObject) => (o['spec'] as { nodeName?: string } | undefined)?.nodeName ?? '';
    const seen: string[] = [];
    const sink = (label: string) => ({
      dispatch: (ev: { type: string; object: KubeObject }) => seen.push(`${label} ${ev.type} ${ev.object.metadata.name}`),
      terminate: () => seen.push(`${label} end`),
    });
    const offA = cache.addSink(sink('a'), { field: 'spec.nodeName', value: 'node-a', valueOf: nodeOf });
    cache.addSink(sink('unassigned'), { field: 'spec.nodeName', value: '', valueOf: nodeOf });
    cache.addSink(sink('all'));
    expect(cache.watcherCount).toBe(3);
    put('p1', '');
    put('p1', 'node-a');
    put('p2', 'node-b');
    put('p1', 'node-b');
    offA();
    put('p3', 'node-a');
    expect(cache.watcherCount).toBe(2);
    expect(seen).toEqual([
      'all ADDED p1', 'unassigned ADDED p1',
      'all MODIFIED p1', 'a MODIFIED p1', 'unassigned MODIFIED p1',
      'all ADDED p2',
      'all MODIFIED p1', 'a MODIFIED p1',
      'all ADDED p3',
    ]);
    cache.terminateAll();
    expect(seen.slice(-2).sort()).toEqual(['all end', 'unassigned end']);
    expect(cache.watcherCount).toBe(0);
  });
});
