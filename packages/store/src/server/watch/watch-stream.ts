import { inRange, isTombstone, keyRangeFromWire, type KeyRange, type MvccEvent } from '../mvcc/types.js';
import type { MvccStore } from '../mvcc/mvcc-store.js';
import { duplicateWatchIdReason, type WatchCreateRequest, type WatchOutput } from './types.js';

/** maxEventsPerResponse bounds catch-up responses; a revision's events are never split. */
const maxEventsPerResponse = 1000;

/** Watcher is one watch on a stream: what it selects and the next revision it must deliver. */
interface Watcher {
  readonly id: number;
  readonly range: KeyRange;
  readonly prevKv: boolean;
  readonly noPut: boolean;
  readonly noDelete: boolean;
  readonly progressNotify: boolean;
  /** Every event below this revision has been delivered. */
  nextRev: number;
  /** Whether events were sent since the last progress notification. */
  sentEvents: boolean;
}

/**
 * WatchStream is one client stream carrying many watchers. It delivers every event exactly once, in
 * revision order: live from {@link publish} while the consumer keeps up, and from the store's event log
 * after the output reports it is behind (write returned false), once the transport calls
 * {@link resume}. Nothing is queued per watcher, so a slow consumer costs no memory beyond the output's
 * own buffer; if it falls behind the compaction, its watchers are canceled with compact_revision.
 */
export class WatchStream {
  private readonly watchers = new Map<number, Watcher>();
  private nextId = 0;
  private congested = false;
  private progressPending = false;
  private closed = false;

  constructor(
    private readonly store: MvccStore,
    private readonly out: WatchOutput,
    private readonly onClose: (s: WatchStream) => void,
  ) {}

  /** create starts a watcher and answers `created` (or a duplicate-ID cancel). */
  create(req: WatchCreateRequest): void {
    let id = req.watchId ?? 0;
    if (id !== 0 && this.watchers.has(id)) {
      const revision = this.store.visibleRev;
      this.write({ watchId: -1, revision, created: true, canceled: true, cancelReason: duplicateWatchIdReason });
      return;
    }
    if (id === 0) {
      while (this.watchers.has(this.nextId)) this.nextId++;
      id = this.nextId++;
    }
    const start = req.startRevision ?? 0;
    const w: Watcher = {
      id,
      range: keyRangeFromWire(req.key, req.rangeEnd),
      prevKv: req.prevKv === true,
      noPut: req.filters?.includes('NOPUT') ?? false,
      noDelete: req.filters?.includes('NODELETE') ?? false,
      progressNotify: req.progressNotify === true,
      nextRev: start > 0 ? start : this.store.visibleRev + 1,
      sentEvents: false,
    };
    this.watchers.set(id, w);
    this.write({ watchId: id, revision: this.store.visibleRev, created: true });
    if (!this.congested) this.catchUp(w);
  }

  /** cancel stops a watcher; an unknown ID is ignored, as etcd does. */
  cancel(id: number): void {
    if (!this.watchers.delete(id)) return;
    this.write({ watchId: id, revision: this.store.visibleRev, canceled: true });
  }

  /** requestProgress answers with the current revision once every watcher has caught up. */
  requestProgress(): void {
    if (this.congested) this.progressPending = true;
    else this.write({ watchId: -1, revision: this.store.visibleRev });
  }

  /** publish delivers a just-published batch of events, all with revisions up to rev. */
  publish(events: readonly MvccEvent[], rev: number): void {
    for (const w of this.watchers.values()) {
      if (this.congested) return;
      if (w.nextRev > rev) continue;
      const mine = events.filter((ev) => ev.kv.modRevision >= w.nextRev && this.matches(w, ev));
      w.nextRev = rev + 1;
      if (mine.length > 0) this.sendEvents(w, mine, rev);
    }
  }

  /** progressTick sends a progress notification to each idle watcher that asked for them. */
  progressTick(): void {
    if (this.congested) return;
    for (const w of this.watchers.values()) {
      if (!w.progressNotify) continue;
      if (!w.sentEvents) this.write({ watchId: w.id, revision: this.store.visibleRev });
      w.sentEvents = false;
    }
  }

  /** resume is called by the transport when its output has room again: watchers catch up. */
  resume(): void {
    if (this.closed) return;
    this.congested = false;
    for (const w of this.watchers.values()) {
      this.catchUp(w);
      if (this.congested) return;
    }
    if (this.progressPending) {
      this.progressPending = false;
      this.requestProgress();
    }
  }

  /** close removes every watcher of the stream. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.watchers.clear();
    this.onClose(this);
  }

  private catchUp(w: Watcher): void {
    const upTo = this.store.visibleRev;
    if (w.nextRev > upTo) return;
    if (w.nextRev < this.store.compactRev) {
      this.watchers.delete(w.id);
      this.write({ watchId: w.id, revision: 0, canceled: true, compactRevision: this.store.compactRev });
      return;
    }
    let chunk: MvccEvent[] = [];
    let lastRev = 0;
    this.store.eventsFrom(w.nextRev, upTo, (ev) => {
      const rev = ev.kv.modRevision;
      if (rev !== lastRev && chunk.length >= maxEventsPerResponse) {
        w.nextRev = lastRev + 1;
        this.sendEvents(w, chunk, upTo);
        chunk = [];
        if (this.congested) return false;
      }
      lastRev = rev;
      if (this.matches(w, ev)) chunk.push(ev);
      return true;
    });
    if (this.congested) return;
    w.nextRev = upTo + 1;
    if (chunk.length > 0) this.sendEvents(w, chunk, upTo);
  }

  private matches(w: Watcher, ev: MvccEvent): boolean {
    if (!inRange(w.range, ev.kv.key)) return false;
    return isTombstone(ev.kv) ? !w.noDelete : !w.noPut;
  }

  private sendEvents(w: Watcher, events: readonly MvccEvent[], rev: number): void {
    w.sentEvents = true;
    this.write({ watchId: w.id, revision: rev, events, prevKv: w.prevKv });
  }

  private write(resp: Parameters<WatchOutput['write']>[0]): void {
    if (this.closed) return;
    if (!this.out.write(resp)) this.congested = true;
  }
}
