import { describe, expect, it } from 'vitest';
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { isClaimOwnerUpToDate, retentionOwnerReferences } from './claims.js';

function set(whenScaled: string, whenDeleted: string): StatefulSet {
  return { metadata: { name: 'web', namespace: 'default', uid: 'set-uid' }, spec: { replicas: 2, persistentVolumeClaimRetentionPolicy: { whenScaled, whenDeleted } } } as StatefulSet;
}

const pod = (ordinal: number): Pod => ({ metadata: { name: `web-${ordinal}`, namespace: 'default', uid: `pod-${ordinal}` } });
const claim = (ownerReferences: NonNullable<PersistentVolumeClaim['metadata']>['ownerReferences'] = []): PersistentVolumeClaim => ({ metadata: { name: 'www-web-0', ownerReferences } });
const setRef = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'set-uid', controller: true, blockOwnerDeletion: true };
const podRef = (ordinal: number) => ({ apiVersion: 'v1', kind: 'Pod', name: `web-${ordinal}`, uid: `pod-${ordinal}`, controller: true, blockOwnerDeletion: true });

describe('retentionOwnerReferences', () => {
  it.each([
    { name: 'Retain/Retain keeps claims unowned', whenScaled: 'Retain', whenDeleted: 'Retain', ordinal: 3, want: [] },
    { name: 'whenDeleted Delete gives claims to the set', whenScaled: 'Retain', whenDeleted: 'Delete', ordinal: 0, want: [setRef] },
    { name: 'whenScaled Delete leaves a wanted pod\'s claim unowned', whenScaled: 'Delete', whenDeleted: 'Retain', ordinal: 1, want: [] },
    { name: 'whenScaled Delete gives a condemned pod its claim', whenScaled: 'Delete', whenDeleted: 'Retain', ordinal: 2, want: [podRef(2)] },
    { name: 'Delete/Delete gives a wanted pod\'s claim to the set', whenScaled: 'Delete', whenDeleted: 'Delete', ordinal: 0, want: [setRef] },
    { name: 'Delete/Delete moves a condemned pod\'s claim from the set to the pod', whenScaled: 'Delete', whenDeleted: 'Delete', ordinal: 5, want: [podRef(5)], from: [setRef] },
  ])('$name', ({ whenScaled, whenDeleted, ordinal, want, from }) => {
    const s = set(whenScaled, whenDeleted);
    const c = claim(from ?? []);
    expect(retentionOwnerReferences(c, s, pod(ordinal))).toEqual(want);
    expect(isClaimOwnerUpToDate(claim(want), s, pod(ordinal))).toBe(true);
    if (JSON.stringify(from ?? []) !== JSON.stringify(want)) expect(isClaimOwnerUpToDate(c, s, pod(ordinal))).toBe(false);
  });

  it('leaves a claim controlled by someone else alone', () => {
    const foreign = { apiVersion: 'example.com/v1', kind: 'Backup', name: 'b', uid: 'other', controller: true };
    const s = set('Delete', 'Delete');
    expect(isClaimOwnerUpToDate(claim([foreign]), s, pod(0))).toBe(true);
    expect(retentionOwnerReferences(claim([foreign]), s, pod(0))).toEqual([foreign]);
  });

  it('treats a reference to an earlier pod of the same name as stale and leaves it', () => {
    const old = { ...podRef(3), uid: 'older-pod' };
    expect(isClaimOwnerUpToDate(claim([old]), set('Delete', 'Retain'), pod(3))).toBe(true);
  });
});
