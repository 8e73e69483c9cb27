import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { l2Node, l2Service, l2Slice } from './__tests__/builders.js';
import { announcedIPs, computeAnnouncements, excludeFromLoadBalancersLabel, pickOwner } from './owner.js';

const names = ['worker01', 'worker02', 'worker03'];
const noSlices = (): never[] => [];

/** The MetalLB rule written out independently: sort by the hex of sha256(node#ip). */
function expectedOwner(ip: string, nodes: string[]): string | undefined {
  return [...nodes].sort((a, b) => {
    const ha = createHash('sha256').update(`${a}#${ip}`).digest('hex');
    const hb = createHash('sha256').update(`${b}#${ip}`).digest('hex');
    return ha < hb ? -1 : ha > hb ? 1 : 0;
  })[0];
}

describe('pickOwner', () => {
  it('picks the node with the smallest sha256(node#ip), whatever the input order', () => {
    for (let i = 200; i < 220; i++) {
      const ip = `192.168.56.${i}`;
      const want = expectedOwner(ip, names);
      expect(pickOwner(ip, names)).toBe(want);
      expect(pickOwner(ip, [...names].reverse())).toBe(want);
    }
  });

  it('spreads addresses over the nodes and returns undefined without candidates', () => {
    const owners = new Set(Array.from({ length: 30 }, (_, i) => pickOwner(`192.168.56.${200 + i}`, names)));
    expect(owners).toEqual(new Set(names));
    expect(pickOwner('192.168.56.200', [])).toBeUndefined();
  });
});

describe('computeAnnouncements', () => {
  const ip = '192.168.56.201';

  it('gives every address one owner among the Ready nodes, the same for every caller', () => {
    const nodes = names.map((n) => l2Node(n));
    const [a] = computeAnnouncements([l2Service('web', [ip])], nodes, noSlices);
    expect(a?.ip).toBe(ip);
    expect(a?.owner).toBe(expectedOwner(ip, names));
    expect(computeAnnouncements([l2Service('web', [ip])], [...nodes].reverse(), noSlices)[0]?.owner).toBe(a?.owner);
  });

  it('moves the address when the owner goes NotReady or Unknown, and back when it recovers', () => {
    const owner = expectedOwner(ip, names) as string;
    const others = names.filter((n) => n !== owner);
    for (const status of ['Unknown', 'False'] as const) {
      const nodes = names.map((n) => l2Node(n, n === owner ? status : 'True'));
      const moved = computeAnnouncements([l2Service('web', [ip])], nodes, noSlices)[0]?.owner;
      expect(moved).toBe(expectedOwner(ip, others));
      expect(moved).not.toBe(owner);
    }
    expect(computeAnnouncements([l2Service('web', [ip])], names.map((n) => l2Node(n)), noSlices)[0]?.owner).toBe(owner);
  });

  it('skips nodes excluded from external load balancers and nodes without conditions', () => {
    const owner = expectedOwner(ip, names) as string;
    const nodes = names.map((n) => (n === owner ? l2Node(n, 'True', { [excludeFromLoadBalancersLabel]: '' }) : l2Node(n)));
    nodes.push({ metadata: { name: 'fresh' } });
    expect(computeAnnouncements([l2Service('web', [ip])], nodes, noSlices)[0]?.owner).toBe(expectedOwner(ip, names.filter((n) => n !== owner)));
  });

  it('announces a Local-policy address only from a node with a ready local endpoint', () => {
    const svc = l2Service('web', [ip], { local: true });
    const nodes = names.map((n) => l2Node(n));
    // The hash winner has only a not-ready endpoint; worker with a ready one must win instead.
    const winner = expectedOwner(ip, names) as string;
    const other = names.find((n) => n !== winner) as string;
    const slices = [l2Slice('web', [{ node: winner, ready: false }, { node: other, ready: true }])];
    expect(computeAnnouncements([svc], nodes, () => slices)[0]?.owner).toBe(other);
    // The only ready endpoint is on a NotReady node: nobody announces.
    const down = names.map((n) => l2Node(n, n === other ? 'Unknown' : 'True'));
    expect(computeAnnouncements([svc], down, () => slices)[0]?.owner).toBeUndefined();
    // No endpoints at all: nobody announces.
    expect(computeAnnouncements([svc], nodes, noSlices)[0]?.owner).toBeUndefined();
  });

  it('lists a shared address once with all its Services', () => {
    const out = computeAnnouncements([l2Service('a', [ip]), l2Service('b', [ip, '192.168.56.202'])], names.map((n) => l2Node(n)), noSlices);
    expect(out.map((a) => [a.ip, a.services.map((s) => s.metadata?.name)])).toEqual([
      [ip, ['a', 'b']],
      ['192.168.56.202', ['b']],
    ]);
  });
});

describe('announcedIPs', () => {
  it('takes IPv4 ingress addresses of class-less LoadBalancer Services only', () => {
    expect(announcedIPs(l2Service('web', ['192.168.56.200', '192.168.56.200', 'fd00::1']))).toEqual(['192.168.56.200']);
    expect(announcedIPs(l2Service('web', ['192.168.56.200'], { lbClass: 'example.com/lb' }))).toEqual([]);
    const clusterIP = l2Service('web', ['192.168.56.200']);
    clusterIP.spec = { ...clusterIP.spec, type: 'ClusterIP' };
    expect(announcedIPs(clusterIP)).toEqual([]);
  });
});
