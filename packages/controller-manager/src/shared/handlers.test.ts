import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { DeletedFinalStateUnknown, resources } from '@nanokube/client';
import { FakeClock, newTestContext } from '../__tests__/fixture.js';
import { ControllerExpectations } from './expectations.js';
import { controllerOwnerLookup, enqueueObject, enqueueOwnerOf, expectationsObserver } from './handlers.js';

function replicaSet(name: string, uid: string): ReplicaSet {
  return { metadata: { name, namespace: 'ns', uid } };
}

function pod(name: string, owner?: { name: string; uid: string; kind?: string; controller?: boolean }): Pod {
  const ref = owner && { apiVersion: 'apps/v1', kind: owner.kind ?? 'ReplicaSet', name: owner.name, uid: owner.uid, controller: owner.controller ?? true };
  return { metadata: { name, namespace: 'ns', uid: `uid-${name}`, ...(ref ? { ownerReferences: [ref] } : {}) } };
}

function setup(): { keys: string[]; queue: { add(k: string): void }; owners: ReturnType<typeof ownersInformer> } {
  const keys: string[] = [];
  const owners = ownersInformer();
  owners.store.set(replicaSet('web', 'rs-1'));
  return { keys, queue: { add: (k) => keys.push(k) }, owners };
}

function ownersInformer() {
  return newTestContext().ctx.informers.informerFor<ReplicaSet>(resources.replicasets);
}

describe('controllerOwnerLookup', () => {
  it('finds the controller by kind, name and uid only', () => {
    const { owners } = setup();
    const ownerOf = controllerOwnerLookup('ReplicaSet', owners);
    expect(ownerOf(pod('a', { name: 'web', uid: 'rs-1' }))?.metadata?.uid).toBe('rs-1');
    expect(ownerOf(pod('b', { name: 'web', uid: 'rs-old' }))).toBeUndefined();
    expect(ownerOf(pod('c', { name: 'web', uid: 'rs-1', kind: 'Job' }))).toBeUndefined();
    expect(ownerOf(pod('d', { name: 'web', uid: 'rs-1', controller: false }))).toBeUndefined();
    expect(ownerOf(pod('e'))).toBeUndefined();
  });
});

describe('enqueueObject', () => {
  it('enqueues the object on add, update and delete, unwrapping tombstones', () => {
    const { keys, queue } = setup();
    const h = enqueueObject<ReplicaSet>(queue);
    h.onAdd(replicaSet('a', '1'));
    h.onUpdate(replicaSet('a', '1'), replicaSet('b', '2'));
    h.onDelete(new DeletedFinalStateUnknown('ns/c', replicaSet('c', '3')));
    expect(keys).toEqual(['ns/a', 'ns/b', 'ns/c']);
  });
});

describe('enqueueOwnerOf', () => {
  it('enqueues the controller owner and ignores objects without one', () => {
    const { keys, queue, owners } = setup();
    const h = enqueueOwnerOf<Pod, ReplicaSet>('ReplicaSet', owners, queue);
    h.onAdd(pod('a', { name: 'web', uid: 'rs-1' }));
    h.onAdd(pod('orphan'));
    h.onUpdate(pod('a'), pod('a', { name: 'web', uid: 'rs-1' }));
    h.onDelete(new DeletedFinalStateUnknown('ns/a', pod('a', { name: 'web', uid: 'rs-1' })));
    h.onDelete(pod('gone', { name: 'web', uid: 'rs-replaced' }));
    expect(keys).toEqual(['ns/web', 'ns/web', 'ns/web']);
  });
});

describe('expectationsObserver', () => {
  it('records creations and deletions under the owner key and enqueues the owner', () => {
    const { keys, queue, owners } = setup();
    const e = new ControllerExpectations(new FakeClock());
    const observe = expectationsObserver(e, queue, controllerOwnerLookup('ReplicaSet', owners));
    e.expectCreations('ns/web', 1);
    e.expectDeletions('ns/web', ['ns/old']);
    observe.created(pod('new', { name: 'web', uid: 'rs-1' }));
    expect(e.satisfiedExpectations('ns/web')).toBe(false);
    observe.deleted(new DeletedFinalStateUnknown('ns/old', pod('old', { name: 'web', uid: 'rs-1' })));
    expect(e.satisfiedExpectations('ns/web')).toBe(true);
    observe.changed(pod('new', { name: 'web', uid: 'rs-1' }));
    observe.created(pod('orphan'));
    observe.deleted(pod('orphan'));
    expect(keys).toEqual(['ns/web', 'ns/web', 'ns/web']);
  });

  it('drops a deleted owner\'s expectations and enqueues it', () => {
    const { keys, queue, owners } = setup();
    const e = new ControllerExpectations(new FakeClock());
    const observe = expectationsObserver(e, queue, controllerOwnerLookup('ReplicaSet', owners));
    e.expectCreations('ns/web', 3);
    observe.ownerDeleted(new DeletedFinalStateUnknown('ns/web', replicaSet('web', 'rs-1')));
    expect(e.satisfiedExpectations('ns/web')).toBe(true);
    expect(keys).toEqual(['ns/web']);
  });
});
