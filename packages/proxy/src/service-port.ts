/**
 * ServicePort is the proxy's view of one port of one Service: everything the rule generator needs,
 * with upstream's defaults applied (protocol TCP, affinity timeout 10800 s).
 */
import type { Service } from 'kubernetes-types/core/v1.js';

/** Protocol as iptables spells it. */
export type Protocol = 'tcp' | 'udp' | 'sctp';

/** One proxied port of a Service. */
export interface ServicePort {
  /** `ns/name:port`, or `ns/name` when the port has no name (upstream's ServicePortName.String()). */
  name: string;
  namespace: string;
  service: string;
  portName: string;
  protocol: Protocol;
  clusterIP: string;
  port: number;
  /** 0 when the Service has no NodePort. */
  nodePort: number;
  externalIPs: string[];
  /** `status.loadBalancer.ingress[].ip` of a LoadBalancer Service. */
  loadBalancerIPs: string[];
  loadBalancerSourceRanges: string[];
  /** Set when `sessionAffinity: ClientIP`: the stickiness timeout in seconds. */
  affinityTimeoutSeconds?: number;
  /** externalTrafficPolicy Local (only meaningful when externally accessible). */
  externalPolicyLocal: boolean;
  /** internalTrafficPolicy Local. */
  internalPolicyLocal: boolean;
}

/** The default ClientIP affinity timeout (3 hours), as `sessionAffinityConfig.clientIP.timeoutSeconds`. */
export const defaultAffinityTimeoutSeconds = 10800;

/** The label that hands a Service to another proxy implementation; such Services are skipped, as upstream does. */
export const serviceProxyNameLabel = 'service.kubernetes.io/service-proxy-name';

const ipv4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** isIPv4 reports whether s is a dotted-quad IPv4 address. */
export function isIPv4(s: string | undefined): s is string {
  const m = s ? ipv4.exec(s) : null;
  return !!m && m.slice(1).every((o) => Number(o) <= 255);
}

/** servicePortName renders upstream's ServicePortName string. */
export function servicePortName(namespace: string, service: string, portName: string): string {
  return `${namespace}/${service}${portName ? `:${portName}` : ''}`;
}

/** isExternallyAccessible reports whether traffic can reach the port other than through its ClusterIP. */
export function isExternallyAccessible(sp: ServicePort): boolean {
  return sp.nodePort !== 0 || sp.loadBalancerIPs.length > 0 || sp.externalIPs.length > 0;
}

/** usesClusterEndpoints: internal traffic policy Cluster, or any external access (for short-circuiting). */
export function usesClusterEndpoints(sp: ServicePort): boolean {
  return !sp.internalPolicyLocal || isExternallyAccessible(sp);
}

/** usesLocalEndpoints: either traffic policy is Local where it applies. */
export function usesLocalEndpoints(sp: ServicePort): boolean {
  return sp.internalPolicyLocal || (sp.externalPolicyLocal && isExternallyAccessible(sp));
}

/**
 * servicePortsOf converts a Service into its proxied ports. Headless and ExternalName Services, Services
 * without an IPv4 ClusterIP and Services handed to another proxy yield none.
 */
export function servicePortsOf(svc: Service): ServicePort[] {
  const spec = svc.spec ?? {};
  const namespace = svc.metadata?.namespace ?? 'default';
  const name = svc.metadata?.name ?? '';
  if (svc.metadata?.labels?.[serviceProxyNameLabel] !== undefined) return [];
  if (spec.type === 'ExternalName' || !isIPv4(spec.clusterIP)) return [];
  const lbIPs =
    spec.type === 'LoadBalancer' ? (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((ip): ip is string => isIPv4(ip)) : [];
  const affinity =
    spec.sessionAffinity === 'ClientIP' ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? defaultAffinityTimeoutSeconds) : undefined;
  return (spec.ports ?? []).map((p) => {
    const sp: ServicePort = {
      name: servicePortName(namespace, name, p.name ?? ''),
      namespace,
      service: name,
      portName: p.name ?? '',
      protocol: (p.protocol ?? 'TCP').toLowerCase() as Protocol,
      clusterIP: spec.clusterIP as string,
      port: p.port,
      nodePort: spec.type === 'NodePort' || spec.type === 'LoadBalancer' ? (p.nodePort ?? 0) : 0,
      externalIPs: (spec.externalIPs ?? []).filter((ip) => isIPv4(ip)),
      loadBalancerIPs: lbIPs,
      loadBalancerSourceRanges: spec.type === 'LoadBalancer' ? (spec.loadBalancerSourceRanges ?? []).map((r) => r.trim()) : [],
      externalPolicyLocal: false,
      internalPolicyLocal: spec.internalTrafficPolicy === 'Local',
      ...(affinity !== undefined ? { affinityTimeoutSeconds: affinity } : {}),
    };
    sp.externalPolicyLocal = spec.externalTrafficPolicy === 'Local' && isExternallyAccessible(sp);
    return sp;
  });
}
