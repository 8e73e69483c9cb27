/**
 * Volume/claim matching as upstream's persistentvolume index does it (findMatchingVolume,
 * checkVolumeSatisfyClaim): class, access modes, volume mode, selector and size.
 */
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { compareQuantities, selectorFromLabelSelector, tryParseQuantity, type Quantity } from '@nanokube/api';

type PV = PersistentVolume;
type PVC = PersistentVolumeClaim;

/** The beta annotation older manifests name a class with; spec.storageClassName wins over it. */
export const annBetaStorageClass = 'volume.beta.kubernetes.io/storage-class';
/** Set on a claim once the binder finished binding it. */
export const annBindCompleted = 'pv.kubernetes.io/bind-completed';
/** Set on a volume or claim whose binding the binder (not a user) chose. */
export const annBoundByController = 'pv.kubernetes.io/bound-by-controller';

/** volumeClass is GetPersistentVolumeClass: the annotation if present, else spec.storageClassName. */
export function volumeClass(pv: PV): string {
  return pv.metadata?.annotations?.[annBetaStorageClass] ?? pv.spec?.storageClassName ?? '';
}

/** claimClass is GetPersistentVolumeClaimClass: the annotation if present, else spec.storageClassName. */
export function claimClass(pvc: PVC): string {
  return pvc.metadata?.annotations?.[annBetaStorageClass] ?? pvc.spec?.storageClassName ?? '';
}

/** isVolumeBoundToClaim: the volume's claimRef names the claim (and its uid, when the ref has one). */
export function isVolumeBoundToClaim(pv: PV, pvc: PVC): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== pvc.metadata?.name || (ref.namespace ?? '') !== (pvc.metadata?.namespace ?? '')) return false;
  return !ref.uid || ref.uid === pvc.metadata?.uid;
}

function quantityOf(v: string | undefined): Quantity | undefined {
  return v === undefined ? undefined : tryParseQuantity(v);
}

/** requestedStorage is the claim's storage request (0 when absent or unparsable). */
export function requestedStorage(pvc: PVC): Quantity | undefined {
  return quantityOf(pvc.spec?.resources?.requests?.['storage']);
}

function volumeStorage(pv: PV): Quantity | undefined {
  return quantityOf(pv.spec?.capacity?.['storage']);
}

/** sizeFits reports whether the volume's capacity covers the claim's request. */
export function sizeFits(pv: PV, pvc: PVC): boolean {
  const want = requestedStorage(pvc);
  if (!want) return true;
  const have = volumeStorage(pv);
  return have !== undefined && compareQuantities(have, want) >= 0;
}

/** accessModesContain: every mode the claim asks for is one the volume offers. */
export function accessModesContain(pv: PV, pvc: PVC): boolean {
  const offered = new Set(pv.spec?.accessModes ?? []);
  return (pvc.spec?.accessModes ?? []).every((m) => offered.has(m));
}

/** volumeModeMatches: both Filesystem (the default) or both Block. */
export function volumeModeMatches(pv: PV, pvc: PVC): boolean {
  return (pv.spec?.volumeMode ?? 'Filesystem') === (pvc.spec?.volumeMode ?? 'Filesystem');
}

/**
 * checkVolumeSatisfyClaim returns why a volume the claim names in spec.volumeName cannot serve it
 * (upstream's messages, shown in the claim's VolumeMismatch event), or undefined when it can.
 */
export function checkVolumeSatisfyClaim(pv: PV, pvc: PVC): string | undefined {
  if (!sizeFits(pv, pvc)) return 'requested PV is too small';
  if (volumeClass(pv) !== claimClass(pvc)) return 'storageClassName does not match';
  if (!volumeModeMatches(pv, pvc)) return 'incompatible volumeMode';
  if (!accessModesContain(pv, pvc)) return 'incompatible accessMode';
  return undefined;
}

/**
 * findBestMatch returns the volume a claim without spec.volumeName should bind to: a volume pre-bound
 * to this claim (claimRef naming it) if its size fits, else the smallest free volume whose class,
 * access modes, volume mode, selector and size fit the claim.
 */
export function findBestMatch(volumes: readonly PV[], pvc: PVC): PV | undefined {
  const selector = pvc.spec?.selector ? selectorFromLabelSelector(pvc.spec.selector) : undefined;
  const wantClass = claimClass(pvc);
  let best: { pv: PV; size: Quantity | undefined } | undefined;
  for (const pv of volumes) {
    if (pv.metadata?.deletionTimestamp) continue;
    if (!volumeModeMatches(pv, pvc)) continue;
    if (isVolumeBoundToClaim(pv, pvc)) {
      if (sizeFits(pv, pvc)) return pv;
      continue;
    }
    if (pv.spec?.claimRef) continue;
    // A volume Released or Failed without a claimRef is left for its administrator.
    const phase = pv.status?.phase;
    if (phase === 'Released' || phase === 'Failed') continue;
    if (selector && !selector.matches(pv.metadata?.labels)) continue;
    if (volumeClass(pv) !== wantClass) continue;
    if (!accessModesContain(pv, pvc) || !sizeFits(pv, pvc)) continue;
    const size = volumeStorage(pv);
    if (!best || (size && best.size && compareQuantities(size, best.size) < 0)) best = { pv, size };
  }
  return best?.pv;
}
