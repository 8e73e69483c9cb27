import { describe, expect, it, vi } from 'vitest';
import type { ConfigMap, Secret } from 'kubernetes-types/core/v1.js';
import { resources } from '@nanokube/client';
import { clusterInfoConfigMap, parseToken, tokenSecret, verifyDetachedSignature } from '@nanokube/kubeadm';
import { newTestContext } from '../../__tests__/fixture.js';
import { BootstrapSigner } from './controller.js';

const secretPart = '0123456789abcdef';

function token(id: string, opts: { ttlMs?: number; now: Date; usages?: string[] }): Secret {
  return tokenSecret({ token: parseToken(`${id}.${secretPart}`), ttlMs: opts.ttlMs ?? 0, now: opts.now, ...(opts.usages ? { usages: opts.usages } : {}) }) as Secret;
}

function setup(): ReturnType<typeof newTestContext> & { c: BootstrapSigner; now: Date } {
  const t = newTestContext();
  const c = new BootstrapSigner(t.ctx);
  const cm = t.rest.seed(resources.configmaps, clusterInfoConfigMap('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', 'https://127.0.0.1:6443') as ConfigMap);
  c.cmInformer.store.set(cm);
  return { ...t, c, now: new Date(t.clock.now()) };
}

describe('BootstrapSigner', () => {
  it('signs cluster-info for each valid signing token only', async () => {
    const t = setup();
    const add = (s: Secret): void => void t.c.secretInformer.store.set(t.rest.seed(resources.secrets, s));
    add(token('signer', { now: t.now, ttlMs: 3_600_000 }));
    add(token('authon', { now: t.now, usages: ['authentication'] }));
    add(token('expird', { now: new Date(t.now.getTime() - 7_200_000), ttlMs: 3_600_000 }));
    const timers = vi.spyOn(t.clock, 'setTimeout');
    await t.c.sync('cluster-info');
    const w = t.rest.writes();
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ verb: 'update', resource: 'configmaps', namespace: 'kube-public', name: 'cluster-info' });
    const data = (w[0]!.body as ConfigMap).data!;
    expect(Object.keys(data).sort()).toEqual(['jws-kubeconfig-signer', 'kubeconfig']);
    expect(verifyDetachedSignature(data['jws-kubeconfig-signer']!, data['kubeconfig']!, 'signer', secretPart)).toBe(true);
    // It comes back when the signing token expires.
    expect(timers.mock.calls.map((c) => c[1])).toEqual([3_600_001]);
  });

  it('leaves a correctly signed cluster-info alone and drops the signature of a deleted token', async () => {
    const t = setup();
    const s = t.rest.seed(resources.secrets, token('signer', { now: t.now }));
    t.c.secretInformer.store.set(s);
    await t.c.sync('cluster-info');
    t.c.cmInformer.store.set(t.rest.get<ConfigMap>('configmaps', 'kube-public', 'cluster-info')!);
    await t.c.sync('cluster-info');
    expect(t.rest.writes()).toHaveLength(1);
    t.c.secretInformer.store.delete('kube-system/bootstrap-token-signer');
    await t.c.sync('cluster-info');
    expect(Object.keys(t.rest.get<ConfigMap>('configmaps', 'kube-public', 'cluster-info')!.data!)).toEqual(['kubeconfig']);
  });

  it('does nothing without cluster-info', async () => {
    const t = newTestContext();
    const c = new BootstrapSigner(t.ctx);
    c.secretInformer.store.set(t.rest.seed(resources.secrets, token('signer', { now: new Date(t.clock.now()) })));
    await c.sync('cluster-info');
    expect(t.rest.writes()).toEqual([]);
  });
});
