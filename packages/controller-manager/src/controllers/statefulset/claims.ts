/**
 * persistentVolumeClaimRetentionPolicy as ownerReferences on a StatefulSet's PVCs (upstream KEP-1847):
 * the garbage collector does the deleting. Retain/Retain: no reference; whenDeleted Delete: the set
 * controls the claim; whenScaled Delete: the pod controls the claim once its ordinal is scaled away, so
 * deleting the condemned pod deletes its claims. Claims whose references point at an older namesake or at
 * a foreign controller are left alone.
 */
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '@nanokube/client';
import { newControllerRef, type OwnerKind, type OwnerReference } from '../../shared/index.js';
import { podInOrdinalRange, podKind, statefulSetKind } from './identity.js';

/** The two retention decisions, defaulted to Retain. */
export interface RetentionPolicy {
  whenDeleted: 'Retain' | 'Delete';
  whenScaled: 'Retain' | 'Delete';
}

/** retentionPolicy returns the set's policy; anything but `Delete` means Retain. */
export function retentionPolicy(set: StatefulSet): RetentionPolicy {
  const p = set.spec?.persistentVolumeClaimRetentionPolicy;
  return {
    whenDeleted: p?.whenDeleted === 'Delete' ? 'Delete' : 'Retain',
    whenScaled: p?.whenScaled === 'Delete' ? 'Delete' : 'Retain',
  };
}

function refs(claim: PersistentVolumeClaim): OwnerReference[] {
  return (claim.metadata?.ownerReferences ?? []) as OwnerReference[];
}

/** matchesRef: the reference names obj by apiVersion, kind and name (not uid). */
function matchesRef(ref: OwnerReference, obj: KubeObject, kind: OwnerKind): boolean {
  return ref.apiVersion === kind.apiVersion && ref.kind === kind.kind && ref.name === obj.metadata?.name;
}

function hasOwnerRef(claim: PersistentVolumeClaim, owner: KubeObject): boolean {
  const uid = owner.metadata?.uid;
  return !!uid && refs(claim).some((r) => r.uid === uid);
}

/** hasStaleOwnerRef: the claim references a namesake of obj with another uid (an older pod or set). */
export function hasStaleOwnerRef(claim: PersistentVolumeClaim, obj: KubeObject, kind: OwnerKind): boolean {
  const ref = refs(claim).find((r) => matchesRef(r, obj, kind));
  return ref !== undefined && ref.uid !== obj.metadata?.uid;
}

/** hasUnexpectedController: under a Delete policy, something other than this set or pod controls the claim. */
function hasUnexpectedController(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): boolean {
  const policy = retentionPolicy(set);
  if (policy.whenDeleted === 'Retain' && policy.whenScaled === 'Retain') return false;
  return refs(claim).some((r) => {
    if (matchesRef(r, set, statefulSetKind)) return r.uid !== set.metadata?.uid;
    if (matchesRef(r, pod, podKind)) return r.uid !== pod.metadata?.uid;
    return r.controller === true;
  });
}

function hasNonControllerOwner(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): boolean {
  const uids = new Set([set.metadata?.uid, pod.metadata?.uid].filter((u): u is string => !!u));
  return refs(claim).some((r) => uids.has(r.uid) && r.controller !== true);
}

/** wantedOwners returns which of set and pod should control the claim under the policy. */
function wantedOwners(set: StatefulSet, pod: Pod): { set: boolean; pod: boolean } {
  const policy = retentionPolicy(set);
  const scaledDown = !podInOrdinalRange(pod, set);
  if (policy.whenScaled === 'Delete') {
    return { set: policy.whenDeleted === 'Delete' && !scaledDown, pod: scaledDown };
  }
  return { set: policy.whenDeleted === 'Delete', pod: false };
}

/** isClaimOwnerUpToDate reports whether the claim's references already follow the set's policy. */
export function isClaimOwnerUpToDate(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): boolean {
  if (hasStaleOwnerRef(claim, set, statefulSetKind) || hasStaleOwnerRef(claim, pod, podKind)) return true;
  if (hasUnexpectedController(claim, set, pod)) return !(hasOwnerRef(claim, set) || hasOwnerRef(claim, pod));
  if (hasNonControllerOwner(claim, set, pod)) return false;
  const want = wantedOwners(set, pod);
  return hasOwnerRef(claim, set) === want.set && hasOwnerRef(claim, pod) === want.pod;
}

/**
 * retentionOwnerReferences returns the claim's ownerReferences rewritten for the set's policy: references
 * to this set and pod are dropped, then the wanted ones added as controller references (none when a
 * foreign controller holds the claim).
 */
export function retentionOwnerReferences(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): OwnerReference[] {
  const unexpected = hasUnexpectedController(claim, set, pod);
  const out = refs(claim).filter((r) => !matchesRef(r, set, statefulSetKind) && !matchesRef(r, pod, podKind));
  if (unexpected) return out;
  const want = wantedOwners(set, pod);
  if (want.set) out.push(newControllerRef(set, statefulSetKind));
  if (want.pod) out.push(newControllerRef(pod, podKind));
  return out;
}
