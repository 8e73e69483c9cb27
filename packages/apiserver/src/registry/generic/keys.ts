/**
 * Storage keys, as upstream lays them out: `<prefix>/<resource>/<namespace>/<name>` for namespaced
 * resources and `<prefix>/<resource>/<name>` for cluster-scoped ones (e.g. `/registry/pods/ns/x`,
 * `/registry/deployments/ns/x`, `/registry/namespaces/x`). Built-in resources use their bare plural as
 * upstream does; when two served groups share a plural (core `events` and `events.k8s.io` events) the
 * non-core one is stored under `<group>/<resource>` so the two never share a watch cache.
 */
import type { ResourceDefinition, StatusStrategy } from '../types.js';

/** resourceId is the `group/resource` identity of a definition. */
export function resourceId(def: Pick<ResourceDefinition, 'group' | 'resource'>): string {
  return `${def.group}/${def.resource}`;
}

/** Optional fields a definition may carry beyond types.ts (see resources/shared/definition.ts). */
export interface DefinitionExtras {
  /** Key segment under the prefix when it differs from `resource` (e.g. `events.events.k8s.io`). */
  storageResource?: string;
  /** Create-only kinds answered by a handler and never stored (access and token reviews). */
  virtual?: boolean;
  /** The metadata.name rule: DNS1123Subdomain (default), DNS1123Label, DNS1035Label, PathSegment. */
  nameValidation?: string;
  /** Strategies of further update subresources (e.g. namespaces `finalize`), shaped like the status one. */
  subresourceStrategies?: Record<string, StatusStrategy>;
}

/** extras reads the optional fields of a definition. */
export function extras(def: ResourceDefinition): DefinitionExtras {
  return def as ResourceDefinition & DefinitionExtras;
}

/**
 * computeResourcePrefixes assigns every stored definition its key prefix (`/registry/pods/`);
 * virtual definitions get none.
 */
export function computeResourcePrefixes(defs: readonly ResourceDefinition[], prefix: string): Map<string, string> {
  const base = prefix.replace(/\/+$/, '');
  const byPlural = new Map<string, ResourceDefinition[]>();
  for (const def of defs) {
    if (extras(def).virtual) continue;
    const segment = extras(def).storageResource ?? def.resource;
    byPlural.set(segment, [...(byPlural.get(segment) ?? []), def]);
  }
  const out = new Map<string, string>();
  for (const [segment, group] of byPlural) {
    const owner = group.find((d) => d.group === '') ?? group[0];
    for (const def of group) {
      out.set(resourceId(def), def === owner ? `${base}/${segment}/` : `${base}/${def.group}/${segment}/`);
    }
  }
  return out;
}

/** objectKey is the storage key of one object under a resource prefix. */
export function objectKey(resourcePrefix: string, namespace: string, name: string): string {
  return namespace ? `${resourcePrefix}${namespace}/${name}` : `${resourcePrefix}${name}`;
}

/** namespacePrefix is the key prefix of a namespace's objects ('' namespace = the whole resource). */
export function namespacePrefix(resourcePrefix: string, namespace: string): string {
  return namespace ? `${resourcePrefix}${namespace}/` : resourcePrefix;
}

/** prefixEnd is the exclusive end of a prefix range (etcd's range_end for a prefix). */
export function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}
