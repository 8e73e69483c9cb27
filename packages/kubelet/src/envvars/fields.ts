/**
 * Downward API values shared by env vars (`valueFrom.fieldRef`, `resourceFieldRef`) and downwardAPI /
 * projected volume files, as upstream's fieldpath.ExtractFieldPathAsString and
 * resource.ExtractContainerResourceValue compute them.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { toNumber, tryParseQuantity } from '@nanokube/api';

/** Addresses known when a container starts. */
export interface PodAddresses {
  podIps: string[];
  hostIps: string[];
}

/** FieldRefError is an unsupported or malformed field path or resource. */
export class FieldRefError extends Error {
  override readonly name = 'FieldRefError';
}

/** formatMap renders labels/annotations as the downward API does: sorted `k="v"` lines. */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify((m ?? {})[k])}`)
    .join('\n');
}

/** fieldRefValue returns the value of a downward-API field path of the pod. */
export function fieldRefValue(pod: Pod, path: string, addrs: PodAddresses): string {
  const m = pod.metadata ?? {};
  switch (path) {
    case 'metadata.name': return m.name ?? '';
    case 'metadata.namespace': return m.namespace ?? '';
    case 'metadata.uid': return m.uid ?? '';
    case 'metadata.labels': return formatMap(m.labels);
    case 'metadata.annotations': return formatMap(m.annotations);
    case 'spec.nodeName': return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP': return addrs.podIps[0] ?? '';
    case 'status.podIPs': return addrs.podIps.join(',');
    case 'status.hostIP': return addrs.hostIps[0] ?? '';
    case 'status.hostIPs': return addrs.hostIps.join(',');
  }
  const sub = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (sub) return (sub[1] === 'labels' ? m.labels : m.annotations)?.[sub[2] as string] ?? '';
  throw new FieldRefError(`unsupported fieldPath: ${path}`);
}

const resourceNames: Record<string, string> = {
  'limits.cpu': 'cpu',
  'limits.memory': 'memory',
  'limits.ephemeral-storage': 'ephemeral-storage',
  'requests.cpu': 'cpu',
  'requests.memory': 'memory',
  'requests.ephemeral-storage': 'ephemeral-storage',
};

/**
 * resourceFieldValue returns a container's request or limit divided by `divisor` and rounded up. Limits the
 * container does not set are the node's allocatable amount, as upstream merges them.
 */
export function resourceFieldValue(container: Container, resource: string, divisor: string | undefined, nodeAllocatable: Record<string, string>): string {
  const name = resourceNames[resource];
  if (!name) {
    if (resource.startsWith('limits.hugepages-') || resource.startsWith('requests.hugepages-')) return '0';
    throw new FieldRefError(`unsupported container resource : ${resource}`);
  }
  const isLimit = resource.startsWith('limits.');
  const raw = isLimit
    ? (container.resources?.limits?.[name] ?? nodeAllocatable[name])
    : container.resources?.requests?.[name];
  const value = raw !== undefined ? tryParseQuantity(raw) : undefined;
  const div = tryParseQuantity(divisor ?? '1');
  const n = value ? toNumber(value) : 0;
  const d = div ? toNumber(div) : 1;
  if (d <= 0) throw new FieldRefError(`invalid divisor ${divisor ?? ''}`);
  if (name === 'cpu') return String(Math.ceil(Math.round(n * 1000) / Math.round(d * 1000)));
  return String(Math.ceil(n / d));
}
