import { describe, expect, it } from 'vitest';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { resources } from '@nanokube/client';
import { mirror, newTestContext, settle } from '../../__tests__/fixture.js';
import { PersistentVolumeBinder } from './controller.js';

type PV = PersistentVolume;
type PVC = PersistentVolumeClaim;

function pv(name: string, size: string, opts: { modes?: string[]; cls?: string; labels?: Record<string, string>; claimRef?: { namespace?: string; name?: string; uid?: string }; policy?: string; phase?: string } = {}): PV {
  return {
    metadata: { name, ...(opts.labels ? { labels: opts.labels } : {}) },
    spec: {
      capacity: { storage: size },
      accessModes: opts.modes ?? ['ReadWriteOnce'],
      hostPath: { path: `/tmp/${name}` },
      persistentVolumeReclaimPolicy: opts.policy ?? 'Retain',
      volumeMode: 'Filesystem',
      ...(opts.cls !== undefined ? { storageClassName: opts.cls } : {}),
      ...(opts.claimRef ? { claimRef: opts.claimRef } : {}),
    },
    status: { phase: opts.phase ?? 'Available' },
  };
}

function pvc(name: string, size: string, opts: { modes?: string[]; cls?: string; volumeName?: string; selector?: Record<string, string> } = {}): PVC {
  return {
    metadata: { name, namespace: 'default' },
    spec: {
      accessModes: opts.modes ?? ['ReadWriteOnce'],
      resources: { requests: { storage: size } },
      volumeMode: 'Filesystem',
      ...(opts.cls !== undefined ? { storageClassName: opts.cls } : {}),
      ...(opts.volumeName ? { volumeName: opts.volumeName } : {}),
      ...(opts.selector ? { selector: { matchLabels: opts.selector } } : {}),
    },
    status: { phase: 'Pending' },
  };
}

function setup(volumes: PV[], claims: PVC[]): ReturnType<typeof newTestContext> & { c: PersistentVolumeBinder; sync(): void } {
  const t = newTestContext();
  const c = new PersistentVolumeBinder(t.ctx);
  for (const v of volumes) t.rest.seed(resources.persistentvolumes, v);
  for (const v of claims) t.rest.seed(resources.persistentvolumeclaims, v);
  const sync = (): void => {
    mirror(t.rest, c.volumeInformer.store, 'persistentvolumes');
    mirror(t.rest, c.claimInformer.store, 'persistentvolumeclaims');
  };
  sync();
  return { ...t, c, sync };
}

const getPv = (t: ReturnType<typeof setup>, name: string): PV => t.rest.get<PV>('persistentvolumes', undefined, name)!;
const getPvc = (t: ReturnType<typeof setup>, name: string): PVC => t.rest.get<PVC>('persistentvolumeclaims', 'default', name)!;

describe('PersistentVolumeBinder', () => {
  it('binds a claim to the smallest volume whose class, access modes and size fit', async () => {
    const t = setup(
      [
        pv('big', '5Gi'),
        pv('fit', '1Gi'),
        pv('small', '200Mi'),
        pv('rwx-only', '600Mi', { modes: ['ReadWriteMany'] }),
        pv('classy', '600Mi', { cls: 'fast' }),
      ],
      [pvc('claim', '500Mi')],
    );
    await t.c.sync('claim:default/claim');
    const vol = getPv(t, 'fit');
    const claim = getPvc(t, 'claim');
    expect(vol.spec?.claimRef).toEqual({
      kind: 'PersistentVolumeClaim',
      namespace: 'default',
      name: 'claim',
      uid: claim.metadata?.uid,
      apiVersion: 'v1',
      resourceVersion: expect.any(String),
    });
    expect(vol.metadata?.annotations).toEqual({ 'pv.kubernetes.io/bound-by-controller': 'yes' });
    expect(vol.status?.phase).toBe('Bound');
    expect(claim.spec?.volumeName).toBe('fit');
    expect(claim.metadata?.annotations).toEqual({ 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' });
    expect(claim.status).toEqual({ phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] });
    for (const other of ['big', 'small', 'rwx-only', 'classy']) expect(getPv(t, other).spec?.claimRef).toBeUndefined();

    // Syncing both again once the cache caught up writes nothing.
    t.sync();
    const before = t.rest.writes().length;
    await t.c.sync('claim:default/claim');
    await t.c.sync('volume:fit');
    expect(t.rest.writes().length).toBe(before);
  });

  it('leaves a claim Pending with a FailedBinding event when nothing fits', async () => {
    const t = setup([pv('small', '100Mi')], [pvc('claim', '500Mi')]);
    await t.c.sync('claim:default/claim');
    await settle();
    expect(t.rest.writes()).toEqual([]);
    const ev = t.rest.actions.find((a) => a.resource === 'events' && a.verb === 'create')?.body as { type: string; reason: string; message: string; involvedObject: { kind: string; name: string } };
    expect(ev).toMatchObject({
      type: 'Normal',
      reason: 'FailedBinding',
      message: 'no persistent volumes available for this claim and no storage class is set',
      involvedObject: { kind: 'PersistentVolumeClaim', name: 'claim' },
    });
  });

  it('honours a volume pre-bound to the claim and a label selector', async () => {
    const t = setup(
      [pv('tiny-fit', '500Mi'), pv('reserved', '2Gi', { claimRef: { namespace: 'default', name: 'claim' } }), pv('labelled', '3Gi', { labels: { tier: 'gold' } })],
      [pvc('claim', '500Mi'), pvc('picky', '1Gi', { selector: { tier: 'gold' } })],
    );
    await t.c.sync('claim:default/claim');
    await t.c.sync('claim:default/picky');
    expect(getPvc(t, 'claim').spec?.volumeName).toBe('reserved');
    // A user's pre-binding is not the controller's choice.
    expect(getPv(t, 'reserved').metadata?.annotations?.['pv.kubernetes.io/bound-by-controller']).toBeUndefined();
    expect(getPv(t, 'reserved').spec?.claimRef?.uid).toBe(getPvc(t, 'claim').metadata?.uid);
    expect(getPvc(t, 'picky').spec?.volumeName).toBe('labelled');
    expect(getPv(t, 'tiny-fit').spec?.claimRef).toBeUndefined();
  });

  it('binds a claim naming its volume, and refuses one that does not fit', async () => {
    const t = setup([pv('named', '1Gi'), pv('ro', '1Gi', { modes: ['ReadOnlyMany'] })], [pvc('a', '1Gi', { volumeName: 'named' }), pvc('b', '1Gi', { volumeName: 'ro' })]);
    await t.c.sync('claim:default/a');
    await t.c.sync('claim:default/b');
    await settle();
    expect(getPv(t, 'named').spec?.claimRef?.name).toBe('a');
    expect(getPvc(t, 'a').status?.phase).toBe('Bound');
    // The user chose the volume: only bind-completed on the claim.
    expect(getPvc(t, 'a').metadata?.annotations).toEqual({ 'pv.kubernetes.io/bind-completed': 'yes' });
    expect(getPv(t, 'ro').spec?.claimRef).toBeUndefined();
    expect(getPvc(t, 'b').status?.phase).toBe('Pending');
    const ev = t.rest.actions.find((a) => a.resource === 'events')?.body as { type: string; reason: string; message: string };
    expect(ev).toMatchObject({ type: 'Warning', reason: 'VolumeMismatch', message: 'Cannot bind to requested volume "ro": incompatible accessMode' });
  });

  it('releases a Retain volume and deletes a Delete volume when their claims go', async () => {
    const t = setup([pv('keep', '1Gi'), pv('drop', '1Gi', { policy: 'Delete' })], [pvc('c1', '1Gi'), pvc('c2', '1Gi')]);
    await t.c.sync('claim:default/c1');
    await t.c.sync('claim:default/c2');
    const keptFor = getPv(t, 'keep').spec?.claimRef?.name;
    expect([keptFor, getPv(t, 'drop').spec?.claimRef?.name].sort()).toEqual(['c1', 'c2']);
    t.rest.objects.delete('persistentvolumeclaims/default/c1');
    t.rest.objects.delete('persistentvolumeclaims/default/c2');
    t.sync();
    await t.c.sync('volume:keep');
    await t.c.sync('volume:drop');
    const kept = getPv(t, 'keep');
    expect(kept.status?.phase).toBe('Released');
    expect(kept.spec?.claimRef?.name).toBe(keptFor);
    expect(getPv(t, 'drop')).toBeUndefined();
  });

  it('does not release a volume whose claim the server still has', async () => {
    const t = setup([pv('v', '1Gi')], [pvc('c', '1Gi')]);
    await t.c.sync('claim:default/c');
    // The claim vanished from the cache only (a lagging watch).
    t.c.claimInformer.store.delete('default/c');
    await t.c.sync('volume:v');
    expect(getPv(t, 'v').status?.phase).toBe('Bound');
  });

  it('marks a bound claim Lost when its volume is gone', async () => {
    const t = setup([pv('v', '1Gi')], [pvc('c', '1Gi')]);
    await t.c.sync('claim:default/c');
    t.rest.objects.delete('persistentvolumes//v');
    t.sync();
    await t.c.sync('claim:default/c');
    await settle();
    expect(getPvc(t, 'c').status?.phase).toBe('Lost');
    expect(t.rest.actions.some((a) => a.resource === 'events' && (a.body as { reason: string }).reason === 'ClaimLost')).toBe(true);
  });

  it('makes a fresh volume Available', async () => {
    const t = setup([pv('new', '1Gi', { phase: 'Pending' })], []);
    await t.c.sync('volume:new');
    expect(getPv(t, 'new').status?.phase).toBe('Available');
  });
});
