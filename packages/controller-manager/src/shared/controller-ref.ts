import type { KubeObject } from '@nanokube/client';

/** An ownerReference as stored in metadata.ownerReferences. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** The group/version/kind of an owner, e.g. `{ apiVersion: 'apps/v1', kind: 'ReplicaSet' }`. */
export interface OwnerKind {
  apiVersion: string;
  kind: string;
}

/** getControllerOf returns the ownerReference with `controller: true`, if any (upstream GetControllerOf). */
export function getControllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** newControllerRef builds the controller ownerReference a controller puts on what it creates. */
export function newControllerRef(owner: KubeObject, kind: OwnerKind): OwnerReference {
  return {
    apiVersion: kind.apiVersion,
    kind: kind.kind,
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** isControlledBy reports whether obj's controller reference points at owner (by uid). */
export function isControlledBy(obj: KubeObject, owner: KubeObject): boolean {
  const ref = getControllerOf(obj);
  return ref !== undefined && ref.uid === owner.metadata?.uid;
}

/**
 * resolveControllerRef returns the owner a controller reference points at, looked up by name in the
 * owner's namespace and checked by uid, as upstream's resolveControllerRef does; undefined when the
 * reference is of another kind, the owner is gone, or a namesake replaced it.
 */
export function resolveControllerRef<T extends KubeObject>(
  ref: OwnerReference | undefined,
  kind: string,
  lookup: (name: string) => T | undefined,
): T | undefined {
  if (!ref || ref.kind !== kind) return undefined;
  const owner = lookup(ref.name);
  return owner && owner.metadata?.uid === ref.uid ? owner : undefined;
}
