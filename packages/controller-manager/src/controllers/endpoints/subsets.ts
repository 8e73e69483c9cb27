import type { EndpointAddress, EndpointPort, EndpointSubset, Pod, Service } from 'kubernetes-types/core/v1.js';
import { isPodReady } from '../../shared/index.js';
import { findPort, podEndpointHostname, podIPv4, shouldPodBeInEndpoints } from './pods.js';

interface Entry {
  address: EndpointAddress;
  ready: boolean;
  ports: EndpointPort[];
}

/**
 * computeSubsets builds the Endpoints subsets of a Service from the pods its selector matches (upstream
 * syncService + RepackSubsets): each usable pod is an address, ready ones under `addresses` and the rest
 * under `notReadyAddresses` (everything is ready with publishNotReadyAddresses); addresses with the same
 * resolved port set share one subset. Output is sorted so equal inputs give equal objects.
 */
export function computeSubsets(svc: Service, pods: Pod[]): EndpointSubset[] {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const entries: Entry[] = [];
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const address = podAddress(pod, svc);
    const ready = publishNotReady || isPodReady(pod);
    const ports: EndpointPort[] = [];
    for (const sp of svc.spec?.ports ?? []) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      ports.push({
        ...(sp.name ? { name: sp.name } : {}),
        port,
        protocol: sp.protocol ?? 'TCP',
        ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}),
      });
    }
    // A pod exposing none of a ported Service's ports backs no endpoint.
    if ((svc.spec?.ports?.length ?? 0) > 0 && ports.length === 0) continue;
    entries.push({ address, ready, ports: ports.sort(comparePorts) });
  }
  return repack(entries);
}

function podAddress(pod: Pod, svc: Service): EndpointAddress {
  const hostname = podEndpointHostname(pod, svc);
  return {
    ip: podIPv4(pod) as string,
    ...(hostname ? { hostname } : {}),
    ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' },
  };
}

function comparePorts(a: EndpointPort, b: EndpointPort): number {
  const ka = `${a.name ?? ''}/${a.port}/${a.protocol}`;
  const kb = `${b.name ?? ''}/${b.port}/${b.protocol}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  const ka = a.ip.split('.').map((o) => o.padStart(3, '0')).join('.') + (a.targetRef?.uid ?? '');
  const kb = b.ip.split('.').map((o) => o.padStart(3, '0')).join('.') + (b.targetRef?.uid ?? '');
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function repack(entries: Entry[]): EndpointSubset[] {
  const groups = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  for (const e of entries) {
    const key = JSON.stringify(e.ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports: e.ports, ready: [], notReady: [] }));
    (e.ready ? g.ready : g.notReady).push(e.address);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, g]) => ({
      ...(g.ready.length > 0 ? { addresses: g.ready.sort(compareAddresses) } : {}),
      ...(g.notReady.length > 0 ? { notReadyAddresses: g.notReady.sort(compareAddresses) } : {}),
      ...(g.ports.length > 0 ? { ports: g.ports } : {}),
    }));
}
