import { describe, expect, it, vi } from 'vitest';
import type { Secret } from 'kubernetes-types/core/v1.js';
import { resources } from '@nanokube/client';
import { parseToken, rfc3339, tokenSecret } from '@nanokube/kubeadm';
import { newTestContext } from '../../__tests__/fixture.js';
import { TokenCleaner } from './controller.js';

function token(id: string, ttlMs: number, now: Date): Secret {
  return tokenSecret({ token: parseToken(`${id}.0123456789abcdef`), ttlMs, now }) as Secret;
}

describe('TokenCleaner', () => {
  it('deletes an expired token Secret with its uid as precondition', async () => {
    const t = newTestContext();
    const c = new TokenCleaner(t.ctx);
    const now = new Date(t.clock.now());
    const s = t.rest.seed(resources.secrets, token('abcdef', 60_000, new Date(now.getTime() - 120_000)));
    c.secretInformer.store.set(s);
    await c.sync('kube-system/bootstrap-token-abcdef');
    expect(t.rest.writes()).toEqual([
      expect.objectContaining({ verb: 'delete', resource: 'secrets', namespace: 'kube-system', name: 'bootstrap-token-abcdef', body: expect.objectContaining({ preconditions: { uid: s.metadata?.uid } }) }),
    ]);
  });

  it('requeues a live token for its expiry and leaves never-expiring and foreign Secrets alone', async () => {
    const t = newTestContext();
    const c = new TokenCleaner(t.ctx);
    const timers = vi.spyOn(t.clock, 'setTimeout');
    const now = new Date(t.clock.now());
    c.secretInformer.store.set(t.rest.seed(resources.secrets, token('live01', 3_600_000, now)));
    c.secretInformer.store.set(t.rest.seed(resources.secrets, token('never1', 0, now)));
    const expired = { ...token('other1', 1, new Date(0)), metadata: { name: 'bootstrap-token-other1', namespace: 'default' } };
    c.secretInformer.store.set(t.rest.seed(resources.secrets, expired));
    await c.sync('kube-system/bootstrap-token-live01');
    await c.sync('kube-system/bootstrap-token-never1');
    await c.sync('default/bootstrap-token-other1');
    expect(t.rest.writes()).toEqual([]);
    expect(timers.mock.calls.map((call) => call[1])).toEqual([3_600_000]);
    // At the expiry instant it goes.
    t.clock.ms = Date.parse(rfc3339(new Date(now.getTime() + 3_600_000)));
    await c.sync('kube-system/bootstrap-token-live01');
    expect(t.rest.writes().map((w) => w.name)).toEqual(['bootstrap-token-live01']);
  });
});
