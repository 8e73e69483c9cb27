import type { MvccStore } from '../mvcc/mvcc-store.js';
import type { MvccEvent } from '../mvcc/types.js';
import type { WatchOutput } from './types.js';
import { WatchStream } from './watch-stream.js';

/**
 * WatchHub is the watchable side of the store: it owns every open {@link WatchStream}, hands each
 * durable batch of events to them, and drives progress notifications.
 */
export class WatchHub {
  private readonly streams = new Set<WatchStream>();

  constructor(private readonly store: MvccStore) {}

  /** openStream registers a new client stream writing to out. */
  openStream(out: WatchOutput): WatchStream {
    const s = new WatchStream(this.store, out, (closed) => this.streams.delete(closed));
    this.streams.add(s);
    return s;
  }

  /** publish delivers events that were just made durable and visible, up to revision rev. */
  publish(events: readonly MvccEvent[], rev: number): void {
    if (events.length === 0) return;
    for (const s of this.streams) s.publish(events, rev);
  }

  /** progressTick sends progress notifications on every stream. */
  progressTick(): void {
    for (const s of this.streams) s.progressTick();
  }

  /** streamCount is the number of open streams. */
  get streamCount(): number {
    return this.streams.size;
  }

  /** closeAll closes every stream (at shutdown). */
  closeAll(): void {
    for (const s of [...this.streams]) s.close();
  }
}
