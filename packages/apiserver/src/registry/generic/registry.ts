/**
 * GenericRegistry implements the Registry seam over a RegistryCore: each verb delegates to its
 * own module. Reads of single objects go to the store (consistent); lists and watches are served
 * from the watch cache.
 */
import { isNotFound, newBadRequest, newMethodNotSupported, newNotFound, newServiceUnavailable } from '@nanokube/api';
import type {
  DeleteOptions,
  GetOptions,
  KubeObject,
  ListOptions,
  ListResult,
  PatchType,
  Registry,
  RequestContext,
  ResourceDefinition,
  WatchEvent,
  WatchOptions,
  WriteOptions,
  WriteResult,
} from '../types.js';
import { createObject } from './create.js';
import { cacheOf, groupResource, keyOf, mustReadCurrent, type RegistryCore } from './core.js';
import { deleteObject } from './delete.js';
import { extras } from './keys.js';
import { listObjects } from './list.js';
import { patchObject } from './patch.js';
import { scaleOf, updateScale } from './scale.js';
import { bindPod, evictPod } from './subresources.js';
import { attemptUpdate, updateObject } from './update.js';
import { watchObjects } from './watch.js';

const readyWaitMs = 10_000;

export class GenericRegistry implements Registry {
  constructor(
    private readonly core: RegistryCore,
    readonly resources: readonly ResourceDefinition[],
  ) {}

  async get(ctx: RequestContext, def: ResourceDefinition, name: string, opts: GetOptions = {}): Promise<KubeObject> {
    await this.awaitCache();
    const key = keyOf(this.core, def, ctx, name);
    if (opts.resourceVersion === '0') {
      const cached = cacheOf(this.core, def).get(key);
      if (!cached) throw newNotFound(groupResource(def), name);
      return cached;
    }
    return (await mustReadCurrent(this.core, def, key, name)).object;
  }

  async list(ctx: RequestContext, def: ResourceDefinition, opts: ListOptions): Promise<ListResult> {
    await this.awaitCache();
    return listObjects(this.core, ctx, def, opts);
  }

  async create(ctx: RequestContext, def: ResourceDefinition, obj: KubeObject, opts: WriteOptions): Promise<WriteResult> {
    await this.awaitCache();
    return createObject(this.core, ctx, def, obj, opts);
  }

  async update(
    ctx: RequestContext,
    def: ResourceDefinition,
    name: string,
    obj: KubeObject,
    opts: WriteOptions & { subresource?: string },
  ): Promise<WriteResult> {
    await this.awaitCache();
    const sub = opts.subresource ?? '';
    if (sub === 'scale') return updateScale(this.core, ctx, def, name, obj, opts);
    if (sub !== '' && extras(def).subresourceStrategies?.[sub]) return updateObject(this.core, ctx, def, name, obj, opts);
    if (sub === 'finalize') return this.finalizeNamespace(ctx, def, name, obj, opts);
    if (sub !== '' && sub !== 'status') throw newMethodNotSupported(groupResource(def), `update of ${sub}`);
    if (sub === 'status' && !def.statusStrategy) throw newNotFound(groupResource(def), `${name}/status`);
    return updateObject(this.core, ctx, def, name, obj, opts);
  }

  async patch(
    ctx: RequestContext,
    def: ResourceDefinition,
    name: string,
    type: PatchType,
    patch: unknown,
    opts: WriteOptions & { subresource?: string },
  ): Promise<WriteResult> {
    await this.awaitCache();
    const sub = opts.subresource ?? '';
    const declared = sub !== '' && !!extras(def).subresourceStrategies?.[sub];
    if (sub !== '' && sub !== 'status' && sub !== 'scale' && !declared) throw newMethodNotSupported(groupResource(def), `patch of ${sub}`);
    if (sub === 'status' && !def.statusStrategy) throw newNotFound(groupResource(def), `${name}/status`);
    return patchObject(this.core, ctx, def, name, type, patch, opts);
  }

  async delete(ctx: RequestContext, def: ResourceDefinition, name: string, opts: DeleteOptions): Promise<{ object: KubeObject; deleted: boolean }> {
    await this.awaitCache();
    return deleteObject(this.core, ctx, def, name, opts);
  }

  async deleteCollection(ctx: RequestContext, def: ResourceDefinition, list: ListOptions, opts: DeleteOptions): Promise<ListResult> {
    await this.awaitCache();
    const { limit: _limit, continue: _continue, ...all } = list;
    const found = await listObjects(this.core, ctx, def, all);
    const items: KubeObject[] = [];
    for (const obj of found.items) {
      try {
        const itemCtx = { ...ctx, namespace: obj.metadata.namespace ?? '' };
        items.push((await deleteObject(this.core, itemCtx, def, obj.metadata.name ?? '', opts)).object);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return { items, resourceVersion: found.resourceVersion };
  }

  watch(ctx: RequestContext, def: ResourceDefinition, opts: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent> {
    if (!this.core.cacher.ready) throw newServiceUnavailable('the watch cache is not ready yet');
    return watchObjects(this.core, ctx, def, opts, signal);
  }

  async getSubresource(ctx: RequestContext, def: ResourceDefinition, name: string, subresource: string): Promise<KubeObject> {
    const obj = await this.get(ctx, def, name);
    if (subresource === 'scale') return scaleOf(def, obj);
    if (subresource === 'status') {
      if (!def.statusStrategy) throw newNotFound(groupResource(def), `${name}/status`);
      return obj;
    }
    throw newMethodNotSupported(groupResource(def), `get of ${subresource}`);
  }

  async createSubresource(
    ctx: RequestContext,
    def: ResourceDefinition,
    name: string,
    subresource: string,
    body: KubeObject,
    opts: WriteOptions,
  ): Promise<{ object: KubeObject; code: number }> {
    await this.awaitCache();
    const isPods = def.group === '' && def.resource === 'pods';
    if (isPods && subresource === 'binding') return bindPod(this.core, ctx, def, name, body, opts);
    if (isPods && subresource === 'eviction') return evictPod(this.core, ctx, def, name, body, opts);
    throw newMethodNotSupported(groupResource(def), `create of ${subresource}`);
  }

  /** finalizeNamespace serves PUT namespaces/{name}/finalize: only spec.finalizers changes. */
  private async finalizeNamespace(
    ctx: RequestContext,
    def: ResourceDefinition,
    name: string,
    obj: KubeObject,
    opts: WriteOptions,
  ): Promise<WriteResult> {
    if (def.group !== '' || def.resource !== 'namespaces') throw newMethodNotSupported(groupResource(def), 'update of finalize');
    const finalizers = (obj['spec'] as { finalizers?: unknown } | undefined)?.finalizers ?? [];
    if (!Array.isArray(finalizers)) throw newBadRequest('spec.finalizers must be a list');
    const key = keyOf(this.core, def, ctx, name);
    for (;;) {
      const cur = await mustReadCurrent(this.core, def, key, name);
      const next = structuredClone(cur.object) as KubeObject;
      next['spec'] = { ...((next['spec'] as object | undefined) ?? {}), finalizers };
      const rv = obj.metadata?.resourceVersion;
      if (rv) next.metadata.resourceVersion = rv;
      else delete next.metadata.resourceVersion;
      const out = await attemptUpdate(this.core, ctx, def, { name, cur, obj: next, subresource: 'raw', opts });
      if (out.result) return out.result;
    }
  }

  private async awaitCache(): Promise<void> {
    if (this.core.cacher.ready) return;
    const ok = await Promise.race([this.core.cacher.started.then(() => true), sleep(readyWaitMs).then(() => false)]);
    if (!ok) throw newServiceUnavailable('the apiserver is not ready: the store is not reachable');
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
