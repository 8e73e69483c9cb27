import type { Pod } from 'kubernetes-types/core/v1.js';
import { metaNamespaceKey, type DeletedFinalStateUnknown, type EventHandlers, type KubeObject, type SharedInformer } from '@nanokube/client';
import { getControllerOf, resolveControllerRef } from './controller-ref.js';
import type { ControllerExpectations } from './expectations.js';
import { podKey } from './pod.js';
import { deletedObject } from './queue.js';

/** Where handlers put keys: a controller's work queue. */
export interface KeyQueue {
  add(key: string): void;
}

/**
 * controllerOwnerLookup returns a function that finds an object's controller of `kind` in the owners'
 * cache: by name in the object's namespace, checked by uid (upstream resolveControllerRef).
 */
export function controllerOwnerLookup<O extends KubeObject>(kind: string, owners: SharedInformer<O>): (obj: KubeObject) => O | undefined {
  return (obj) => resolveControllerRef(getControllerOf(obj), kind, (n) => owners.store.getByName(obj.metadata?.namespace ?? '', n));
}

/** enqueueObject returns handlers that enqueue an object's own key on add, update and delete (tombstones unwrapped). */
export function enqueueObject<T extends KubeObject>(queue: KeyQueue): Required<EventHandlers<T>> {
  const enqueue = (obj: T): void => queue.add(metaNamespaceKey(obj));
  return { onAdd: enqueue, onUpdate: (_old, obj) => enqueue(obj), onDelete: (obj) => enqueue(deletedObject(obj)) };
}

/**
 * enqueueOwnerOf returns handlers that enqueue the key of an object's controller of `kind` (looked up in
 * the owners' cache) on add, update and delete (tombstones unwrapped); objects without one are ignored.
 */
export function enqueueOwnerOf<T extends KubeObject, O extends KubeObject>(kind: string, owners: SharedInformer<O>, queue: KeyQueue): Required<EventHandlers<T>> {
  const ownerOf = controllerOwnerLookup(kind, owners);
  const enqueueOwner = (obj: T): void => {
    const owner = ownerOf(obj);
    if (owner) queue.add(metaNamespaceKey(owner));
  };
  return { onAdd: enqueueOwner, onUpdate: (_old, obj) => enqueueOwner(obj), onDelete: (obj) => enqueueOwner(deletedObject(obj)) };
}

/** What {@link expectationsObserver} returns: the pieces of a pod-owning controller's handlers. */
export interface ExpectationsObserver<O extends KubeObject> {
  /** ownerDeleted drops a deleted owner's expectations and enqueues its key (the sync finds it gone). */
  ownerDeleted(obj: O | DeletedFinalStateUnknown<O>): void;
  /** created counts a pod's creation against its controller's expectations and enqueues the controller. */
  created(pod: Pod): void;
  /** deleted counts a pod's deletion against its controller's expectations and enqueues the controller. */
  deleted(obj: Pod | DeletedFinalStateUnknown<Pod>): void;
  /** changed enqueues a pod's controller. */
  changed(pod: Pod): void;
}

/**
 * expectationsObserver builds the handlers a controller that creates and deletes pods under
 * expectations shares (upstream's addPod/deletePod/deleteX): each pod event is resolved to the pod's
 * controller via `ownerOf`, recorded in `expectations` under the owner's key, and the owner enqueued.
 */
export function expectationsObserver<O extends KubeObject>(
  expectations: ControllerExpectations,
  queue: KeyQueue,
  ownerOf: (pod: Pod) => O | undefined,
): ExpectationsObserver<O> {
  const withOwner = (pod: Pod, record: (key: string) => void): void => {
    const owner = ownerOf(pod);
    if (!owner) return;
    const key = metaNamespaceKey(owner);
    record(key);
    queue.add(key);
  };
  return {
    ownerDeleted: (obj) => {
      const key = metaNamespaceKey(deletedObject(obj));
      expectations.deleteExpectations(key);
      queue.add(key);
    },
    created: (pod) => withOwner(pod, (key) => expectations.creationObserved(key)),
    deleted: (obj) => {
      const pod = deletedObject(obj);
      withOwner(pod, (key) => expectations.deletionObserved(key, podKey(pod)));
    },
    changed: (pod) => withOwner(pod, () => undefined),
  };
}
