import { describe, expect, it } from 'vitest';
import type { Storage, StoredKV, WriteOutcome } from '../generic/storage.js';
import { Bitmap } from './bitmap.js';
import { AllocationError, ClusterIPAllocator, parseCIDR } from './cluster-ip.js';
import { NodePortAllocator, parsePortRange } from './node-port.js';

/** memoryStorage is a fake Storage with compare-and-swap semantics over a Map (unit tests only). */
function memoryStorage(): Storage & { writes: number } {
  const data = new Map<string, StoredKV>();
  let rev = 1;
  const outcome = (ok: boolean, key: string): WriteOutcome => {
    const current = data.get(key);
    return { succeeded: ok, revision: rev, ...(!ok && current ? { current } : {}) };
  };
  const s = {
    writes: 0,
    currentRevision: async () => rev,
    get: async (key: string) => ({ revision: rev, ...(data.has(key) ? { kv: data.get(key) as StoredKV } : {}) }),
    list: async () => ({ kvs: [], revision: rev, more: false }),
    create: async (key: string, value: string) => {
      if (data.has(key)) return outcome(false, key);
      rev++;
      s.writes++;
      data.set(key, { key, value: Buffer.from(value), modRevision: rev, createRevision: rev });
      return outcome(true, key);
    },
    update: async (key: string, value: string, mod: number) => {
      const cur = data.get(key);
      if (!cur || cur.modRevision !== mod) return outcome(false, key);
      rev++;
      s.writes++;
      data.set(key, { ...cur, value: Buffer.from(value), modRevision: rev });
      return outcome(true, key);
    },
    delete: async (key: string) => outcome(data.delete(key), key),
    watch: () => ({ requestProgress() {}, close() {} }),
    compact: async () => {},
    close: async () => {},
  };
  return s;
}

describe('Bitmap', () => {
  it('round-trips through its compact encoding', () => {
    const bm = new Bitmap(1 << 20);
    bm.set(5);
    bm.set(1 << 19);
    const back = Bitmap.decode(1 << 20, bm.encode());
    expect([back.has(5), back.has(1 << 19), back.has(6), back.count()]).toEqual([true, true, false, 2]);
    expect(bm.encode().length).toBeLessThan(1000);
  });
});

describe('ClusterIPAllocator', () => {
  it('parses ranges', () => {
    expect(parseCIDR('10.96.0.0/12')).toEqual({ base: (10 << 24) + (96 << 16), size: 1 << 20 });
    expect(parsePortRange('30000-32767')).toEqual({ lo: 30000, hi: 32767 });
  });

  it('never hands out .1 or .10 dynamically, and gives them when asked', async () => {
    const alloc = new ClusterIPAllocator(memoryStorage(), '10.96.0.0/28');
    const got = new Set<string>();
    for (let i = 0; i < 12; i++) got.add(await alloc.allocate(undefined, false));
    expect(got.has('10.96.0.1')).toBe(false);
    expect(got.has('10.96.0.10')).toBe(false);
    expect(got.size).toBe(12);
    await expect(alloc.allocate(undefined, false)).rejects.toThrow('range is full');
    expect(await alloc.allocate('10.96.0.10', false)).toBe('10.96.0.10');
  });

  it('rejects taken and out-of-range addresses with upstream messages', async () => {
    const alloc = new ClusterIPAllocator(memoryStorage(), '10.96.0.0/12');
    await alloc.allocate('10.96.0.1', false);
    await expect(alloc.allocate('10.96.0.1', false)).rejects.toThrow('provided IP is already allocated');
    const err = await alloc.allocate('10.0.0.1', false).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AllocationError);
    expect((err as Error).message).toBe('provided IP (10.0.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12');
  });

  it('allocates nothing durable on dryRun and frees on release', async () => {
    const storage = memoryStorage();
    const alloc = new ClusterIPAllocator(storage, '10.96.0.0/12');
    await alloc.allocate('10.96.0.50', true);
    expect(storage.writes).toBe(0);
    await alloc.allocate('10.96.0.50', false);
    expect(await alloc.isAllocated('10.96.0.50')).toBe(true);
    await alloc.release('10.96.0.50');
    expect(await alloc.isAllocated('10.96.0.50')).toBe(false);
  });
});

describe('NodePortAllocator', () => {
  it('allocates random and explicit ports in one write and rejects duplicates', async () => {
    const storage = memoryStorage();
    const alloc = new NodePortAllocator(storage, '30000-30004');
    const ports = await alloc.allocate([undefined, 30002, undefined], false);
    expect(storage.writes).toBe(1);
    expect(ports[1]).toBe(30002);
    expect(new Set(ports).size).toBe(3);
    await expect(alloc.allocate([30002], false)).rejects.toThrow('provided port is already allocated');
    await expect(alloc.allocate([80], false)).rejects.toThrow('provided port is not in the valid range. The range of valid ports is 30000-30004');
    await alloc.allocate([undefined, undefined], false);
    await expect(alloc.allocate([undefined], false)).rejects.toThrow('range is full');
    await alloc.release([30002]);
    expect(await alloc.allocate([undefined], false)).toEqual([30002]);
  });
});
