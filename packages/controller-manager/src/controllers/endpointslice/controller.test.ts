import { describe, expect, it } from 'vitest';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import { newTestContext } from '../../__tests__/fixture.js';
import { EndpointSliceController } from './controller.js';

function service(overrides: Partial<Service['spec']> = {}): Service {
  return {
    metadata: { name: 'web', namespace: 'default', uid: 'svc-uid', labels: { app: 'web' } },
    spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }], ...overrides },
  };
}

function pod(name: string, ip: string, opts: { ready?: boolean; deleting?: boolean } = {}): Pod {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: { app: 'web' }, ...(opts.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) },
    spec: { nodeName: 'worker01', containers: [{ name: 'c', image: 'nginx' }] },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
}

function setup(): ReturnType<typeof newTestContext> & { c: EndpointSliceController } {
  const t = newTestContext();
  return { ...t, c: new EndpointSliceController(t.ctx) };
}

/** observe copies what the fake server stores into the slice cache, as the informer would. */
function observe(t: ReturnType<typeof setup>): void {
  for (const [k, o] of t.rest.objects) if (k.startsWith('endpointslices/')) t.c.sliceInformer.store.set(o as EndpointSlice);
}

describe('EndpointSliceController', () => {
  it('creates a labelled, owned slice with ready, serving and terminating conditions', async () => {
    const t = setup();
    t.c.serviceInformer.store.set(service());
    for (const p of [pod('a', '10.244.1.2'), pod('b', '10.244.1.3', { ready: false }), pod('c', '10.244.1.4', { deleting: true })]) t.c.podInformer.store.set(p);
    await t.c.sync('default/web');
    const w = t.rest.writes();
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ verb: 'create', resource: 'endpointslices', namespace: 'default' });
    const s = w[0]!.body as EndpointSlice;
    expect(s.metadata?.generateName).toBe('web-');
    expect(s.metadata?.labels).toEqual({
      app: 'web',
      'kubernetes.io/service-name': 'web',
      'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
    });
    expect(s.metadata?.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true }]);
    expect(s.addressType).toBe('IPv4');
    expect(s.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(s.endpoints.map((e) => [e.addresses[0], e.conditions])).toEqual([
      ['10.244.1.2', { ready: true, serving: true, terminating: false }],
      ['10.244.1.3', { ready: false, serving: false, terminating: false }],
      ['10.244.1.4', { ready: false, serving: true, terminating: true }],
    ]);
    expect(s.endpoints[0]).toMatchObject({ nodeName: 'worker01', targetRef: { kind: 'Pod', name: 'a', uid: 'uid-a' } });
  });

  it('keeps an empty placeholder slice for a service without pods and fills it later', async () => {
    const t = setup();
    t.c.serviceInformer.store.set(service());
    await t.c.sync('default/web');
    expect((t.rest.writes()[0]!.body as EndpointSlice).endpoints).toEqual([]);
    observe(t);
    await t.c.sync('default/web');
    expect(t.rest.writes()).toHaveLength(1);
    t.c.podInformer.store.set(pod('a', '10.244.1.2'));
    await t.c.sync('default/web');
    const w = t.rest.writes();
    expect(w).toHaveLength(2);
    expect(w[1]).toMatchObject({ verb: 'update', resource: 'endpointslices' });
    expect((w[1]!.body as EndpointSlice).endpoints).toHaveLength(1);
  });

  it('refuses to act on a cache that has not seen its own writes', async () => {
    const t = setup();
    t.c.serviceInformer.store.set(service());
    await t.c.sync('default/web');
    await expect(t.c.sync('default/web')).rejects.toThrow(/out of date/);
    expect(t.rest.writes()).toHaveLength(1);
    observe(t);
    await t.c.sync('default/web');
    expect(t.rest.writes()).toHaveLength(1);
  });

  it('splits more than 100 endpoints over several slices', async () => {
    const t = setup();
    t.c.serviceInformer.store.set(service());
    for (let i = 0; i < 150; i++) t.c.podInformer.store.set(pod(`p${i}`, `10.244.${Math.floor(i / 200)}.${i + 1}`));
    await t.c.sync('default/web');
    const sizes = t.rest.writes().map((w) => (w.body as EndpointSlice).endpoints.length);
    expect(sizes).toEqual([100, 50]);
  });

  it('reuses the slice of a previous port set instead of creating another', async () => {
    const t = setup();
    t.c.serviceInformer.store.set(service());
    t.c.podInformer.store.set(pod('a', '10.244.1.2'));
    await t.c.sync('default/web');
    observe(t);
    t.c.serviceInformer.store.set(service({ ports: [{ name: 'http', port: 80, targetPort: 9090, protocol: 'TCP' }] }));
    await t.c.sync('default/web');
    expect(t.rest.writes().map((w) => w.verb)).toEqual(['create', 'update']);
    expect((t.rest.writes()[1]!.body as EndpointSlice).ports).toEqual([{ name: 'http', port: 9090, protocol: 'TCP' }]);
  });
});
