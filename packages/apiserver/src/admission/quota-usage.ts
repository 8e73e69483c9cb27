/**
 * Quota usage evaluation, as upstream's pkg/quota/v1/evaluator/core: what an object charges against
 * each quota resource name (`pods`, `requests.cpu`, `services.nodeports`, `count/deployments.apps`,
 * ...) and the scopes a pod matches.
 */
import { addQuantities, formatQuantity, parseQuantity, quantityFromInt, type Quantity } from '@nanokube/api';
import type { Container, Pod, ResourceQuota } from 'kubernetes-types/core/v1.js';
import type { KubeObject, ResourceDefinition } from '../registry/types.js';

/** A usage vector: quota resource name -> quantity. */
export type Usage = Map<string, Quantity>;

const one = (): Quantity => quantityFromInt(1);
const computeNames = ['cpu', 'memory', 'ephemeral-storage'];
/** Legacy object-count names of core resources. */
const legacyCounts: Record<string, string> = {
  pods: 'pods',
  services: 'services',
  secrets: 'secrets',
  configmaps: 'configmaps',
  persistentvolumeclaims: 'persistentvolumeclaims',
  replicationcontrollers: 'replicationcontrollers',
  resourcequotas: 'resourcequotas',
};

/** countName is the `count/<resource>[.<group>]` name of a resource. */
export function countName(def: ResourceDefinition): string {
  return def.group ? `count/${def.resource}.${def.group}` : `count/${def.resource}`;
}

function add(u: Usage, k: string, v: Quantity): void {
  const cur = u.get(k);
  u.set(k, cur ? addQuantities(cur, v) : v);
}

function sumResources(containers: Container[] | undefined, field: 'requests' | 'limits'): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  for (const c of containers ?? []) {
    for (const [k, v] of Object.entries((c.resources?.[field] ?? {}) as Record<string, string>)) {
      const qv = parseQuantity(String(v));
      const cur = out.get(k);
      out.set(k, cur ? addQuantities(cur, qv) : qv);
    }
  }
  return out;
}

/** podResources is a pod's effective requests or limits: max(sum of containers, any init container). */
function podResources(pod: Pod, field: 'requests' | 'limits'): Map<string, Quantity> {
  const sum = sumResources(pod.spec?.containers, field);
  for (const c of pod.spec?.initContainers ?? []) {
    for (const [k, qv] of sumResources([c], field)) {
      const cur = sum.get(k);
      if (!cur || addQuantities(qv, { ...cur, num: -cur.num }).num > 0n) sum.set(k, qv);
    }
  }
  return sum;
}

/** isTerminalPod: Succeeded and Failed pods no longer use quota. */
export function isTerminalPod(pod: Pod): boolean {
  const p = pod.status?.phase;
  return p === 'Succeeded' || p === 'Failed';
}

/** usageOf computes what one object charges. */
export function usageOf(def: ResourceDefinition, obj: KubeObject): Usage {
  const u: Usage = new Map();
  const legacy = def.group === '' ? legacyCounts[def.resource] : undefined;
  if (def.group === '' && def.resource === 'pods' && isTerminalPod(obj as unknown as Pod)) return u;
  u.set(countName(def), one());
  if (legacy) u.set(legacy, one());
  if (def.group === '' && def.resource === 'pods') {
    const pod = obj as unknown as Pod;
    for (const [k, v] of podResources(pod, 'requests')) {
      add(u, `requests.${k}`, v);
      if (computeNames.includes(k)) add(u, k, v);
    }
    for (const [k, v] of podResources(pod, 'limits')) add(u, `limits.${k}`, v);
  }
  if (def.group === '' && def.resource === 'services') {
    const spec = (obj['spec'] ?? {}) as { type?: string; ports?: { nodePort?: number }[] };
    if (spec.type === 'LoadBalancer') add(u, 'services.loadbalancers', one());
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') add(u, 'services.nodeports', quantityFromInt((spec.ports ?? []).length));
  }
  if (def.group === '' && def.resource === 'persistentvolumeclaims') {
    const storage = ((obj['spec'] as { resources?: { requests?: Record<string, string> } } | undefined)?.resources?.requests ?? {})['storage'];
    if (storage) add(u, 'requests.storage', parseQuantity(storage));
  }
  return u;
}

/** matchesScopes reports whether a pod falls under a quota's scopes (Terminating, NotTerminating, BestEffort, NotBestEffort). */
export function matchesScopes(quota: ResourceQuota, def: ResourceDefinition, obj: KubeObject): boolean {
  const scopes = quota.spec?.scopes ?? [];
  if (scopes.length === 0) return true;
  if (!(def.group === '' && def.resource === 'pods')) return false;
  const pod = obj as unknown as Pod;
  const bestEffort = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].every(
    (c) => Object.keys(c.resources?.requests ?? {}).length === 0 && Object.keys(c.resources?.limits ?? {}).length === 0,
  );
  const terminating = pod.spec?.activeDeadlineSeconds !== undefined && pod.spec.activeDeadlineSeconds !== null;
  return scopes.every((s) => (s === 'BestEffort' ? bestEffort : s === 'NotBestEffort' ? !bestEffort : s === 'Terminating' ? terminating : s === 'NotTerminating' ? !terminating : true));
}

/** missingComputeResources lists `<name> for: <containers>` entries for quota'd compute resources a pod leaves unset. */
export function missingComputeResources(quota: ResourceQuota, pod: Pod): string[] {
  const hard = Object.keys(quota.spec?.hard ?? {});
  const out: string[] = [];
  for (const name of hard.sort()) {
    const m = /^(requests|limits)\.(cpu|memory|ephemeral-storage)$/.exec(name) ?? (computeNames.includes(name) ? ['', 'requests', name] : null);
    if (!m) continue;
    const field = m[1] as 'requests' | 'limits';
    const res = m[2] ?? '';
    const missing = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]
      .filter((c) => {
        const r = c.resources ?? {};
        return (r[field] as Record<string, string> | undefined)?.[res] === undefined && (field === 'requests' ? r.limits?.[res] === undefined : true);
      })
      .map((c) => c.name);
    if (missing.length) out.push(`${name} for: ${missing.join(',')}`);
  }
  return out;
}

/** formatUsage renders quantities of the names listed, sorted, as `a=1,b=2`. */
export function formatUsage(u: Usage, names: readonly string[]): string {
  return [...names].sort().map((n) => `${n}=${formatQuantity(u.get(n) ?? quantityFromInt(0))}`).join(',');
}

/** sumUsage adds usages. */
export function sumUsage(usages: Iterable<Usage>): Usage {
  const total: Usage = new Map();
  for (const u of usages) for (const [k, v] of u) add(total, k, v);
  return total;
}
