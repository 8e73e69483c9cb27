import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isNetworkError } from './errors.js';
import { HostLocalIpam } from './ipam.js';

describe('HostLocalIpam', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nk-ipam-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('hands out addresses after the gateway, one per owner, idempotently', async () => {
    const ipam = new HostLocalIpam({ dir, subnet: '10.244.1.0/24' });
    expect(await ipam.allocate('pod-a')).toBe('10.244.1.2');
    expect(await ipam.allocate('pod-b')).toBe('10.244.1.3');
    expect(await ipam.allocate('pod-a')).toBe('10.244.1.2');
    expect(await ipam.list()).toEqual([
      { ip: '10.244.1.2', owner: 'pod-a' },
      { ip: '10.244.1.3', owner: 'pod-b' },
    ]);
  });

  it('gives one address to concurrent requests of the same owner', async () => {
    const ipam = new HostLocalIpam({ dir, subnet: '10.244.1.0/24' });
    const ips = await Promise.all([ipam.allocate('pod-a'), ipam.allocate('pod-a'), ipam.allocate('pod-b')]);
    expect(ips[0]).toBe(ips[1]);
    expect(new Set(ips).size).toBe(2);
  });

  it('releases by owner and hands addresses out round-robin rather than reusing the freed one at once', async () => {
    const ipam = new HostLocalIpam({ dir, subnet: '10.244.1.0/24' });
    await ipam.allocate('pod-a');
    await ipam.allocate('pod-b');
    expect(await ipam.release('pod-a')).toEqual(['10.244.1.2']);
    expect(await ipam.release('pod-a')).toEqual([]);
    expect(await ipam.allocate('pod-c')).toBe('10.244.1.4');
  });

  it('recovers its allocations after a restart and frees those of pods that are gone', async () => {
    const before = new HostLocalIpam({ dir, subnet: '10.244.1.0/24' });
    await before.allocate('pod-a');
    await before.allocate('pod-b');
    await before.allocate('pod-c');

    // A new instance (a restarted kubelet) sees the same allocations and continues after the last one.
    const after = new HostLocalIpam({ dir, subnet: '10.244.1.0/24' });
    expect(await after.allocate('pod-b')).toBe('10.244.1.3');
    expect(await after.allocate('pod-d')).toBe('10.244.1.5');
    const freed = await after.releaseExcept(new Set(['pod-b', 'pod-d']));
    expect(freed.map((a) => a.owner).sort()).toEqual(['pod-a', 'pod-c']);
    expect((await after.list()).map((a) => a.owner)).toEqual(['pod-b', 'pod-d']);
  });

  it('wraps around and fails with MK_ERR_NET_RANGE_EXHAUSTED when every address is taken', async () => {
    // A /29 has 8 addresses: network .0, gateway .1, broadcast .7 leave .2-.6 for pods.
    const ipam = new HostLocalIpam({ dir, subnet: '10.244.9.0/29' });
    const ips: string[] = [];
    for (let i = 0; i < 5; i++) ips.push(await ipam.allocate(`pod-${i}`));
    expect(ips).toEqual(['10.244.9.2', '10.244.9.3', '10.244.9.4', '10.244.9.5', '10.244.9.6']);
    const err = await ipam.allocate('pod-x').catch((e: unknown) => e);
    expect(isNetworkError(err, 'MK_ERR_NET_RANGE_EXHAUSTED')).toBe(true);
    await ipam.release('pod-1');
    expect(await ipam.allocate('pod-x')).toBe('10.244.9.3');
  });

  it('keeps each subnet apart and never hands out two owners the same address across instances', async () => {
    const a = new HostLocalIpam({ dir, subnet: '10.244.1.0/24' });
    const b = new HostLocalIpam({ dir, subnet: '10.244.1.0/24' });
    const ips = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).allocate(`pod-${i}`)));
    expect(new Set(ips).size).toBe(20);
    const other = new HostLocalIpam({ dir, subnet: '10.244.2.0/24' });
    expect(await other.allocate('pod-0')).toBe('10.244.2.2');
    expect((await readdir(dir)).sort()).toEqual(['10.244.1.0_24', '10.244.2.0_24']);
  });

  it('rejects a subnet with host bits set', () => {
    expect(() => new HostLocalIpam({ dir, subnet: '10.244.1.5/24' })).toThrow(/host bits/);
  });
});
