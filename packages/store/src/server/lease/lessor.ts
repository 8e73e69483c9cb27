import type { Clock } from '../clock.js';
import { errLeaseExists, errLeaseNotFound, errLeaseTTLTooLarge } from '../errors.js';
import type { ByteString } from '../mvcc/types.js';

/** minLeaseTTL is etcd's minimum TTL with default election settings (1.5 s rounded up). */
export const minLeaseTTL = 2;
/** maxLeaseTTL is etcd's maximum TTL in seconds. */
export const maxLeaseTTL = 9_000_000_000;

/** Lease is one granted lease and the keys attached to it. */
export interface Lease {
  readonly id: bigint;
  /** Granted TTL in seconds. */
  readonly ttl: number;
  /** When the lease expires, in {@link Clock} milliseconds. */
  expiry: number;
  readonly keys: Set<ByteString>;
  /** Set once a revoke (explicit or by expiry) is queued, so expiry queues it only once. */
  revoking: boolean;
}

/**
 * Lessor holds the leases: grants, renewals (in memory only, as etcd's keepalives), expiry and the
 * key attachments that a revoke deletes. Persistence is the engine's job.
 */
export class Lessor {
  private readonly leases = new Map<bigint, Lease>();
  private counter = 0n;
  private readonly idBase: bigint;

  constructor(
    private readonly clock: Clock,
    memberId: bigint,
  ) {
    // etcd's idutil: member bits on top, then start time and a counter; top bit clear to stay positive.
    const startMs = BigInt(Date.now()) & ((1n << 40n) - 1n);
    this.idBase = ((memberId & 0x7fffn) << 48n) | (startMs << 8n);
  }

  /** normalizeTTL applies etcd's minimum and maximum to a requested TTL. */
  static normalizeTTL(ttl: number): number {
    if (ttl > maxLeaseTTL) throw errLeaseTTLTooLarge();
    return Math.max(ttl, minLeaseTTL);
  }

  /** nextId returns an unused lease ID. */
  nextId(): bigint {
    for (;;) {
      this.counter++;
      const id = (this.idBase + this.counter) & ((1n << 63n) - 1n);
      if (id !== 0n && !this.leases.has(id)) return id;
    }
  }

  /** grant creates a lease with a normalized TTL; throws if the ID is taken. */
  grant(id: bigint, ttl: number): Lease {
    if (this.leases.has(id)) throw errLeaseExists();
    const lease: Lease = { id, ttl, expiry: this.clock.now() + ttl * 1000, keys: new Set(), revoking: false };
    this.leases.set(id, lease);
    return lease;
  }

  /** get returns a lease, expired or not, until it is revoked. */
  get(id: bigint): Lease | undefined {
    return this.leases.get(id);
  }

  /** mustGet returns a lease or throws etcd's not-found error. */
  mustGet(id: bigint): Lease {
    const l = this.leases.get(id);
    if (l === undefined) throw errLeaseNotFound();
    return l;
  }

  /** remove forgets a lease (after its revoke is applied). */
  remove(id: bigint): void {
    this.leases.delete(id);
  }

  /** renew extends a live lease by its TTL; an expired or unknown lease is not found. */
  renew(id: bigint): number {
    const l = this.leases.get(id);
    if (l === undefined || l.revoking || l.expiry <= this.clock.now()) throw errLeaseNotFound();
    l.expiry = this.clock.now() + l.ttl * 1000;
    return l.ttl;
  }

  /** remaining returns whole seconds left (truncated, as etcd reports), at least 0. */
  remaining(l: Lease): number {
    return Math.max(0, Math.trunc((l.expiry - this.clock.now()) / 1000));
  }

  /** expired returns live leases whose time is up and marks them as being revoked. */
  takeExpired(): Lease[] {
    const now = this.clock.now();
    const out: Lease[] = [];
    for (const l of this.leases.values()) {
      if (!l.revoking && l.expiry <= now) {
        l.revoking = true;
        out.push(l);
      }
    }
    return out;
  }

  /** attach records that key is attached to lease id (no-op for 0 or an unknown lease). */
  attach(id: bigint, key: ByteString): void {
    if (id !== 0n) this.leases.get(id)?.keys.add(key);
  }

  /** detach undoes {@link attach}. */
  detach(id: bigint, key: ByteString): void {
    if (id !== 0n) this.leases.get(id)?.keys.delete(key);
  }

  /** list returns every lease. */
  list(): Lease[] {
    return [...this.leases.values()];
  }
}
