/**
 * Builders for ResourceStrategy and StatusStrategy with upstream's common shape: create resets
 * status and sets generation 1; update keeps status and bumps generation when the spec changed;
 * the `/status` strategy does the opposite and keeps everything but status (and, as
 * ResetObjectMetaForStatus does, the old metadata). Each resource supplies only its own hooks.
 */
import type { FieldError } from '@nanokube/api';
import type { KubeObject, RequestContext, ResourceStrategy, StatusStrategy } from '../../types.js';
import { clone, deepEqual } from './util.js';

/** The per-resource hooks of a main strategy; all optional. */
export interface StrategyHooks<T> {
  /** The resource has a `/status` subresource: status is reset on create and kept on update. */
  hasStatus?: boolean;
  /** The status a new object starts with (e.g. pod phase Pending); default: none. */
  initialStatus?(obj: T, ctx: RequestContext): unknown;
  /** metadata.generation is 1 on create and bumped when the spec changes. */
  trackGeneration?: boolean;
  /** Also bump generation on annotation changes (Deployments). */
  generationOnAnnotations?: boolean;
  /** Top-level fields compared for the generation bump (default ['spec']). */
  specFields?: string[];
  /** Extra normalisation on create, after status reset. */
  prepareForCreate?(obj: T, ctx: RequestContext): void;
  /** Extra normalisation on update, after status and generation handling. */
  prepareForUpdate?(obj: T, old: T, ctx: RequestContext): void;
  /** Upstream's SetDefaults_<Kind>; must be idempotent. */
  defaults?(obj: T): void;
  /** Validation of a whole object (create and update). */
  validate?(obj: T, ctx: RequestContext): FieldError[];
  /** Update-only checks (immutable fields), added to validate's errors. */
  validateUpdate?(obj: T, old: T, ctx: RequestContext): FieldError[];
  warnings?(obj: T, old: T | undefined, ctx: RequestContext): string[];
  gracefulDeleteSeconds?(obj: T, requested: number | undefined): number | undefined;
}

const asT = <T>(o: KubeObject): T => o as unknown as T;

/** defineStrategy builds a ResourceStrategy from per-resource hooks. */
export function defineStrategy<T>(hooks: StrategyHooks<T>): ResourceStrategy {
  const specFields = hooks.specFields ?? ['spec'];
  const strategy: ResourceStrategy = {
    prepareForCreate(ctx, obj) {
      if (hooks.hasStatus) {
        delete obj['status'];
        const initial = hooks.initialStatus?.(asT<T>(obj), ctx);
        if (initial !== undefined) obj['status'] = initial;
      }
      if (hooks.trackGeneration) obj.metadata.generation = 1;
      hooks.prepareForCreate?.(asT<T>(obj), ctx);
    },
    applyDefaults(obj) {
      hooks.defaults?.(asT<T>(obj));
    },
    validate(ctx, obj) {
      return hooks.validate?.(asT<T>(obj), ctx) ?? [];
    },
    prepareForUpdate(ctx, obj, old) {
      if (hooks.hasStatus) {
        if (old['status'] === undefined) delete obj['status'];
        else obj['status'] = clone(old['status']);
      }
      if (hooks.trackGeneration) {
        // Compare defaulted specs: the request body may omit fields the stored object has defaulted.
        hooks.defaults?.(asT<T>(obj));
        const changed =
          specFields.some((f) => !deepEqual(obj[f], old[f])) ||
          (hooks.generationOnAnnotations === true && !deepEqual(obj.metadata.annotations ?? {}, old.metadata.annotations ?? {}));
        const prev = old.metadata.generation ?? 1;
        obj.metadata.generation = changed ? prev + 1 : prev;
      }
      hooks.prepareForUpdate?.(asT<T>(obj), asT<T>(old), ctx);
    },
    validateUpdate(ctx, obj, old) {
      return [...(hooks.validate?.(asT<T>(obj), ctx) ?? []), ...(hooks.validateUpdate?.(asT<T>(obj), asT<T>(old), ctx) ?? [])];
    },
  };
  if (hooks.warnings) {
    const w = hooks.warnings;
    strategy.warnings = (ctx, obj, old) => w(asT<T>(obj), old ? asT<T>(old) : undefined, ctx);
  }
  if (hooks.gracefulDeleteSeconds) {
    const g = hooks.gracefulDeleteSeconds;
    strategy.gracefulDeleteSeconds = (obj, requested) => g(asT<T>(obj), requested);
  }
  return strategy;
}

/**
 * Which metadata a `/status` write may change: none (ResetObjectMetaForStatus), all but ownerReferences
 * (pods), all but labels (deployments: the controller records the revision annotation through /status),
 * or all (nodes).
 */
export type StatusMetadataPolicy = 'reset' | 'keepOwnerReferences' | 'keepLabels' | 'allow';

/** defineStatusStrategy builds the `/status` strategy: keep everything but status from the old object. */
export function defineStatusStrategy<T>(
  opts: {
    metadata?: StatusMetadataPolicy;
    prepareForUpdate?(obj: T, old: T, ctx: RequestContext): void;
    validate?(obj: T, old: T, ctx: RequestContext): FieldError[];
  } = {},
): StatusStrategy {
  const policy = opts.metadata ?? 'reset';
  return {
    prepareForUpdate(ctx, obj, old) {
      for (const key of new Set([...Object.keys(obj), ...Object.keys(old)])) {
        if (key === 'metadata' || key === 'status' || key === 'apiVersion' || key === 'kind') continue;
        if (old[key] === undefined) delete obj[key];
        else obj[key] = clone(old[key]);
      }
      if (policy === 'reset') {
        const keepManaged = obj.metadata.managedFields;
        obj.metadata = { ...clone(old.metadata) };
        if (keepManaged !== undefined) obj.metadata.managedFields = keepManaged;
      } else if (policy === 'keepLabels') {
        if (old.metadata.labels === undefined) delete obj.metadata.labels;
        else obj.metadata.labels = clone(old.metadata.labels);
      } else if (policy === 'keepOwnerReferences') {
        if (old.metadata.ownerReferences === undefined) delete obj.metadata.ownerReferences;
        else obj.metadata.ownerReferences = clone(old.metadata.ownerReferences);
      }
      opts.prepareForUpdate?.(asT<T>(obj), asT<T>(old), ctx);
    },
    validateUpdate(ctx, obj, old) {
      return opts.validate?.(asT<T>(obj), asT<T>(old), ctx) ?? [];
    },
  };
}
