/** Hand-made Nodes, Services and EndpointSlices for the layer2 tests (unit and namespace ones). */
import type { Node, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';

/** l2Node returns a Node whose Ready condition has the given status. */
export function l2Node(name: string, ready: 'True' | 'False' | 'Unknown' = 'True', labels: Record<string, string> = {}): Node {
  return { metadata: { name, labels }, status: { conditions: [{ type: 'Ready', status: ready }] } };
}

/** l2Service returns a LoadBalancer Service with the given ingress addresses. */
export function l2Service(name: string, ips: string[], o: { local?: boolean; lbClass?: string; namespace?: string } = {}): Service {
  return {
    metadata: { name, namespace: o.namespace ?? 'default', uid: `uid-${name}` },
    spec: {
      type: 'LoadBalancer',
      clusterIP: '10.96.0.10',
      ports: [{ port: 80, protocol: 'TCP' }],
      ...(o.local ? { externalTrafficPolicy: 'Local' } : {}),
      ...(o.lbClass ? { loadBalancerClass: o.lbClass } : {}),
    },
    status: { loadBalancer: { ingress: ips.map((ip) => ({ ip, ipMode: 'VIP' })) } },
  };
}

/** l2Slice returns an EndpointSlice of the service with one endpoint per (node, ready) pair. */
export function l2Slice(service: string, endpoints: { node: string; ready: boolean }[]): EndpointSlice {
  return {
    metadata: { name: `${service}-abc`, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    ports: [{ port: 8080, protocol: 'TCP' }],
    endpoints: endpoints.map((e, i) => ({ addresses: [`10.244.0.${i + 2}`], nodeName: e.node, conditions: { ready: e.ready } })),
  };
}
