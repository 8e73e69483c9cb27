/**
 * Endpoints of a service port, merged from the Service's EndpointSlices, and upstream's
 * CategorizeEndpoints: which endpoints Cluster and Local traffic policy use, with the fallback to
 * serving-and-terminating endpoints when none is ready.
 */
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { isIPv4, usesClusterEndpoints, usesLocalEndpoints, type ServicePort } from './service-port.js';

/** The label that ties an EndpointSlice to its Service. */
export const serviceNameLabel = 'kubernetes.io/service-name';

/** One backend of a service port. */
export interface Endpoint {
  ip: string;
  port: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  /** Whether the endpoint runs on this node (its `nodeName` is ours). */
  isLocal: boolean;
}

/** endpointString is `ip:port`, the form upstream hashes and comments with. */
export function endpointString(ep: Endpoint): string {
  return `${ep.ip}:${ep.port}`;
}

/**
 * endpointsForServicePort collects the endpoints of one service port from the Service's slices: the port
 * is matched by name and protocol, the first address of each endpoint is used, IPv6 slices are skipped.
 * An endpoint listed twice keeps its readiest form. The result is sorted by `ip:port`.
 */
export function endpointsForServicePort(sp: ServicePort, slices: readonly EndpointSlice[], nodeName: string): Endpoint[] {
  const byKey = new Map<string, Endpoint>();
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4') continue;
    const port = (slice.ports ?? []).find((p) => (p.name ?? '') === sp.portName && (p.protocol ?? 'TCP').toLowerCase() === sp.protocol);
    if (!port?.port) continue;
    for (const e of slice.endpoints ?? []) {
      const ip = e.addresses[0];
      if (!isIPv4(ip)) continue;
      const ready = e.conditions?.ready ?? true;
      const ep: Endpoint = {
        ip,
        port: port.port,
        ready,
        serving: e.conditions?.serving ?? ready,
        terminating: e.conditions?.terminating ?? false,
        isLocal: !!e.nodeName && e.nodeName === nodeName,
      };
      const key = endpointString(ep);
      const old = byKey.get(key);
      if (!old || (!old.ready && ep.ready)) byKey.set(key, ep);
    }
  }
  return [...byKey.values()].sort((a, b) => compareEndpoints(a, b));
}

function compareEndpoints(a: Endpoint, b: Endpoint): number {
  const sa = endpointString(a);
  const sb = endpointString(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Result of {@link categorizeEndpoints}. */
export interface CategorizedEndpoints {
  /** Endpoints used by "Cluster" traffic policy. */
  cluster: Endpoint[];
  /** Endpoints used by "Local" traffic policy. */
  local: Endpoint[];
  /** Every endpoint some traffic of this node can reach (each one gets a KUBE-SEP chain). */
  allReachable: Endpoint[];
  /** Whether the service has any usable endpoint anywhere in the cluster. */
  hasAny: boolean;
}

/** categorizeEndpoints splits a service port's endpoints by traffic policy, as upstream's CategorizeEndpoints. */
export function categorizeEndpoints(sp: ServicePort, endpoints: readonly Endpoint[]): CategorizedEndpoints {
  let cluster: Endpoint[] = [];
  let hasAny = false;
  if (usesClusterEndpoints(sp)) {
    cluster = endpoints.filter((ep) => ep.ready);
    // No ready endpoint anywhere: fall back to those still serving while terminating.
    if (cluster.length === 0) cluster = endpoints.filter((ep) => ep.serving && ep.terminating);
    hasAny = cluster.length > 0;
  }
  if (!usesLocalEndpoints(sp)) return { cluster, local: [], allReachable: cluster, hasAny };

  let hasLocalReady = false;
  let hasLocalServingTerminating = false;
  for (const ep of endpoints) {
    if (ep.ready) {
      hasAny = true;
      if (ep.isLocal) hasLocalReady = true;
    } else if (ep.serving && ep.terminating) {
      hasAny = true;
      if (ep.isLocal) hasLocalServingTerminating = true;
    }
  }
  let local: Endpoint[] = [];
  let servingTerminating = false;
  if (hasLocalReady) local = endpoints.filter((ep) => ep.ready && ep.isLocal);
  else if (hasLocalServingTerminating) {
    servingTerminating = true;
    local = endpoints.filter((ep) => ep.serving && ep.terminating && ep.isLocal);
  }
  if (!usesClusterEndpoints(sp)) return { cluster, local, allReachable: local, hasAny };
  // Ready-only local endpoints are a subset of the cluster ones; otherwise merge the two lists.
  if (!servingTerminating) return { cluster, local, allReachable: cluster, hasAny };
  const seen = new Set(cluster.map(endpointString));
  const allReachable = [...cluster, ...local.filter((ep) => !seen.has(endpointString(ep)))];
  return { cluster, local, allReachable, hasAny };
}
