/** The `kube-system/kube-dns` Service, as kubeadm's CoreDNS addon creates it. */
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';

/** The cluster DNS Service IP every pod's resolv.conf names. */
export const kubeDnsClusterIP = '10.96.0.10';

/**
 * kubeDnsService returns the kube-dns Service manifest: ClusterIP 10.96.0.10 with ports dns 53/UDP,
 * dns-tcp 53/TCP and metrics 9153/TCP, selecting `k8s-app: kube-dns`. `kubectl cluster-info` lists it
 * through its `kubernetes.io/cluster-service` label and prints its `kubernetes.io/name`.
 */
export function kubeDnsService(clusterIP = kubeDnsClusterIP): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'kube-dns',
      namespace: 'kube-system',
      labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
      annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' },
    },
    spec: {
      type: 'ClusterIP',
      clusterIP,
      clusterIPs: [clusterIP],
      selector: { 'k8s-app': 'kube-dns' },
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
      ],
    },
  };
}

/** Where `nanokube dns` listens: an address (usually a node IP) and, optionally, that node's name. */
export interface DnsBackend {
  ip: string;
  nodeName?: string;
}

/**
 * kubeDnsEndpointSlice returns a hand-made EndpointSlice for kube-dns pointing at the `nanokube dns`
 * processes (not pods), so that the proxy DNATs 10.96.0.10:53 to them. It carries no
 * endpointslice-controller managed-by label, so the controller leaves it alone, and the proxy merges it
 * with the (empty) slice the controller keeps for the Service's selector.
 */
export function kubeDnsEndpointSlice(backends: DnsBackend[]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: 'kube-dns-nanokube',
      namespace: 'kube-system',
      labels: { 'kubernetes.io/service-name': 'kube-dns', 'endpointslice.kubernetes.io/managed-by': 'nanokube' },
    },
    addressType: 'IPv4',
    ports: [
      { name: 'dns', port: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      { name: 'metrics', port: 9153, protocol: 'TCP' },
    ],
    endpoints: backends.map((b) => ({ addresses: [b.ip], conditions: { ready: true, serving: true, terminating: false }, ...(b.nodeName ? { nodeName: b.nodeName } : {}) })),
  };
}
