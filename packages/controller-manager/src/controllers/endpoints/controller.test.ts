import { describe, expect, it } from 'vitest';
import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import { resources } from '@nanokube/client';
import { newTestContext } from '../../__tests__/fixture.js';
import { EndpointsController } from './controller.js';

function service(overrides: Partial<Service['spec']> = {}, name = 'web'): Service {
  return {
    metadata: { name, namespace: 'default', uid: `svc-${name}`, labels: { app: 'web' } },
    spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }], ...overrides },
  };
}

function pod(name: string, ip: string | undefined, opts: { ready?: boolean; deleting?: boolean; labels?: Record<string, string> } = {}): Pod {
  return {
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      labels: opts.labels ?? { app: 'web' },
      ...(opts.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}),
    },
    spec: { nodeName: 'worker01', containers: [{ name: 'c', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] }] },
    status: {
      phase: 'Running',
      ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}),
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
    },
  };
}

function setup(): ReturnType<typeof newTestContext> & { c: EndpointsController } {
  const t = newTestContext();
  return { ...t, c: new EndpointsController(t.ctx) };
}

describe('EndpointsController', () => {
  it('creates Endpoints with ready and not-ready addresses and resolves named ports', async () => {
    const { c, rest } = setup();
    c.serviceInformer.store.set(service());
    for (const p of [pod('b', '10.244.1.3'), pod('a', '10.244.1.2'), pod('nr', '10.244.2.2', { ready: false }), pod('noip', undefined), pod('gone', '10.244.1.9', { deleting: true }), pod('other', '10.244.1.7', { labels: { app: 'db' } })]) {
      c.podInformer.store.set(p);
    }
    await c.sync('default/web');
    const writes = rest.writes();
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({ verb: 'create', resource: 'endpoints', namespace: 'default' });
    const ep = writes[0]!.body as Endpoints;
    expect(ep.metadata?.name).toBe('web');
    expect(ep.metadata?.labels).toEqual({ app: 'web' });
    expect(ep.subsets).toEqual([
      {
        addresses: [
          { ip: '10.244.1.2', nodeName: 'worker01', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' } },
          { ip: '10.244.1.3', nodeName: 'worker01', targetRef: { kind: 'Pod', namespace: 'default', name: 'b', uid: 'uid-b' } },
        ],
        notReadyAddresses: [{ ip: '10.244.2.2', nodeName: 'worker01', targetRef: { kind: 'Pod', namespace: 'default', name: 'nr', uid: 'uid-nr' } }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ]);
  });

  it('updates only when the computed subsets differ', async () => {
    const { c, rest } = setup();
    c.serviceInformer.store.set(service());
    c.podInformer.store.set(pod('a', '10.244.1.2'));
    await c.sync('default/web');
    const created = rest.get<Endpoints>('endpoints', 'default', 'web')!;
    c.endpointsInformer.store.set(created);
    await c.sync('default/web');
    expect(rest.writes()).toHaveLength(1);
    c.podInformer.store.set(pod('a', '10.244.1.2', { ready: false }));
    await c.sync('default/web');
    const w = rest.writes();
    expect(w).toHaveLength(2);
    expect(w[1]).toMatchObject({ verb: 'update', name: 'web' });
    expect((w[1]!.body as Endpoints).subsets?.[0]?.addresses).toBeUndefined();
    expect((w[1]!.body as Endpoints).subsets?.[0]?.notReadyAddresses).toHaveLength(1);
  });

  it('lists every pod as ready with publishNotReadyAddresses and marks headless services', async () => {
    const { c, rest } = setup();
    c.serviceInformer.store.set(service({ clusterIP: 'None', publishNotReadyAddresses: true, ports: [] }));
    c.podInformer.store.set(pod('a', '10.244.1.2', { ready: false }));
    await c.sync('default/web');
    const ep = rest.writes()[0]!.body as Endpoints;
    expect(ep.metadata?.labels).toEqual({ app: 'web', 'service.kubernetes.io/headless': '' });
    expect(ep.subsets).toEqual([{ addresses: [expect.objectContaining({ ip: '10.244.1.2' })] }]);
  });

  it('deletes the Endpoints when the Service is gone', async () => {
    const { c, rest } = setup();
    const ep = rest.seed(resources.endpoints, { metadata: { name: 'web', namespace: 'default' } } as Endpoints);
    c.endpointsInformer.store.set(ep);
    await c.sync('default/web');
    expect(rest.writes()).toEqual([expect.objectContaining({ verb: 'delete', resource: 'endpoints', name: 'web' })]);
  });

  it('never touches selectorless services or the kubernetes service', async () => {
    const { c, rest } = setup();
    c.serviceInformer.store.set(service({ selector: {} }, 'manual'));
    c.serviceInformer.store.set(service({}, 'kubernetes'));
    c.podInformer.store.set(pod('a', '10.244.1.2'));
    await c.sync('default/manual');
    await c.sync('default/kubernetes');
    expect(rest.writes()).toEqual([]);
  });

  it('enqueues the services whose selector matches a changed pod', () => {
    const { c } = setup();
    c.serviceInformer.store.set(service());
    c.serviceInformer.store.set(service({ selector: { app: 'db' } }, 'db'));
    const handlers = (c.podInformer as unknown as { handlers: { onUpdate(o: Pod, n: Pod): void }[] }).handlers;
    handlers[0]!.onUpdate(pod('a', '10.244.1.2', { ready: false }), pod('a', '10.244.1.2'));
    expect(c.queue.len()).toBe(1);
  });
});
