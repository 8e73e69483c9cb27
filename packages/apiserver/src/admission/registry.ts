/**
 * admittingRegistry wraps the Registry with what sits between authorization and storage upstream:
 * the admission chain on every write, the review APIs (answered, never stored) and the
 * `serviceaccounts/token` subresource. Reads and watches pass straight through.
 */
import type { Logger } from '@nanokube/component-base';
import type {
  DeleteOptions,
  KubeObject,
  ListOptions,
  ListResult,
  PatchType,
  Registry,
  RequestContext,
  ResourceDefinition,
  WriteOptions,
  WriteResult,
} from '../registry/types.js';
import { answerReview, reviewResources, type ReviewDeps } from '../auth/reviews.js';
import type { AdmissionPlugin, AdmissionRequest, Operation } from './types.js';

/** Options of {@link admittingRegistry}. */
export interface AdmittingRegistryOptions {
  /** Plugins in upstream's order (mutating ones first; ResourceQuota last). */
  plugins: AdmissionPlugin[];
  /** Answers the review kinds; without it they stay 405 as the inner registry answers. */
  reviews?: ReviewDeps;
  /** Serves POST serviceaccounts/{name}/token; without it the inner registry answers. */
  tokenRequest?: (ctx: RequestContext, serviceAccount: string, body: KubeObject) => Promise<KubeObject>;
  logger: Logger;
}

const reviewGroups = new Set(['authorization.k8s.io', 'authentication.k8s.io']);

interface Lazy {
  newObject: () => Promise<KubeObject | undefined>;
  oldObject: () => Promise<KubeObject | undefined>;
}

function memo<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= fn());
}

/** admittingRegistry returns a Registry that admits writes through opts.plugins before `inner` stores them. */
export function admittingRegistry<R extends Registry>(inner: R, opts: AdmittingRegistryOptions): R {
  const log = opts.logger.child({ subsystem: 'admission' });

  function request(operation: Operation, def: ResourceDefinition, subresource: string, name: string, ctx: RequestContext, object: KubeObject | undefined, lazy: Lazy): AdmissionRequest {
    return { operation, def, subresource, name, namespace: def.namespaced ? ctx.namespace : '', ctx, ...(object ? { object } : {}), ...lazy };
  }

  function getter(ctx: RequestContext, def: ResourceDefinition, name: string): () => Promise<KubeObject | undefined> {
    return memo(async () => {
      try {
        return await inner.get({ ...ctx, dryRun: false }, def, name);
      } catch {
        return undefined;
      }
    });
  }

  /** run admits req, performs the write, and always gives plugins their afterWrite. */
  async function run<T>(req: AdmissionRequest, write: () => Promise<T>, stored: (res: T) => KubeObject | undefined): Promise<T> {
    const active = opts.plugins.filter((p) => p.handles(req));
    let result: T | undefined;
    let ok = false;
    try {
      if (req.operation === 'CREATE') for (const p of active) if (p.admit) await p.admit(req);
      for (const p of active) if (p.validate) await p.validate(req);
      result = await write();
      ok = true;
      return result;
    } finally {
      for (const p of active) {
        if (!p.afterWrite) continue;
        try {
          await p.afterWrite(req, ok && result !== undefined && !req.ctx.dryRun ? stored(result) : undefined);
        } catch (err) {
          log.warn({ err, plugin: p.name }, 'Admission plugin failed after write');
        }
      }
    }
  }

  const wrapper: Partial<Registry> = {
    async create(ctx: RequestContext, def: ResourceDefinition, obj: KubeObject, wo: WriteOptions): Promise<WriteResult> {
      if (opts.reviews && reviewGroups.has(def.group) && reviewResources.has(def.resource)) {
        return { object: await answerReview(opts.reviews, def.resource, ctx, obj), created: true, warnings: [] };
      }
      const name = obj.metadata?.name ?? '';
      const req = request('CREATE', def, '', name, ctx, obj, { newObject: async () => obj, oldObject: async () => undefined });
      return run(req, () => inner.create(ctx, def, obj, wo), (r) => r.object);
    },

    async update(ctx: RequestContext, def: ResourceDefinition, name: string, obj: KubeObject, wo: WriteOptions & { subresource?: string }): Promise<WriteResult> {
      const req = request('UPDATE', def, wo.subresource ?? '', name, ctx, obj, { newObject: async () => obj, oldObject: getter(ctx, def, name) });
      return run(req, () => inner.update(ctx, def, name, obj, wo), (r) => r.object);
    },

    async patch(ctx: RequestContext, def: ResourceDefinition, name: string, type: PatchType, patch: unknown, wo: WriteOptions & { subresource?: string }): Promise<WriteResult> {
      const dry = memo(async () => (await inner.patch({ ...ctx, dryRun: true }, def, name, type, structuredClone(patch), { ...wo, dryRun: true })).object);
      const req = request('UPDATE', def, wo.subresource ?? '', name, ctx, undefined, { newObject: dry, oldObject: getter(ctx, def, name) });
      return run(req, () => inner.patch(ctx, def, name, type, patch, wo), (r) => r.object);
    },

    async delete(ctx: RequestContext, def: ResourceDefinition, name: string, d: DeleteOptions): Promise<{ object: KubeObject; deleted: boolean }> {
      const old = getter(ctx, def, name);
      const req = request('DELETE', def, '', name, ctx, undefined, { newObject: async () => undefined, oldObject: old });
      return run(req, () => inner.delete(ctx, def, name, d), (r) => r.object);
    },

    async deleteCollection(ctx: RequestContext, def: ResourceDefinition, list: ListOptions, d: DeleteOptions): Promise<ListResult> {
      const req = request('DELETE', def, '', '', ctx, undefined, { newObject: async () => undefined, oldObject: async () => undefined });
      return run(req, () => inner.deleteCollection(ctx, def, list, d), (r) => r.items[0] ?? ({ metadata: {} } as KubeObject));
    },

    async createSubresource(ctx: RequestContext, def: ResourceDefinition, name: string, sub: string, body: KubeObject, wo: WriteOptions): Promise<{ object: KubeObject; code: number }> {
      const req = request('CREATE', def, sub, name, ctx, body, { newObject: async () => body, oldObject: getter(ctx, def, name) });
      const isToken = def.group === '' && def.resource === 'serviceaccounts' && sub === 'token';
      const tokenRequest = opts.tokenRequest;
      if (isToken && tokenRequest) return run(req, async () => ({ object: await tokenRequest(ctx, name, body), code: 201 }), () => undefined);
      return run(req, () => inner.createSubresource(ctx, def, name, sub, body, wo), () => undefined);
    },
  };
  return Object.assign(Object.create(inner) as R, wrapper);
}
