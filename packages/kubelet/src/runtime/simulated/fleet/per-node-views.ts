/**
 * PerNodeViews splits one informer shared by a fleet of simulated nodes into one view per node, as kwok
 * serves all its fake nodes from one watch: each node agent sees only its own objects (an index by node
 * name) and only its own events. The views never list or watch: the shared informer does, run by its owner.
 */
import { DeletedFinalStateUnknown, metaNamespaceKey, type EventHandlers, type KubeObject } from '@nanokube/client';
import type { InformerView } from '../../../kubelet.js';

/** Options of {@link PerNodeViews}. */
export interface PerNodeViewsOptions<T> {
  /** The fleet's shared informer (every node's objects). */
  source: InformerView<T>;
  /** nodeOf names the node an object belongs to ('' = none: the object is in no view). */
  nodeOf(obj: T): string;
}

/** The objects and handlers of one node. */
interface NodeEntry<T> {
  objects: Map<string, T>;
  handlers: EventHandlers<T>[];
}

export class PerNodeViews<T extends KubeObject> {
  /** The node each cached object was filed under, by object key. */
  private readonly placed = new Map<string, string>();
  private readonly nodes = new Map<string, NodeEntry<T>>();

  constructor(private readonly opts: PerNodeViewsOptions<T>) {
    opts.source.addEventHandler({
      onAdd: (obj) => this.upsert(obj),
      onUpdate: (_, obj) => this.upsert(obj),
      onDelete: (obj) => this.remove(obj),
    });
  }

  /** view is the informer node agent `nodeName` uses; its run() only waits for the signal. */
  view(nodeName: string): InformerView<T> {
    const entry = this.entry(nodeName);
    const source = this.opts.source;
    return {
      store: {
        get: (key) => entry.objects.get(key),
        list: () => [...entry.objects.values()],
      },
      addEventHandler: (h) => {
        entry.handlers.push(h);
        // As a SharedInformer does: what is already cached is replayed as adds.
        if (source.hasSynced()) for (const obj of entry.objects.values()) h.onAdd?.(obj);
      },
      run: (signal) => untilAborted(signal),
      waitForSync: (signal) => source.waitForSync(signal),
      hasSynced: () => source.hasSynced(),
    };
  }

  private entry(nodeName: string): NodeEntry<T> {
    let entry = this.nodes.get(nodeName);
    if (!entry) {
      entry = { objects: new Map(), handlers: [] };
      this.nodes.set(nodeName, entry);
    }
    return entry;
  }

  /** upsert files obj under its node; an object whose node changed leaves the old view (a delete) first. */
  private upsert(obj: T): void {
    const key = metaNamespaceKey(obj);
    const node = this.opts.nodeOf(obj);
    const was = this.placed.get(key);
    if (was !== undefined && was !== node) this.removeKey(key, undefined);
    if (!node) return;
    const entry = this.entry(node);
    const old = entry.objects.get(key);
    entry.objects.set(key, obj);
    this.placed.set(key, node);
    for (const h of entry.handlers) {
      if (old) h.onUpdate?.(old, obj);
      else h.onAdd?.(obj);
    }
  }

  private remove(obj: T | DeletedFinalStateUnknown<T>): void {
    const key = obj instanceof DeletedFinalStateUnknown ? obj.key : metaNamespaceKey(obj);
    this.removeKey(key, obj);
  }

  /** removeKey drops key from the view it was filed in; handlers get deleted, else the last state seen. */
  private removeKey(key: string, deleted: T | DeletedFinalStateUnknown<T> | undefined): void {
    const node = this.placed.get(key);
    if (node === undefined) return;
    this.placed.delete(key);
    const entry = this.nodes.get(node);
    const old = entry?.objects.get(key);
    if (!entry || !old) return;
    entry.objects.delete(key);
    const seen = deleted ?? old;
    for (const h of entry.handlers) h.onDelete?.(seen);
  }
}

/** untilAborted resolves when signal aborts. */
function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
