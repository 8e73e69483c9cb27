import { describe, expect, it } from 'vitest';
import type { Service } from 'kubernetes-types/core/v1.js';
import { createLogger } from '@nanokube/component-base';
import { l2Node, l2Service } from './__tests__/builders.js';
import { addressLabel, parseAddrJson, type Addresses, type InterfaceAddress } from './addresses.js';
import { cleanupAnnouncedAddresses, L2Announcer, nodeAssignedMessage } from './announcer.js';
import { pickOwner } from './owner.js';

const log = createLogger({ component: 'test', level: 'silent' });

/** FakeAddresses keeps interface addresses in memory and records every call. */
class FakeAddresses implements Addresses {
  addrs: InterfaceAddress[] = [{ iface: 'eth1', ip: '10.0.0.5', prefixLength: 24, label: 'eth1' }];
  calls: string[] = [];
  failAdd = false;

  list(): Promise<InterfaceAddress[]> {
    return Promise.resolve(this.addrs.map((a) => ({ ...a })));
  }
  add(iface: string, ip: string): Promise<void> {
    this.calls.push(`add ${ip}`);
    if (this.failAdd) return Promise.reject(new Error('boom'));
    if (!this.addrs.some((a) => a.iface === iface && a.ip === ip)) this.addrs.push({ iface, ip, prefixLength: 32, label: addressLabel(iface) ?? iface });
    return Promise.resolve();
  }
  remove(iface: string, ip: string): Promise<void> {
    this.calls.push(`del ${ip}`);
    this.addrs = this.addrs.filter((a) => !(a.iface === iface && a.ip === ip));
    return Promise.resolve();
  }
  announce(_iface: string, ip: string): Promise<void> {
    this.calls.push(`arp ${ip}`);
    return Promise.resolve();
  }
}

const names = ['worker01', 'worker02', 'worker03'];
const ips = Array.from({ length: 12 }, (_, i) => `192.168.56.${200 + i}`);
const state = (services: Service[], down: string[] = []) => ({
  services,
  nodes: names.map((n) => l2Node(n, down.includes(n) ? 'Unknown' : 'True')),
  slicesOf: () => [],
});

function announcer(nodeName: string, addrs = new FakeAddresses()) {
  const events: { name: string | undefined; kind: string | undefined; reason: string; message: string }[] = [];
  const a = new L2Announcer({
    nodeName,
    iface: 'eth1',
    addresses: addrs,
    log,
    events: { event: (svc, _type, reason, message) => events.push({ name: svc.metadata?.name, kind: svc.kind, reason, message }) },
  });
  return { a, addrs, events };
}

describe('L2Announcer', () => {
  it('holds exactly the addresses this node owns, sends gratuitous ARP once and records nodeAssigned', async () => {
    const services = ips.map((ip, i) => l2Service(`svc${i}`, [ip]));
    const all = names.map((n) => announcer(n));
    for (const { a } of all) await a.sync(state(services));
    for (const ip of ips) {
      const holders = all.filter(({ a }) => a.heldAddresses().includes(ip));
      expect(holders).toHaveLength(1);
    }
    const w1 = all[0] as ReturnType<typeof announcer>;
    const mine = ips.filter((ip) => pickOwner(ip, names) === 'worker01');
    expect(w1.a.heldAddresses()).toEqual(mine);
    expect(w1.addrs.calls.filter((c) => c.startsWith('arp')).sort()).toEqual(mine.map((ip) => `arp ${ip}`).sort());
    expect(w1.events).toHaveLength(mine.length);
    expect(w1.events[0]).toMatchObject({ kind: 'Service', reason: 'nodeAssigned', message: nodeAssignedMessage('worker01') });
    expect(nodeAssignedMessage('worker02')).toBe('announcing from node "worker02" with protocol "layer2"');

    // A second sync with nothing changed touches nothing and records nothing new.
    w1.addrs.calls = [];
    const again = await w1.a.sync(state(services));
    expect(again).toEqual({ added: [], removed: [], held: mine });
    expect(w1.addrs.calls).toEqual([]);
    expect(w1.events).toHaveLength(mine.length);
  });

  it('gives up the addresses when its node goes NotReady and takes over those of a failed node', async () => {
    const services = ips.map((ip, i) => l2Service(`svc${i}`, [ip]));
    const w1 = announcer('worker01');
    const w2 = announcer('worker02');
    await w1.a.sync(state(services));
    await w2.a.sync(state(services));
    const owned1 = w1.a.heldAddresses();
    expect(owned1.length).toBeGreaterThan(0);
    const r1 = await w1.a.sync(state(services, ['worker01']));
    expect(r1.removed).toEqual(owned1);
    expect(r1.held).toEqual([]);
    const r2 = await w2.a.sync(state(services, ['worker01']));
    const expected = ips.filter((ip) => pickOwner(ip, ['worker02', 'worker03']) === 'worker02');
    expect(r2.held).toEqual(expected);
    expect(r2.added).toEqual(owned1.filter((ip) => expected.includes(ip)));
  });

  it('re-adds an owned address someone deleted and adopts and drops leftovers of a previous run', async () => {
    const ip = ips.find((x) => pickOwner(x, names) === 'worker01') as string;
    const stale = ips.find((x) => pickOwner(x, names) !== 'worker01') as string;
    const { a, addrs } = announcer('worker01');
    addrs.addrs.push({ iface: 'eth1', ip: stale, prefixLength: 32, label: 'eth1:nklb' });
    const first = await a.sync(state([l2Service('web', [ip]), l2Service('other', [stale])]));
    expect(first).toEqual({ added: [ip], removed: [stale], held: [ip] });
    await addrs.remove('eth1', ip);
    expect((await a.sync(state([l2Service('web', [ip])]))).added).toEqual([ip]);
  });

  it('retries a failed add on the next sync and cleanup removes everything it added, not other addresses', async () => {
    const ip = ips.find((x) => pickOwner(x, names) === 'worker01') as string;
    const { a, addrs } = announcer('worker01');
    addrs.failAdd = true;
    await expect(a.sync(state([l2Service('web', [ip])]))).rejects.toThrow('boom');
    expect(a.heldAddresses()).toEqual([]);
    addrs.failAdd = false;
    expect((await a.sync(state([l2Service('web', [ip])]))).held).toEqual([ip]);
    expect(await a.cleanup()).toEqual([ip]);
    expect(addrs.addrs.map((x) => x.ip)).toEqual(['10.0.0.5']);
  });
});

describe('cleanupAnnouncedAddresses', () => {
  it('removes only labelled /32 addresses', async () => {
    const addrs = new FakeAddresses();
    addrs.addrs.push(
      { iface: 'eth1', ip: '192.168.56.200', prefixLength: 32, label: 'eth1:nklb' },
      { iface: 'eth0', ip: '192.168.56.201', prefixLength: 32, label: 'eth0:nklb' },
      { iface: 'eth0', ip: '192.168.56.202', prefixLength: 32, label: 'eth0' },
    );
    expect(await cleanupAnnouncedAddresses(addrs)).toEqual(['192.168.56.200', '192.168.56.201']);
    expect(addrs.addrs.map((a) => a.ip)).toEqual(['10.0.0.5', '192.168.56.202']);
  });
});

describe('parseAddrJson', () => {
  it('reads interface, address, prefix and label from ip -j output', () => {
    const text = JSON.stringify([
      { ifindex: 1, ifname: 'lo', addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8, label: 'lo' }] },
      { ifindex: 2, ifname: 'eth0', addr_info: [{ family: 'inet', local: '192.168.56.200', prefixlen: 32, label: 'eth0:nklb' }, { family: 'inet6', local: 'fe80::1', prefixlen: 64 }] },
    ]);
    expect(parseAddrJson(text)).toEqual([
      { iface: 'lo', ip: '127.0.0.1', prefixLength: 8, label: 'lo' },
      { iface: 'eth0', ip: '192.168.56.200', prefixLength: 32, label: 'eth0:nklb' },
    ]);
    expect(addressLabel('enp0s8')).toBe('enp0s8:nklb');
    expect(addressLabel('averylongname1')).toBeUndefined();
  });
});
