/**
 * RegistryCore is what every verb of the generic registry shares: the store, the watch caches,
 * the key layout and the per-resource admission hooks. The verbs live in their own files
 * (create.ts, update.ts, delete.ts, patch.ts, list.ts, watch.ts) as functions over a RegistryCore.
 */
import { newBadRequest, newInternalError, newMethodNotSupported, newNotFound, StatusError, type GroupResource } from '@nanokube/api';
import type { Logger } from '@nanokube/component-base';
import type { KubeObject, RequestContext, ResourceDefinition } from '../types.js';
import type { ResourceHooks } from './admission.js';
import type { Cacher } from './cacher.js';
import { extras, objectKey, resourceId } from './keys.js';
import type { Storage } from './storage.js';
import { decodeStored, type WatchCache } from './watch-cache.js';

/** The shared state of one registry. */
export interface RegistryCore {
  storage: Storage;
  cacher: Cacher;
  logger: Logger;
  /** Resource prefix (`/registry/pods/`) by resourceId. */
  prefixes: Map<string, string>;
  /** Admission hooks by resourceId (e.g. the Service IP and port allocators). */
  hooks: Map<string, ResourceHooks[]>;
  /** The namespaces definition, when served (NamespaceLifecycle needs it). */
  namespacesDef: ResourceDefinition | undefined;
  /**
   * The store revision of this apiserver's last namespace deletion mark: NamespaceLifecycle waits for
   * the cache to reach it, so a create right after `kubectl delete ns` here sees Terminating.
   */
  namespaceMarks: { revision: number };
}

/** A stored object with the mod revision its CAS writes must compare against. */
export interface Current {
  object: KubeObject;
  modRevision: number;
  /** Read from the watch cache, so possibly behind the store: a write that fails on it retries on a store read. */
  fromCache?: boolean;
}

/** groupResource of a definition, for error messages. */
export function groupResource(def: ResourceDefinition): GroupResource {
  return { group: def.group, resource: def.resource };
}

/** storageApiVersion is the apiVersion objects are stored at (versions[0]). */
export function storageApiVersion(def: ResourceDefinition): string {
  const v = def.versions[0] ?? 'v1';
  return def.group ? `${def.group}/${v}` : v;
}

/** prefixOf is a resource's key prefix; virtual (never stored) resources have none: 405. */
export function prefixOf(core: RegistryCore, def: ResourceDefinition): string {
  if (extras(def).virtual) throw newMethodNotSupported(groupResource(def), 'storage');
  const p = core.prefixes.get(resourceId(def));
  if (!p) throw newInternalError(new Error(`resource ${resourceId(def)} is not served by this registry`));
  return p;
}

export function cacheOf(core: RegistryCore, def: ResourceDefinition): WatchCache {
  return core.cacher.cacheFor(prefixOf(core, def));
}

/** requestNamespace is the namespace a request addresses ('' for cluster-scoped resources). */
export function requestNamespace(ctx: RequestContext, def: ResourceDefinition): string {
  if (!def.namespaced) return '';
  if (!ctx.namespace) throw newBadRequest('the server could not find the requested resource: a namespace is required');
  return ctx.namespace;
}

export function keyOf(core: RegistryCore, def: ResourceDefinition, ctx: RequestContext, name: string): string {
  if (!name) throw newBadRequest('resource name may not be empty');
  return objectKey(prefixOf(core, def), requestNamespace(ctx, def), name);
}

/** readCurrent reads an object straight from the store (consistent, no cache). */
export async function readCurrent(core: RegistryCore, key: string): Promise<Current | undefined> {
  const { kv } = await core.storage.get(key);
  return kv ? { object: decodeStored(kv.value, kv.modRevision), modRevision: kv.modRevision } : undefined;
}

/**
 * readForWrite is the object a write starts from. Like upstream's cacher, which hands GuaranteedUpdate
 * the watch cache's copy, the first attempt (`fromCache`) takes the cached object and saves a store
 * round trip; the compare-and-swap on its mod revision catches a stale copy, and the caller then retries
 * with `fromCache` false (a consistent store read), as it must after any error seen on a cached copy.
 */
export async function readForWrite(core: RegistryCore, def: ResourceDefinition, key: string, fromCache: boolean): Promise<Current | undefined> {
  if (fromCache) {
    const cached = cacheOf(core, def).get(key);
    const modRevision = Number(cached?.metadata.resourceVersion);
    if (cached && Number.isSafeInteger(modRevision) && modRevision > 0) return { object: cached, modRevision, fromCache: true };
  }
  return readCurrent(core, key);
}

/** mustReadCurrent is readCurrent that throws 404 NotFound. */
export async function mustReadCurrent(core: RegistryCore, def: ResourceDefinition, key: string, name: string): Promise<Current> {
  const cur = await readCurrent(core, key);
  if (!cur) throw newNotFound(groupResource(def), name);
  return cur;
}

/** encodeForStorage serialises an object without its resourceVersion (the store's mod revision is it). */
export function encodeForStorage(obj: KubeObject): string {
  const { resourceVersion: _rv, ...metadata } = obj.metadata;
  return JSON.stringify({ ...obj, metadata });
}

/** hooksOf returns the admission hooks of a resource. */
export function hooksOf(core: RegistryCore, def: ResourceDefinition): ResourceHooks[] {
  return core.hooks.get(resourceId(def)) ?? [];
}

/** toStatusError wraps any non-StatusError as 500 InternalError. */
export function toStatusError(err: unknown): StatusError {
  return err instanceof StatusError ? err : newInternalError(err);
}
