import { describe, expect, it } from 'vitest';
import type { Service } from 'kubernetes-types/core/v1.js';
import { resources } from '@nanokube/client';
import { newTestContext, settle } from '../../__tests__/fixture.js';
import { ServiceLBController } from './controller.js';
import { parsePoolConfig, poolFromAddresses } from './pools.js';

function lb(name: string, opts: { ip?: string; type?: string; annotations?: Record<string, string>; loadBalancerIP?: string; cls?: string } = {}): Service {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '1', ...(opts.annotations ? { annotations: opts.annotations } : {}) },
    spec: {
      type: opts.type ?? 'LoadBalancer',
      ports: [{ port: 80 }],
      ...(opts.loadBalancerIP ? { loadBalancerIP: opts.loadBalancerIP } : {}),
      ...(opts.cls ? { loadBalancerClass: opts.cls } : {}),
    },
    status: { loadBalancer: opts.ip ? { ingress: [{ ip: opts.ip, ipMode: 'VIP' }] } : {} },
  };
}

function setup(ranges = ['192.168.56.200-192.168.56.202']): ReturnType<typeof newTestContext> & { c: ServiceLBController } {
  const t = newTestContext({ lbAddressPools: ranges });
  return { ...t, c: new ServiceLBController(t.ctx) };
}

/** put stores a Service on the fake server and in the cache. */
function put(t: ReturnType<typeof setup>, svc: Service): void {
  t.c.serviceInformer.store.set(t.rest.seed(resources.services, svc));
}

function statusWrites(t: ReturnType<typeof setup>): { name?: string; ingress: unknown }[] {
  return t.rest
    .writes()
    .filter((w) => w.subresource === 'status')
    .map((w) => ({ ...(w.name ? { name: w.name } : {}), ingress: (w.body as Service).status?.loadBalancer?.ingress }));
}

describe('ServiceLBController', () => {
  it('assigns the first free address of the pool through the status subresource', async () => {
    const t = setup();
    put(t, lb('taken', { ip: '192.168.56.200' }));
    put(t, lb('web'));
    await t.c.sync('default/web');
    expect(statusWrites(t)).toEqual([{ name: 'web', ingress: [{ ip: '192.168.56.201', ipMode: 'VIP' }] }]);
    await settle();
    expect(t.rest.actions.find((a) => a.resource === 'events')?.body).toMatchObject({ reason: 'IPAllocated', message: 'Assigned IP ["192.168.56.201"]' });
  });

  it('keeps an address already held and does not hand it out twice before the cache catches up', async () => {
    const t = setup();
    put(t, lb('a', { ip: '192.168.56.200' }));
    await t.c.sync('default/a');
    expect(statusWrites(t)).toEqual([]);
    put(t, lb('b'));
    put(t, lb('c'));
    await t.c.sync('default/b');
    await t.c.sync('default/c');
    expect(statusWrites(t).map((w) => w.ingress)).toEqual([[{ ip: '192.168.56.201', ipMode: 'VIP' }], [{ ip: '192.168.56.202', ipMode: 'VIP' }]]);
  });

  it('honours a requested address and reports an exhausted pool', async () => {
    const t = setup(['192.168.56.200/32']);
    put(t, lb('want', { annotations: { 'metallb.universe.tf/loadBalancerIPs': '192.168.56.200' } }));
    put(t, lb('late'));
    await t.c.sync('default/want');
    await t.c.sync('default/late');
    expect(statusWrites(t)).toEqual([{ name: 'want', ingress: [{ ip: '192.168.56.200', ipMode: 'VIP' }] }]);
    await settle();
    const ev = t.rest.actions.filter((a) => a.resource === 'events').map((a) => a.body as { reason: string; message: string });
    expect(ev).toContainEqual(expect.objectContaining({ reason: 'AllocationFailed', message: 'Failed to allocate IP for "default/late": no available IPs' }));
  });

  it('releases the address when the service stops being a LoadBalancer and leaves classed services alone', async () => {
    const t = setup();
    put(t, lb('web', { ip: '192.168.56.200', type: 'ClusterIP' }));
    put(t, lb('other', { cls: 'example.com/lb' }));
    await t.c.sync('default/web');
    await t.c.sync('default/other');
    expect(statusWrites(t)).toEqual([{ name: 'web', ingress: undefined }]);
  });

  it('reuses a released address after the service is deleted', async () => {
    const t = setup(['192.168.56.200/32']);
    put(t, lb('a'));
    await t.c.sync('default/a');
    t.c.serviceInformer.store.delete('default/a');
    put(t, lb('b'));
    await t.c.sync('default/a');
    expect(t.c.queue.len()).toBe(1);
    await t.c.sync('default/b');
    expect(statusWrites(t).map((w) => w.name)).toEqual(['a', 'b']);
  });
});

describe('parsePoolConfig', () => {
  it('reads IPAddressPool documents and the legacy ConfigMap shape', () => {
    const pools = parsePoolConfig(`
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: first-pool, namespace: metallb-system }
spec:
  addresses: [192.168.56.200-192.168.56.210, 10.0.0.0/30]
  avoidBuggyIPs: true
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: { name: l2 }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: config, namespace: metallb-system }
data:
  config: |
    address-pools:
    - name: default
      protocol: layer2
      auto-assign: false
      addresses:
      - 192.168.56.240-192.168.56.250
`);
    expect(pools.map((p) => [p.name, p.ranges.length, p.autoAssign, p.avoidBuggyIPs])).toEqual([
      ['first-pool', 2, true, true],
      ['default', 1, false, false],
    ]);
    expect(pools[0]!.ranges[1]).toEqual([167772160, 167772163]);
  });

  it('rejects a malformed range', () => {
    expect(() => poolFromAddresses('x', ['192.168.56.250-192.168.56.200'])).toThrow(/invalid IP range/);
  });
});
