/**
 * The Service NodePort allocator over the node port range (default 30000-32767), as upstream's
 * portallocator: random free ports for ports without a nodePort, explicit ports checked against
 * the range and against ports already taken. Several ports are allocated in one store write.
 */
import type { Storage } from '../generic/storage.js';
import { AllocationError } from './cluster-ip.js';
import { PersistedRange } from './persisted-range.js';

/** parsePortRange parses `lo-hi` (or `lo+n`). */
export function parsePortRange(range: string): { lo: number; hi: number } {
  const m = /^(\d+)(?:-(\d+)|\+(\d+))$/.exec(range.trim());
  if (!m) throw new Error(`invalid port range ${range}`);
  const lo = Number(m[1]);
  const hi = m[2] !== undefined ? Number(m[2]) : lo + Number(m[3]);
  if (lo < 1 || hi > 65535 || hi < lo) throw new Error(`invalid port range ${range}`);
  return { lo, hi };
}

/** One requested port: an explicit port number, or undefined for any free one. */
export type PortRequest = number | undefined;

export class NodePortAllocator {
  private readonly lo: number;
  private readonly hi: number;
  private readonly store: PersistedRange;

  constructor(
    storage: Storage,
    readonly range: string,
    key = '/registry/ranges/servicenodeports',
  ) {
    const { lo, hi } = parsePortRange(range);
    this.lo = lo;
    this.hi = hi;
    this.store = new PersistedRange(storage, key, `${lo}-${hi}`, hi - lo + 1);
  }

  /**
   * allocate reserves every request (explicit or random) in one write and returns the ports in
   * request order. Throws AllocationError with the index of the failing request.
   */
  async allocate(requests: PortRequest[], dryRun: boolean): Promise<number[]> {
    if (requests.length === 0) return [];
    return this.store.update((bm) => {
      const out: number[] = [];
      for (const [index, want] of requests.entries()) {
        if (want !== undefined) {
          if (want < this.lo || want > this.hi) {
            throw Object.assign(
              new AllocationError(`provided port is not in the valid range. The range of valid ports is ${this.lo}-${this.hi}`, 'notInRange'),
              { index },
            );
          }
          if (bm.has(want - this.lo)) throw Object.assign(new AllocationError('provided port is already allocated', 'allocated'), { index });
          bm.set(want - this.lo);
          out.push(want);
          continue;
        }
        const off = bm.findFree(0, this.hi - this.lo + 1);
        if (off === undefined) throw Object.assign(new AllocationError('range is full', 'full'), { index });
        bm.set(off);
        out.push(this.lo + off);
      }
      return out;
    }, dryRun);
  }

  /** release frees ports (ports outside the range are ignored). */
  async release(ports: number[]): Promise<void> {
    const inRange = ports.filter((p) => p >= this.lo && p <= this.hi);
    if (inRange.length === 0) return;
    await this.store.update((bm) => {
      for (const p of inRange) bm.clear(p - this.lo);
    });
  }

  /** isAllocated reports whether a port is taken (tests, repair). */
  async isAllocated(port: number): Promise<boolean> {
    return port >= this.lo && port <= this.hi && (await this.store.snapshot()).has(port - this.lo);
  }
}
