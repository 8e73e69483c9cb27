/** Group versions as the OpenAPI v3 endpoints name them (`api/v1`, `apis/apps/v1`). */
import type { ResourceDefinition } from '../registry/types.js';

/** GroupVersion is an API group ('' for core) and one of its versions. */
export interface GroupVersion {
  group: string;
  version: string;
}

/** groupVersionPath returns the discovery path of a group version without the leading slash. */
export function groupVersionPath(gv: GroupVersion): string {
  return gv.group === '' ? `api/${gv.version}` : `apis/${gv.group}/${gv.version}`;
}

/** parseGroupVersionPath is the inverse of groupVersionPath; undefined for anything else. */
export function parseGroupVersionPath(path: string): GroupVersion | undefined {
  const parts = path.replace(/^\/+|\/+$/g, '').split('/');
  if (parts.length === 2 && parts[0] === 'api' && parts[1]) return { group: '', version: parts[1] };
  if (parts.length === 3 && parts[0] === 'apis' && parts[1] && parts[2]) return { group: parts[1], version: parts[2] };
  return undefined;
}

/** servedGroupVersions lists every group version some resource is served at, sorted by path. */
export function servedGroupVersions(defs: readonly ResourceDefinition[]): GroupVersion[] {
  const seen = new Map<string, GroupVersion>();
  for (const def of defs) {
    for (const version of def.versions) {
      const gv = { group: def.group, version };
      seen.set(groupVersionPath(gv), gv);
    }
  }
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, gv]) => gv);
}

/**
 * operationGroup returns upstream's operation tag (`apps_v1`, `rbacAuthorization_v1`) and operationId
 * infix (`AppsV1`, `CoreV1`) of a group version.
 */
export function operationGroup(gv: GroupVersion): { tag: string; id: string } {
  const words = gv.group === '' ? ['core'] : gv.group.replace(/\.k8s\.io$/, '').split('.');
  const camel = words.map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1))).join('');
  const version = gv.version.charAt(0).toUpperCase() + gv.version.slice(1);
  return { tag: `${camel}_${gv.version}`, id: `${camel.charAt(0).toUpperCase()}${camel.slice(1)}${version}` };
}
