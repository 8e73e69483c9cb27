/** A fixed ClusterRecords for unit tests. */
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { ClusterRecords } from '../records.js';

export class StaticRecords implements ClusterRecords {
  constructor(
    private readonly services: Service[],
    private readonly slices: EndpointSlice[],
    private readonly namespaces: string[] = ['default', 'kube-system'],
  ) {}

  service(ns: string, name: string): Service | undefined {
    return this.services.find((s) => s.metadata?.namespace === ns && s.metadata?.name === name);
  }

  endpointSlices(ns: string, name: string): EndpointSlice[] {
    return this.slices.filter((s) => s.metadata?.namespace === ns && s.metadata?.labels?.['kubernetes.io/service-name'] === name);
  }

  namespaceExists(ns: string): boolean {
    return this.namespaces.includes(ns);
  }

  servicesByClusterIP(ip: string): Service[] {
    return this.services.filter((s) => s.spec?.clusterIP === ip);
  }

  allEndpointSlices(): EndpointSlice[] {
    return this.slices;
  }

  serial(): number {
    return 1700000000;
  }
}

export function svc(ns: string, name: string, spec: Service['spec']): Service {
  return { metadata: { namespace: ns, name }, spec };
}

export function slice(ns: string, service: string, endpoints: EndpointSlice['endpoints'], ports: EndpointSlice['ports']): EndpointSlice {
  return { metadata: { namespace: ns, name: `${service}-abc`, labels: { 'kubernetes.io/service-name': service } }, addressType: 'IPv4', endpoints, ports };
}

/** The records most tests use: kubernetes, kube-dns, a headless StatefulSet-like service and an ExternalName one. */
export function sampleRecords(): StaticRecords {
  return new StaticRecords(
    [
      svc('default', 'kubernetes', { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] }),
      svc('kube-system', 'kube-dns', { clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] }),
      svc('default', 'db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] }),
      svc('default', 'ext', { type: 'ExternalName', externalName: 'db.example.com' }),
      svc('default', 'empty', { clusterIP: 'None' }),
    ],
    [
      slice(
        'default',
        'db',
        [
          { addresses: ['10.244.1.5'], hostname: 'db-0', conditions: { ready: true } },
          { addresses: ['10.244.2.7'], hostname: 'db-1', conditions: { ready: true } },
          { addresses: ['10.244.3.9'], conditions: { ready: false } },
        ],
        [{ name: 'pg', port: 5432, protocol: 'TCP' }],
      ),
    ],
  );
}
