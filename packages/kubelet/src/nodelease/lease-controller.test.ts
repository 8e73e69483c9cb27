import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { newConflict, newNotFound } from '@nanokube/api';
import { createLogger } from '@nanokube/component-base';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../__tests__/fake-clock.js';
import { NodeLeaseController } from './lease-controller.js';

const log = createLogger({ component: 'test', level: 'silent', pretty: false });
const gr = { group: 'coordination.k8s.io', resource: 'leases' };

/** A leases client over one in-memory object, with resourceVersion checks like the apiserver's. */
function fakeLeases() {
  let stored: Lease | undefined;
  let rv = 0;
  const writes: Lease[] = [];
  return {
    writes,
    bump(): void {
      if (stored) stored = { ...stored, metadata: { ...stored.metadata, resourceVersion: String(++rv) } };
    },
    async get(name: string): Promise<Lease> {
      if (!stored) throw newNotFound(gr, name);
      return structuredClone(stored);
    },
    async create(l: Lease): Promise<Lease> {
      stored = { ...l, metadata: { ...l.metadata, resourceVersion: String(++rv) } };
      writes.push(structuredClone(stored));
      return structuredClone(stored);
    },
    async update(l: Lease): Promise<Lease> {
      if (l.metadata?.resourceVersion !== stored?.metadata?.resourceVersion) throw newConflict(gr, l.metadata?.name ?? '', 'the object has been modified');
      stored = { ...l, metadata: { ...l.metadata, resourceVersion: String(++rv) } };
      writes.push(structuredClone(stored));
      return structuredClone(stored);
    },
  };
}

describe('NodeLeaseController', () => {
  it('creates the lease, then renews it every 10 s with the node as owner once known', async () => {
    const clock = new FakeClock();
    const leases = fakeLeases();
    let uid: string | undefined;
    const ctl = new NodeLeaseController({ leases, nodeName: 'worker01', nodeUid: () => uid, clock, log });
    const stop = new AbortController();
    const running = ctl.run(stop.signal);
    await clock.advance(0);
    expect(leases.writes).toHaveLength(1);
    expect(leases.writes[0]).toMatchObject({
      metadata: { name: 'worker01', namespace: 'kube-node-lease' },
      spec: { holderIdentity: 'worker01', leaseDurationSeconds: 40, renewTime: '2025-01-01T00:00:00.000000Z' },
    });
    uid = 'node-uid';
    await clock.advance(9_999);
    expect(leases.writes).toHaveLength(1);
    await clock.advance(1);
    expect(leases.writes).toHaveLength(2);
    expect(leases.writes[1]?.spec?.renewTime).toBe('2025-01-01T00:00:10.000000Z');
    expect(leases.writes[1]?.metadata?.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Node', name: 'worker01', uid: 'node-uid' }]);
    stop.abort();
    await running;
  });

  it('re-reads the lease after a conflict and renews it', async () => {
    const clock = new FakeClock();
    const leases = fakeLeases();
    const ctl = new NodeLeaseController({ leases, nodeName: 'n', nodeUid: () => undefined, clock, log });
    await ctl.sync();
    leases.bump();
    await clock.advance(10_000);
    const renewed = await ctl.sync();
    expect(renewed.spec?.renewTime).toBe('2025-01-01T00:00:10.000000Z');
    expect(leases.writes).toHaveLength(2);
  });
});
