/**
 * API discovery documents, computed once from the served ResourceDefinitions: the legacy `/api`,
 * `/apis`, `/apis/<g>` and APIResourceList documents, and aggregated discovery (apidiscovery.k8s.io v2
 * and v2beta1). Everything listed here is also routed, so no advertised group version can answer
 * non-200 (which would make every kubectl command print memcache errors).
 */
import type { ResourceDefinition } from '../registry/types.js';
import type { DiscoveryVersion } from './negotiation.js';
import { groupVersion } from './render.js';

/** Pre-serialised discovery documents. */
export interface DiscoveryDocuments {
  /** `/api` (APIVersions). */
  coreVersions: string;
  /** `/apis` (APIGroupList). */
  groupList: string;
  /** `/apis/<group>` (APIGroup) by group name. */
  groups: Map<string, string>;
  /** APIResourceList by group version (`v1`, `apps/v1`). */
  resourceLists: Map<string, string>;
  /** Aggregated discovery for `/api` and `/apis`, by discovery version. */
  aggregatedCore: Record<DiscoveryVersion, string>;
  aggregatedGroups: Record<DiscoveryVersion, string>;
}

interface GroupVersions {
  name: string;
  versions: string[];
}

/** servedGroups lists groups in the order of their first resource, versions preferred first. */
export function servedGroups(defs: readonly ResourceDefinition[]): GroupVersions[] {
  const groups = new Map<string, GroupVersions>();
  for (const d of defs) {
    let g = groups.get(d.group);
    if (!g) {
      g = { name: d.group, versions: [] };
      groups.set(d.group, g);
    }
    for (const v of d.versions) if (!g.versions.includes(v)) g.versions.push(v);
  }
  return [...groups.values()];
}

function statusVerbs(): string[] {
  return ['get', 'patch', 'update'];
}

interface SubresourceInfo {
  name: string;
  kind: { group: string; version: string; kind: string };
  verbs: string[];
}

function subresourcesOf(d: ResourceDefinition, version: string): SubresourceInfo[] {
  const own = { group: d.group, version, kind: d.kind };
  const out: SubresourceInfo[] = [];
  if (d.statusStrategy) out.push({ name: 'status', kind: own, verbs: statusVerbs() });
  if (d.scale) out.push({ name: 'scale', kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: statusVerbs() });
  for (const x of d.extraSubresources ?? []) {
    if (out.some((s) => s.name === x.name)) continue;
    out.push({ name: x.name, kind: x.kind ?? own, verbs: x.verbs });
  }
  return out;
}

function legacyResources(defs: readonly ResourceDefinition[], group: string, version: string): unknown[] {
  const out: unknown[] = [];
  for (const d of defs) {
    if (d.group !== group || !d.versions.includes(version)) continue;
    out.push({
      name: d.resource,
      singularName: d.singular,
      namespaced: d.namespaced,
      kind: d.kind,
      verbs: d.verbs,
      ...(d.shortNames?.length ? { shortNames: d.shortNames } : {}),
      ...(d.categories?.length ? { categories: d.categories } : {}),
    });
    for (const s of subresourcesOf(d, version)) {
      const foreign = s.kind.group !== group || s.kind.version !== version;
      out.push({
        name: `${d.resource}/${s.name}`,
        singularName: '',
        namespaced: d.namespaced,
        ...(foreign ? { group: s.kind.group, version: s.kind.version } : {}),
        kind: s.kind.kind,
        verbs: s.verbs,
      });
    }
  }
  return out;
}

function aggregatedResources(defs: readonly ResourceDefinition[], group: string, version: string): unknown[] {
  return defs
    .filter((d) => d.group === group && d.versions.includes(version))
    .map((d) => {
      const subs = subresourcesOf(d, version).map((s) => ({ subresource: s.name, responseKind: s.kind, verbs: s.verbs }));
      return {
        resource: d.resource,
        responseKind: { group, version, kind: d.kind },
        scope: d.namespaced ? 'Namespaced' : 'Cluster',
        singularResource: d.singular,
        verbs: d.verbs,
        ...(d.shortNames?.length ? { shortNames: d.shortNames } : {}),
        ...(d.categories?.length ? { categories: d.categories } : {}),
        ...(subs.length ? { subresources: subs } : {}),
      };
    });
}

function aggregatedList(defs: readonly ResourceDefinition[], groups: GroupVersions[], v: DiscoveryVersion): string {
  return JSON.stringify({
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${v}`,
    metadata: {},
    items: groups.map((g) => ({
      metadata: { name: g.name, creationTimestamp: null },
      versions: g.versions.map((ver) => ({ version: ver, resources: aggregatedResources(defs, g.name, ver), freshness: 'Current' })),
    })),
  });
}

function apiGroup(g: GroupVersions): Record<string, unknown> {
  const versions = g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v }));
  return { name: g.name, versions, preferredVersion: versions[0] };
}

/** buildDiscovery computes every discovery document for the served resources. */
export function buildDiscovery(defs: readonly ResourceDefinition[], serverAddress?: string): DiscoveryDocuments {
  const all = servedGroups(defs);
  const core = all.filter((g) => g.name === '');
  const named = all.filter((g) => g.name !== '');
  const resourceLists = new Map<string, string>();
  for (const g of all) {
    for (const v of g.versions) {
      const gv = groupVersion(g.name, v);
      resourceLists.set(gv, JSON.stringify({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources: legacyResources(defs, g.name, v) }));
    }
  }
  const cidrs = serverAddress ? { serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] } : {};
  return {
    coreVersions: JSON.stringify({ kind: 'APIVersions', versions: core[0]?.versions ?? [], ...cidrs }),
    groupList: JSON.stringify({ kind: 'APIGroupList', apiVersion: 'v1', groups: named.map(apiGroup) }),
    groups: new Map(named.map((g) => [g.name, JSON.stringify({ kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(g) })])),
    resourceLists,
    aggregatedCore: { v2: aggregatedList(defs, core, 'v2'), v2beta1: aggregatedList(defs, core, 'v2beta1') },
    aggregatedGroups: { v2: aggregatedList(defs, named, 'v2'), v2beta1: aggregatedList(defs, named, 'v2beta1') },
  };
}
