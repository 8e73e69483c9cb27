/**
 * Which node announces each LoadBalancer address, as MetalLB's layer2 speaker decides without
 * memberlist: the eligible nodes of an address are sorted by sha256(nodeName + "#" + ip) and the first
 * one owns it. Every proxy sees the same Nodes, Services and EndpointSlices and so computes the same
 * owner; when the owner stops being eligible (its Ready condition leaves True) the next one takes over.
 */
import { createHash } from 'node:crypto';
import type { Node, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { isIPv4, serviceProxyNameLabel } from '../service-port.js';

/** Nodes carrying this label never announce load-balancer addresses (upstream's well-known label). */
export const excludeFromLoadBalancersLabel = 'node.kubernetes.io/exclude-from-external-load-balancers';

/** One address to announce and the node that should do it. */
export interface Announcement {
  ip: string;
  /** The owner node, or undefined when no node is eligible. */
  owner: string | undefined;
  /** The Services that use this address (several when MetalLB's allow-shared-ip is in play). */
  services: Service[];
}

/** isNodeReady reports whether the Node's Ready condition is True. */
export function isNodeReady(node: Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** isNodeEligible: Ready and not excluded from external load balancers. */
export function isNodeEligible(node: Node): boolean {
  return isNodeReady(node) && node.metadata?.labels?.[excludeFromLoadBalancersLabel] === undefined;
}

/** ownerHash is the sort key of a node for an address: sha256 of `node#ip`. */
export function ownerHash(nodeName: string, ip: string): Buffer {
  return createHash('sha256').update(`${nodeName}#${ip}`).digest();
}

/** pickOwner returns the first of `nodeNames` sorted by {@link ownerHash} for ip (undefined if none). */
export function pickOwner(ip: string, nodeNames: Iterable<string>): string | undefined {
  let best: { name: string; hash: Buffer } | undefined;
  for (const name of nodeNames) {
    const hash = ownerHash(name, ip);
    const cmp = best ? Buffer.compare(hash, best.hash) : -1;
    if (cmp < 0 || (cmp === 0 && best && name < best.name)) best = { name, hash };
  }
  return best?.name;
}

/**
 * announcedIPs returns the IPv4 ingress addresses the layer2 speaker announces for a Service: those of
 * `type: LoadBalancer` Services without a loadBalancerClass (the ones the service-lb controller assigns)
 * and not handed to another proxy.
 */
export function announcedIPs(svc: Service): string[] {
  if (svc.spec?.type !== 'LoadBalancer' || svc.spec.loadBalancerClass) return [];
  if (svc.metadata?.labels?.[serviceProxyNameLabel] !== undefined) return [];
  const ips = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((ip): ip is string => isIPv4(ip));
  return [...new Set(ips)];
}

/** nodesWithReadyEndpoints lists the nodes that run a ready endpoint in the given slices. */
export function nodesWithReadyEndpoints(slices: readonly EndpointSlice[]): Set<string> {
  const out = new Set<string>();
  for (const slice of slices) {
    for (const ep of slice.endpoints ?? []) {
      if (ep.nodeName && (ep.conditions?.ready ?? true)) out.add(ep.nodeName);
    }
  }
  return out;
}

/**
 * computeAnnouncements decides the owner of every announced address. `slicesOf` returns a Service's
 * EndpointSlices; it is only consulted for `externalTrafficPolicy: Local`, whose addresses may only be
 * announced by a node with a ready local endpoint (otherwise traffic would be dropped on arrival).
 * The result is sorted by address.
 */
export function computeAnnouncements(
  services: readonly Service[],
  nodes: readonly Node[],
  slicesOf: (svc: Service) => readonly EndpointSlice[],
): Announcement[] {
  const eligible = nodes.filter(isNodeEligible).map((n) => n.metadata?.name ?? '').filter((n) => n !== '');
  const byIP = new Map<string, { services: Service[]; candidates: Set<string> }>();
  for (const svc of services) {
    const ips = announcedIPs(svc);
    if (ips.length === 0) continue;
    let candidates: string[] = eligible;
    if (svc.spec?.externalTrafficPolicy === 'Local') {
      const withEndpoints = nodesWithReadyEndpoints(slicesOf(svc));
      candidates = eligible.filter((n) => withEndpoints.has(n));
    }
    for (const ip of ips) {
      let entry = byIP.get(ip);
      if (!entry) byIP.set(ip, (entry = { services: [], candidates: new Set() }));
      entry.services.push(svc);
      for (const c of candidates) entry.candidates.add(c);
    }
  }
  return [...byIP.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([ip, e]) => ({ ip, owner: pickOwner(ip, e.candidates), services: e.services }));
}
