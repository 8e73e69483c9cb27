/**
 * The Service ClusterIP allocator over the service CIDR (default 10.96.0.0/12), as upstream's
 * ipallocator: the network and broadcast addresses are never handed out; dynamic allocations come
 * from random free addresses above the small "static" band at the bottom of the range first, then
 * from the static band, and never pick the first address (the `kubernetes` Service) or the tenth
 * (kube-dns, 10.96.0.10) — those are only given when asked for explicitly.
 */
import type { Storage } from '../generic/storage.js';
import type { Bitmap } from './bitmap.js';
import { PersistedRange } from './persisted-range.js';

/** An allocation failure with upstream's wording; `kind` decides the HTTP status. */
export class AllocationError extends Error {
  constructor(
    message: string,
    readonly kind: 'notInRange' | 'allocated' | 'full',
  ) {
    super(message);
    this.name = 'AllocationError';
  }
}

/** parseIPv4 returns the 32-bit value of a dotted quad, or undefined. */
export function parseIPv4(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    v = v * 256 + Number(p);
  }
  return v;
}

/** formatIPv4 renders a 32-bit value as a dotted quad. */
export function formatIPv4(v: number): string {
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
}

/** parseCIDR parses `a.b.c.d/n` into its base address and size. */
export function parseCIDR(cidr: string): { base: number; size: number } {
  const [ip, bits] = cidr.split('/');
  const base = parseIPv4(ip ?? '');
  const n = Number(bits);
  if (base === undefined || !Number.isInteger(n) || n < 8 || n > 30) throw new Error(`invalid service CIDR ${cidr}`);
  const size = 2 ** (32 - n);
  return { base: base - (base % size), size };
}

export class ClusterIPAllocator {
  private readonly base: number;
  private readonly size: number;
  private readonly staticEnd: number;
  private readonly store: PersistedRange;
  /** The reserved offsets dynamic allocation never picks. */
  private readonly reserved = new Set([1, 10]);

  constructor(
    storage: Storage,
    readonly cidr: string,
    key = '/registry/ranges/serviceips',
  ) {
    const { base, size } = parseCIDR(cidr);
    this.base = base;
    this.size = size;
    this.staticEnd = Math.min(Math.max(16, Math.floor(size / 16)), 256);
    this.store = new PersistedRange(storage, key, cidr, size);
  }

  /** allocate reserves `ip` (or a free address when undefined) and returns it. */
  async allocate(ip: string | undefined, dryRun: boolean): Promise<string> {
    return this.store.update((bm) => formatIPv4(this.base + this.pick(bm, ip)), dryRun);
  }

  /** release frees an address (no-op for addresses outside the range). */
  async release(ip: string): Promise<void> {
    const off = this.offset(ip);
    if (off === undefined) return;
    await this.store.update((bm) => bm.clear(off));
  }

  /** isAllocated reports whether an address is taken (tests, repair). */
  async isAllocated(ip: string): Promise<boolean> {
    const off = this.offset(ip);
    return off !== undefined && (await this.store.snapshot()).has(off);
  }

  private offset(ip: string): number | undefined {
    const v = parseIPv4(ip);
    if (v === undefined) return undefined;
    const off = v - this.base;
    return off > 0 && off < this.size - 1 ? off : undefined;
  }

  private pick(bm: Bitmap, ip: string | undefined): number {
    if (ip !== undefined) {
      const off = this.offset(ip);
      if (off === undefined) {
        throw new AllocationError(`provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.cidr}`, 'notInRange');
      }
      if (bm.has(off)) throw new AllocationError('provided IP is already allocated', 'allocated');
      bm.set(off);
      return off;
    }
    const off = bm.findFree(this.staticEnd, this.size - 1) ?? bm.findFree(1, Math.min(this.staticEnd, this.size - 1), this.reserved);
    if (off === undefined) throw new AllocationError('range is full', 'full');
    bm.set(off);
    return off;
  }
}
