/** Helpers for the resource tests: a request context and the create/update pipelines the registry runs. */
import type { FieldError } from '@nanokube/api';
import type { KubeObject, RequestContext, ResourceDefinition } from '../../types.js';
import { clone } from './util.js';

/** testContext returns a RequestContext at a fixed time. */
export function testContext(now = new Date('2024-05-01T12:00:00Z'), namespace = 'default'): RequestContext {
  return { namespace, user: { name: 'admin', groups: ['system:masters'] }, dryRun: false, now };
}

/** runCreate runs prepareForCreate -> applyDefaults -> validate on a copy and returns both. */
export function runCreate(def: ResourceDefinition, obj: unknown, ctx = testContext()): { obj: KubeObject; errors: FieldError[] } {
  const o = clone(obj) as KubeObject;
  def.strategy.prepareForCreate(ctx, o);
  def.strategy.applyDefaults(o);
  return { obj: o, errors: def.strategy.validate(ctx, o) };
}

/** runUpdate runs prepareForUpdate -> applyDefaults -> validateUpdate on a copy of obj against old. */
export function runUpdate(def: ResourceDefinition, obj: unknown, old: KubeObject, ctx = testContext()): { obj: KubeObject; errors: FieldError[] } {
  const o = clone(obj) as KubeObject;
  def.strategy.prepareForUpdate(ctx, o, old);
  def.strategy.applyDefaults(o);
  return { obj: o, errors: def.strategy.validateUpdate(ctx, o, old) };
}

/** messages renders errors as `field: detail`. */
export function messages(errors: FieldError[]): string[] {
  return errors.map((e) => `${e.field}: ${e.detail}`);
}
