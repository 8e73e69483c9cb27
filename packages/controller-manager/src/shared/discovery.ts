import type { GroupVersionResource, RestClient } from '@nanokube/client';

/** One served resource as discovery describes it. */
export interface DiscoveredResource extends GroupVersionResource {
  verbs: string[];
}

interface APIResourceList {
  groupVersion: string;
  resources: { name: string; namespaced: boolean; kind: string; verbs: string[] }[];
}

interface APIGroupList {
  groups: { name: string; versions: { groupVersion: string; version: string }[]; preferredVersion?: { groupVersion: string; version: string } }[];
}

/**
 * discoverResources lists the top-level resources the apiserver serves (legacy discovery: `/api/v1`,
 * `/apis`, then each group's preferred version), subresources excluded. A group whose document cannot
 * be read is skipped, as upstream tolerates partial discovery failures.
 */
export async function discoverResources(rest: RestClient, signal?: AbortSignal): Promise<DiscoveredResource[]> {
  const out: DiscoveredResource[] = [];
  const add = (list: APIResourceList, group: string, version: string): void => {
    for (const r of list.resources ?? []) {
      if (r.name.includes('/')) continue;
      out.push({ group, version, resource: r.name, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs ?? [] });
    }
  };
  const opt = signal ? { signal } : {};
  add(await rest.request<APIResourceList>({ method: 'GET', path: '/api/v1', ...opt }), '', 'v1');
  const groups = await rest.request<APIGroupList>({ method: 'GET', path: '/apis', ...opt });
  await Promise.all(
    (groups.groups ?? []).map(async (g) => {
      const v = g.preferredVersion ?? g.versions[0];
      if (!v) return;
      try {
        add(await rest.request<APIResourceList>({ method: 'GET', path: `/apis/${v.groupVersion}`, ...opt }), g.name, v.version);
      } catch {
        // Partial discovery: the group is skipped until the next attempt.
      }
    }),
  );
  return out;
}

/** gvrKey renders `group/version/resource` ('' group for core). */
export function gvrKey(gvr: { group: string; version: string; resource: string }): string {
  return `${gvr.group}/${gvr.version}/${gvr.resource}`;
}
