/**
 * ObjectMeta rules common to every resource (upstream's rest.BeforeCreate / BeforeUpdate and
 * ValidateObjectMetaUpdate): namespace agreement, system fields, generated names, generation, and
 * the common metadata validation that runs after the resource's own.
 */
import { randomInt, randomUUID } from 'node:crypto';
import {
  forbidden,
  invalid,
  isDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  newBadRequest,
  newInvalid,
  validateObjectMeta,
  type FieldError,
  type ValidateNameFunc,
} from '@nanokube/api';
import type { KubeObject, RequestContext, ResourceDefinition } from '../types.js';
import { extras } from './keys.js';
import { deepEqual, rfc3339 } from './objects.js';

/** Upstream's alphabet for generated name suffixes (no vowels, no confusable digits). */
const nameAlphabet = 'bcdfghjklmnpqrstvwxz2456789';
const maxGeneratedNameLength = 58;

/** generateName returns base (truncated to 58 characters) plus 5 random characters. */
export function generateName(base: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += nameAlphabet[randomInt(nameAlphabet.length)];
  return base.slice(0, maxGeneratedNameLength) + suffix;
}

/**
 * nameRule is the resource's metadata.name check: its `nameValidation` when the definition has one,
 * else DNS-1123 labels for namespaces and services, path segments only for RBAC (`system:foo`),
 * DNS-1123 subdomains for everything else.
 */
function nameRule(def: ResourceDefinition): ValidateNameFunc {
  const mask = (n: string, prefix: boolean): string => (prefix && n.length > 1 && n.endsWith('-') ? `${n.slice(0, -1)}a` : n);
  switch (extras(def).nameValidation) {
    case 'DNS1123Label':
      return nameIsDNSLabel;
    case 'DNS1035Label':
      return (n, p) => isDNS1035Label(mask(n, p));
    case 'PathSegment':
      return () => [];
    case 'DNS1123Subdomain':
      return nameIsDNSSubdomain;
  }
  if (def.group === '' && (def.resource === 'namespaces' || def.resource === 'services')) return nameIsDNSLabel;
  if (def.group === 'rbac.authorization.k8s.io') return () => [];
  return nameIsDNSSubdomain;
}

/** ensureNamespace makes the body's namespace agree with the request's (400 on a mismatch). */
export function ensureNamespace(ctx: RequestContext, def: ResourceDefinition, obj: KubeObject): void {
  if (!obj.metadata || typeof obj.metadata !== 'object') obj.metadata = {};
  if (!def.namespaced) {
    delete obj.metadata.namespace;
    return;
  }
  const ns = obj.metadata.namespace;
  if (ns && ns !== ctx.namespace) {
    throw newBadRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  obj.metadata.namespace = ctx.namespace;
}

/** ensureName checks the body's name against the URL's (400 on a mismatch) and fills it in. */
export function ensureName(obj: KubeObject, name: string): void {
  const bodyName = obj.metadata.name;
  if (bodyName && bodyName !== name) {
    throw newBadRequest(`the name of the object (${bodyName}) does not match the name on the URL (${name})`);
  }
  obj.metadata.name = name;
}

/**
 * fillCreateMeta sets the system fields of a new object and clears what a client may not set.
 * Returns true when the name was generated from generateName.
 */
export function fillCreateMeta(ctx: RequestContext, obj: KubeObject): boolean {
  const meta = obj.metadata;
  if (meta.resourceVersion) throw newBadRequest('resourceVersion should not be set on objects to be created');
  const generated = !meta.name && !!meta.generateName;
  if (generated) meta.name = generateName(meta.generateName as string);
  meta.uid = randomUUID();
  meta.creationTimestamp = rfc3339(ctx.now);
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  delete meta['selfLink'];
  if (meta.generation !== undefined && meta.generation !== 1) delete meta.generation;
  return generated;
}

/** Groups whose resources carry metadata.generation (upstream strategies set it to 1 on create). */
const generationGroups = new Set(['apps', 'batch', 'autoscaling', 'policy', 'networking.k8s.io', 'scheduling.k8s.io']);

/** defaultGeneration sets generation 1 on resources that track it, when the strategy did not. */
export function defaultGeneration(def: ResourceDefinition, obj: KubeObject): void {
  if (obj.metadata.generation !== undefined) return;
  if (generationGroups.has(def.group) || (def.group === '' && def.resource === 'replicationcontrollers')) {
    obj.metadata.generation = 1;
  }
}

/** carryUpdateMeta copies what an update may never change from old (upstream's BeforeUpdate). */
export function carryUpdateMeta(obj: KubeObject, old: KubeObject): void {
  const meta = obj.metadata;
  const om = old.metadata;
  if (!meta.uid) meta.uid = om.uid;
  if (om.creationTimestamp) meta.creationTimestamp = om.creationTimestamp;
  if (om.deletionTimestamp) meta.deletionTimestamp = om.deletionTimestamp;
  else delete meta.deletionTimestamp;
  if (om.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = om.deletionGracePeriodSeconds;
  else delete meta.deletionGracePeriodSeconds;
  if (om.generation !== undefined) meta.generation = om.generation;
  else delete meta.generation;
  if (meta.managedFields === undefined && om.managedFields !== undefined) meta.managedFields = om.managedFields as unknown[];
  delete meta['selfLink'];
  if (meta.generateName === undefined && om.generateName !== undefined) meta.generateName = om.generateName;
}

/** bumpGenerationOnSpecChange bumps generation when the strategy left it but the spec changed. */
export function bumpGenerationOnSpecChange(obj: KubeObject, old: KubeObject): void {
  const g = old.metadata.generation;
  if (g === undefined || obj.metadata.generation !== g) return;
  if (!deepEqual(obj['spec'], old['spec'])) obj.metadata.generation = g + 1;
}

/** validateCreate runs the strategy's validation, then (if it passed) the common ObjectMeta one. */
export function validateCreate(ctx: RequestContext, def: ResourceDefinition, obj: KubeObject): void {
  let errs = def.strategy.validate(ctx, obj);
  if (errs.length === 0) errs = validateObjectMeta(obj.metadata, { namespaced: def.namespaced, nameFn: nameRule(def) });
  if (errs.length > 0) throw newInvalid({ group: def.group, kind: def.kind }, obj.metadata.name ?? '', errs);
}

/** validateUpdateMeta is the common ObjectMeta update validation (immutable system fields, finalizers). */
export function validateUpdateMeta(def: ResourceDefinition, obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, { namespaced: def.namespaced, nameFn: nameRule(def) });
  const m = obj.metadata;
  const o = old.metadata;
  if (m.uid !== o.uid) errs.push(invalid('metadata.uid', m.uid ?? '', 'field is immutable'));
  if (m.name !== o.name) errs.push(invalid('metadata.name', m.name ?? '', 'field is immutable'));
  if (o.deletionTimestamp) {
    const added = (m.finalizers ?? []).filter((f) => !(o.finalizers ?? []).includes(f));
    if (added.length > 0) {
      errs.push(
        forbidden(
          'metadata.finalizers',
          `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`,
        ),
      );
    }
  }
  return errs;
}
