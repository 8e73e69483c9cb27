import type { Pod } from 'kubernetes-types/core/v1.js';
import { newResourceExpired } from '@nanokube/api';
import { DeletedFinalStateUnknown, resources, SharedInformer, type EventHandlers, type ResourceClient, type WatchEvent } from '@nanokube/client';
import { createLogger } from '@nanokube/component-base';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../__tests__/fake-clock.js';
import type { InformerView } from '../../../kubelet.js';
import { PerNodeViews } from './per-node-views.js';

const log = createLogger({ component: 'test', level: 'silent', pretty: false });

let rv = 0;
const pod = (name: string, nodeName: string): Pod => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: String(++rv) },
  spec: { nodeName, containers: [] },
});

/** FakeSource is a shared informer driven by hand. */
class FakeSource implements InformerView<Pod> {
  readonly items = new Map<string, Pod>();
  readonly store = { get: (k: string) => this.items.get(k), list: () => [...this.items.values()] };
  private readonly handlers: EventHandlers<Pod>[] = [];
  private synced = false;
  addEventHandler(h: EventHandlers<Pod>): void {
    this.handlers.push(h);
  }
  run(): Promise<void> {
    return Promise.resolve();
  }
  waitForSync(): Promise<void> {
    return Promise.resolve();
  }
  hasSynced(): boolean {
    return this.synced;
  }
  sync(): void {
    this.synced = true;
  }
  add(p: Pod): void {
    this.items.set(`default/${p.metadata?.name}`, p);
    for (const h of this.handlers) h.onAdd?.(p);
  }
  update(old: Pod, p: Pod): void {
    this.items.set(`default/${p.metadata?.name}`, p);
    for (const h of this.handlers) h.onUpdate?.(old, p);
  }
  delete(p: Pod | DeletedFinalStateUnknown<Pod>): void {
    for (const h of this.handlers) h.onDelete?.(p);
  }
}

/** record collects a view's events as `kind name@node` strings. */
function record(view: InformerView<Pod>): string[] {
  const seen: string[] = [];
  const name = (p: Pod): string => `${p.metadata?.name}@${p.spec?.nodeName}`;
  view.addEventHandler({
    onAdd: (p) => seen.push(`add ${name(p)}`),
    onUpdate: (o, p) => seen.push(`update ${name(o)}->${name(p)}`),
    onDelete: (p) => seen.push(p instanceof DeletedFinalStateUnknown ? `tombstone ${name(p.obj)}` : `delete ${name(p)}`),
  });
  return seen;
}

const nodeOf = (p: Pod): string => p.spec?.nodeName ?? '';

describe('PerNodeViews', () => {
  it('hands an event for node A only to A, and each view lists only its own pods', () => {
    const source = new FakeSource();
    const views = new PerNodeViews<Pod>({ source, nodeOf });
    const a = views.view('a');
    const b = views.view('b');
    const seenA = record(a);
    const seenB = record(b);
    const p1 = pod('p1', 'a');
    source.add(p1);
    const p1b = { ...p1, metadata: { ...p1.metadata, resourceVersion: String(++rv) } };
    source.update(p1, p1b);
    source.add(pod('p2', 'b'));
    source.add(pod('p3', 'elsewhere'));
    source.delete(p1b);
    expect(seenA).toEqual(['add p1@a', 'update p1@a->p1@a', 'delete p1@a']);
    expect(seenB).toEqual(['add p2@b']);
    expect(a.store.list()).toEqual([]);
    expect(b.store.list().map((p) => p.metadata?.name)).toEqual(['p2']);
    expect(b.store.get('default/p2')?.metadata?.name).toBe('p2');
    expect(b.store.get('default/p3')).toBeUndefined();
  });

  it('turns a pod moving nodes into a delete on the old node and an add on the new one', () => {
    const source = new FakeSource();
    const views = new PerNodeViews<Pod>({ source, nodeOf });
    const a = views.view('a');
    const b = views.view('b');
    const seenA = record(a);
    const seenB = record(b);
    const p1 = pod('p1', 'a');
    source.add(p1);
    source.update(p1, pod('p1', 'b'));
    expect(seenA).toEqual(['add p1@a', 'delete p1@a']);
    expect(seenB).toEqual(['add p1@b']);
    expect(a.store.get('default/p1')).toBeUndefined();
    expect(b.store.get('default/p1')?.spec?.nodeName).toBe('b');
    // Unbound (no node): it leaves every view.
    source.update(pod('p1', 'b'), pod('p1', ''));
    expect(seenB).toEqual(['add p1@b', 'delete p1@b']);
    expect(b.store.list()).toEqual([]);
  });

  it('routes a tombstone to the node the pod was filed under', () => {
    const source = new FakeSource();
    const views = new PerNodeViews<Pod>({ source, nodeOf });
    const seenA = record(views.view('a'));
    const seenB = record(views.view('b'));
    const p1 = pod('p1', 'a');
    source.add(p1);
    source.delete(new DeletedFinalStateUnknown('default/p1', p1));
    // A delete of something never filed is nobody's.
    source.delete(pod('ghost', 'b'));
    expect(seenA).toEqual(['add p1@a', 'tombstone p1@a']);
    expect(seenB).toEqual([]);
  });

  it('replays only its own cached pods to a handler added after the sync', () => {
    const source = new FakeSource();
    const views = new PerNodeViews<Pod>({ source, nodeOf });
    const a = views.view('a');
    source.add(pod('p1', 'a'));
    source.add(pod('p2', 'b'));
    // Not synced yet: the list is still being delivered, nothing is replayed.
    expect(record(a)).toEqual([]);
    source.sync();
    expect(a.hasSynced()).toBe(true);
    expect(record(a)).toEqual(['add p1@a']);
  });

  it('run waits for the signal only', async () => {
    const views = new PerNodeViews<Pod>({ source: new FakeSource(), nodeOf });
    const ac = new AbortController();
    let done = false;
    const running = views.view('a').run(ac.signal).then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    ac.abort();
    await running;
    expect(done).toBe(true);
  });
});

/** A pods client whose list returns `state.items` and whose watches stream what the test pushes. */
function fakePodsClient(state: { items: Pod[]; rv: string }) {
  let push: ((ev: WatchEvent<Pod> | Error) => void) | undefined;
  const client = {
    gvr: resources.pods,
    list: async () => ({ metadata: { resourceVersion: state.rv }, items: state.items }),
    async *watch(_opts: unknown, signal?: AbortSignal): AsyncGenerator<WatchEvent<Pod>> {
      const queue: (WatchEvent<Pod> | Error)[] = [];
      let wake: (() => void) | undefined;
      push = (ev) => {
        queue.push(ev);
        wake?.();
      };
      signal?.addEventListener('abort', () => wake?.(), { once: true });
      while (!signal?.aborted) {
        const ev = queue.shift();
        if (ev instanceof Error) throw ev;
        if (ev) {
          yield ev;
          continue;
        }
        await new Promise<void>((r) => (wake = r));
      }
    },
  };
  return { client: client as unknown as ResourceClient<Pod>, push: (ev: WatchEvent<Pod> | Error) => push?.(ev) };
}

describe('PerNodeViews over a SharedInformer', () => {
  const stops: AbortController[] = [];
  afterEach(() => stops.splice(0).forEach((ac) => ac.abort()));

  it('passes a resync and a re-list to the owning node only', async () => {
    const clock = new FakeClock();
    const state = { items: [pod('p1', 'a'), pod('p2', 'b')], rv: '100' };
    const { client, push } = fakePodsClient(state);
    const informer = new SharedInformer<Pod>({ client, log, clock, resyncMs: 60_000 });
    const views = new PerNodeViews<Pod>({ source: informer, nodeOf });
    const a = views.view('a');
    const b = views.view('b');
    const ac = new AbortController();
    stops.push(ac);
    void informer.run(ac.signal);
    await a.waitForSync(ac.signal);
    const seenA = record(a);
    const seenB = record(b);
    expect(seenA).toEqual(['add p1@a']);
    expect(seenB).toEqual(['add p2@b']);

    await clock.advance(60_000);
    expect(seenA).toEqual(['add p1@a', 'update p1@a->p1@a']);
    expect(seenB).toEqual(['add p2@b', 'update p2@b->p2@b']);

    // The watch expires; the re-list finds p1 gone and p3 new on a.
    state.items = [state.items[1] as Pod, pod('p3', 'a')];
    state.rv = '200';
    push(newResourceExpired('too old resource version'));
    await expect.poll(() => seenA.length).toBe(4);
    expect(seenA.slice(2).sort()).toEqual(['add p3@a', 'tombstone p1@a']);
    expect(a.store.list().map((p) => p.metadata?.name)).toEqual(['p3']);
    expect(seenB).toEqual(['add p2@b', 'update p2@b->p2@b']);
  });
});
