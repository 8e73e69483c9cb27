import type { ConfigMap, Namespace, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { resources } from '@nanokube/client';
import { newTestContext } from '../../__tests__/fixture.js';
import { ServiceAccountsController } from './controller.js';
import { RootCaPublisher } from './root-ca-publisher.js';

describe('ServiceAccountsController', () => {
  it('creates the default service account in an active namespace', async () => {
    const { ctx, rest } = newTestContext();
    const c = new ServiceAccountsController(ctx);
    c.nsInformer.store.set({ metadata: { name: 'team' }, status: { phase: 'Active' } });
    await c.syncHandler('team');
    expect(rest.writes()).toEqual([expect.objectContaining({ verb: 'create', resource: 'serviceaccounts', namespace: 'team' })]);
    expect(rest.get<ServiceAccount>('serviceaccounts', 'team', 'default')).toBeDefined();
  });

  it('does nothing when it exists or the namespace is terminating', async () => {
    const { ctx, rest } = newTestContext();
    const c = new ServiceAccountsController(ctx);
    c.nsInformer.store.set({ metadata: { name: 'team' } });
    c.saInformer.store.set({ metadata: { name: 'default', namespace: 'team' } });
    c.nsInformer.store.set({ metadata: { name: 'gone', deletionTimestamp: '2024-01-01T00:00:00Z' } } as Namespace);
    await c.syncHandler('team');
    await c.syncHandler('gone');
    expect(rest.writes()).toEqual([]);
  });
});

describe('RootCaPublisher', () => {
  it('publishes and repairs kube-root-ca.crt', async () => {
    const { ctx, rest } = newTestContext();
    const c = new RootCaPublisher(ctx);
    c.setCa('PEM');
    c.nsInformer.store.set({ metadata: { name: 'team' } });
    await c.syncHandler('team');
    expect(rest.get<ConfigMap>('configmaps', 'team', 'kube-root-ca.crt')?.data).toEqual({ 'ca.crt': 'PEM' });
    c.cmInformer.store.set({ ...rest.get<ConfigMap>('configmaps', 'team', 'kube-root-ca.crt')!, data: { 'ca.crt': 'tampered' } });
    await c.syncHandler('team');
    expect(rest.writes().map((a) => a.verb)).toEqual(['create', 'update']);
  });
});
