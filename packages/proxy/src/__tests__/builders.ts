/** Builders of ServicePorts and Endpoints for the proxy's unit tests. */
import type { Endpoint } from '../endpoints.js';
import { servicePortName, type ServicePort } from '../service-port.js';

/** newServicePort returns a TCP ClusterIP service port `ns/name:p80` with overrides applied. */
export function newServicePort(ns: string, name: string, clusterIP: string, o: Partial<ServicePort> = {}): ServicePort {
  const portName = o.portName ?? 'p80';
  return {
    name: servicePortName(ns, name, portName),
    namespace: ns,
    service: name,
    portName,
    protocol: 'tcp',
    clusterIP,
    port: 80,
    nodePort: 0,
    externalIPs: [],
    loadBalancerIPs: [],
    loadBalancerSourceRanges: [],
    externalPolicyLocal: false,
    internalPolicyLocal: false,
    ...o,
  };
}

/** newEndpoint returns a ready, remote endpoint on port 80 with overrides applied. */
export function newEndpoint(ip: string, o: Partial<Endpoint> = {}): Endpoint {
  return { ip, port: 80, ready: true, serving: true, terminating: false, isLocal: false, ...o };
}
