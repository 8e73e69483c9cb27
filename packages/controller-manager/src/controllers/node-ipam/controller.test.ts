import type { Node } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { resources } from '@nanokube/client';
import { newTestContext } from '../../__tests__/fixture.js';
import { CidrSet, parseCidr } from './cidr.js';
import { NodeIpamController } from './controller.js';

describe('CidrSet', () => {
  it('carves /24s out of a /16', () => {
    const set = new CidrSet(parseCidr('10.244.0.0/16')!, 24);
    expect(set.count).toBe(256);
    expect(set.subnet(0)).toBe('10.244.0.0/24');
    expect(set.subnet(255)).toBe('10.244.255.0/24');
    expect(set.indexOf('10.244.7.0/24')).toBe(7);
    expect(set.indexOf('10.245.0.0/24')).toBeUndefined();
    expect(set.firstFree(new Set(['10.244.0.0/24', '10.244.1.0/24']))).toBe('10.244.2.0/24');
  });
});

describe('NodeIpamController', () => {
  function setup(nodes: Node[]) {
    const f = newTestContext();
    const c = new NodeIpamController(f.ctx);
    for (const n of nodes) c.nodeInformer.store.set(f.rest.seed(resources.nodes, n));
    return { ...f, c };
  }

  it('gives a new node the first CIDR no existing node holds', async () => {
    const { c, rest } = setup([
      { metadata: { name: 'master' }, spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] } },
      { metadata: { name: 'worker01' }, spec: {} },
    ]);
    await c.syncHandler('worker01');
    expect(rest.get<Node>('nodes', undefined, 'worker01')!.spec).toEqual({ podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] });
    await c.syncHandler('master');
    expect(rest.writes()).toHaveLength(1);
  });

  it('does not hand the same CIDR to two nodes while the cache lags', async () => {
    const { c, rest } = setup([{ metadata: { name: 'a' } }, { metadata: { name: 'b' } }]);
    await c.syncHandler('a');
    await c.syncHandler('b');
    const cidrs = ['a', 'b'].map((n) => rest.get<Node>('nodes', undefined, n)!.spec?.podCIDR);
    expect(cidrs).toEqual(['10.244.0.0/24', '10.244.1.0/24']);
  });
});
