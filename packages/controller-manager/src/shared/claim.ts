import { isNotFound, type Selector } from '@nanokube/api';
import type { KubeObject } from '@nanokube/client';
import { getControllerOf, newControllerRef, type OwnerKind, type OwnerReference } from './controller-ref.js';

/** Options of {@link claimObjects}. */
export interface ClaimOptions<T extends KubeObject> {
  owner: KubeObject;
  ownerKind: OwnerKind;
  /** The owner's selector: orphans matching it are adopted, owned objects no longer matching are released. */
  selector: Selector;
  /** Writes new ownerReferences on obj (see {@link ownerReferencesPatch}) and returns the stored object. */
  patchOwnerReferences(obj: T, ownerReferences: OwnerReference[]): Promise<T>;
  /**
   * Called once before the first adoption; throws if the owner may not adopt (e.g. a fresh read shows it
   * is being deleted or was replaced), as upstream's RecheckDeletionTimestamp.
   */
  canAdopt?(): Promise<void>;
}

/**
 * claimObjects returns the objects the owner controls after adopting matching orphans and releasing owned
 * objects that no longer match (upstream ControllerRefManager.ClaimObject). Objects controlled by
 * another owner are never touched; an owner being deleted neither adopts nor releases.
 */
export async function claimObjects<T extends KubeObject>(objs: T[], opts: ClaimOptions<T>): Promise<T[]> {
  const ownerUid = opts.owner.metadata?.uid;
  const ownerDeleting = !!opts.owner.metadata?.deletionTimestamp;
  const claimed: T[] = [];
  let adoptChecked = false;
  const errors: unknown[] = [];
  for (const obj of objs) {
    const ref = getControllerOf(obj);
    const matches = opts.selector.matches(obj.metadata?.labels);
    try {
      if (ref) {
        if (ref.uid !== ownerUid) continue;
        if (matches || ownerDeleting) {
          if (matches) claimed.push(obj);
          continue;
        }
        const refs = (obj.metadata?.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
        await opts.patchOwnerReferences(obj, refs);
        continue;
      }
      if (ownerDeleting || !matches || obj.metadata?.deletionTimestamp) continue;
      if (!adoptChecked) {
        await opts.canAdopt?.();
        adoptChecked = true;
      }
      const refs = [...(obj.metadata?.ownerReferences ?? []), newControllerRef(opts.owner, opts.ownerKind)];
      claimed.push(await opts.patchOwnerReferences(obj, refs));
    } catch (err) {
      // Gone meanwhile: neither ours nor an error.
      if (!isNotFound(err)) errors.push(err);
    }
  }
  if (errors.length > 0) throw errors[0];
  return claimed;
}

/**
 * ownerReferencesPatch is the JSON merge patch that sets an object's ownerReferences. It carries the
 * object's resourceVersion so a concurrent change makes it fail with Conflict instead of losing either write.
 */
export function ownerReferencesPatch(obj: KubeObject, ownerReferences: OwnerReference[]): unknown {
  return {
    metadata: {
      ownerReferences: ownerReferences.length > 0 ? ownerReferences : null,
      resourceVersion: obj.metadata?.resourceVersion,
    },
  };
}
