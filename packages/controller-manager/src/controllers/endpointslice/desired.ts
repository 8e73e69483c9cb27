import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import { isPodReady } from '../../shared/index.js';
import { findPort, podEndpointHostname, podIPv4, shouldPodBeInEndpoints } from '../endpoints/pods.js';

/** Label naming the Service an EndpointSlice belongs to. */
export const serviceNameLabel = 'kubernetes.io/service-name';
/** Label naming the controller that manages an EndpointSlice. */
export const managedByLabel = 'endpointslice.kubernetes.io/managed-by';
/** Our value of {@link managedByLabel}, upstream's. */
export const managedByValue = 'endpointslice-controller.k8s.io';
/** Upstream's default `--max-endpoints-per-slice`. */
export const maxEndpointsPerSlice = 100;

/** One wanted group of endpoints: those resolving the Service's ports to the same numbers. */
export interface EndpointGroup {
  ports: EndpointPort[];
  endpoints: Endpoint[];
}

/**
 * desiredEndpointGroups turns the pods a Service selects into EndpointSlice endpoints (upstream
 * podToEndpoint), grouped by resolved port set and sorted by address. Terminating pods stay in as
 * `terminating: true`, not ready, serving while still Ready; publishNotReadyAddresses makes all ready.
 */
export function desiredEndpointGroups(svc: Service, pods: Pod[]): Map<string, EndpointGroup> {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const groups = new Map<string, EndpointGroup>();
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports: EndpointPort[] = [];
    for (const sp of svc.spec?.ports ?? []) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      ports.push({ name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
    }
    if ((svc.spec?.ports?.length ?? 0) > 0 && ports.length === 0) continue;
    ports.sort((a, b) => (portKey(a) < portKey(b) ? -1 : portKey(a) > portKey(b) ? 1 : 0));
    const key = portsKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, endpoints: [] }));
    g.endpoints.push(podToEndpoint(pod, svc, publishNotReady));
  }
  for (const g of groups.values()) g.endpoints.sort((a, b) => compareIp(a.addresses[0] ?? '', b.addresses[0] ?? ''));
  return groups;
}

function podToEndpoint(pod: Pod, svc: Service, publishNotReady: boolean): Endpoint {
  const serving = publishNotReady || isPodReady(pod);
  const terminating = !!pod.metadata?.deletionTimestamp;
  // "ready" is never true for a terminating pod unless publishNotReadyAddresses, as upstream keeps it.
  const ready = publishNotReady || (serving && !terminating);
  const hostname = podEndpointHostname(pod, svc);
  return {
    addresses: [podIPv4(pod) as string],
    conditions: { ready, serving, terminating },
    ...(hostname ? { hostname } : {}),
    ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' },
  };
}

function portKey(p: EndpointPort): string {
  return `${p.name ?? ''}/${p.port ?? ''}/${p.protocol ?? ''}/${p.appProtocol ?? ''}`;
}

/** portsKey identifies a port set; a slice's and a group's keys match when their ports do. */
export function portsKey(ports: EndpointPort[] | undefined): string {
  return (ports ?? []).map(portKey).sort().join(',');
}

function compareIp(a: string, b: string): number {
  const pad = (ip: string): string => ip.split('.').map((o) => o.padStart(3, '0')).join('.');
  return pad(a) < pad(b) ? -1 : pad(a) > pad(b) ? 1 : 0;
}

/** sliceLabels are the Service's labels plus the service-name, managed-by and headless labels. */
export function sliceLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
  delete labels['service.kubernetes.io/headless'];
  labels[serviceNameLabel] = svc.metadata?.name ?? '';
  labels[managedByLabel] = managedByValue;
  if (svc.spec?.clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
  return labels;
}

/** newSlice builds a fresh EndpointSlice of the Service (upstream newEndpointSlice). */
export function newSlice(svc: Service, group: EndpointGroup | undefined): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${(svc.metadata?.name ?? '').slice(0, 57)}-`,
      namespace: svc.metadata?.namespace ?? '',
      labels: sliceLabels(svc),
      ownerReferences: [serviceOwnerRef(svc)],
    },
    addressType: 'IPv4',
    endpoints: group?.endpoints ?? [],
    ...(group && group.ports.length > 0 ? { ports: group.ports } : {}),
  };
}

/** serviceOwnerRef is the controller reference every managed slice carries. */
export function serviceOwnerRef(svc: Service): { apiVersion: string; kind: string; name: string; uid: string; controller: boolean; blockOwnerDeletion: boolean } {
  return { apiVersion: 'v1', kind: 'Service', name: svc.metadata?.name ?? '', uid: svc.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** chunk splits endpoints into slices of at most `size` (one empty chunk for none). */
export function chunk<T>(items: T[], size: number): T[][] {
  if (items.length === 0) return [[]];
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
