import { describe, expect, it } from 'vitest';
import { kubeDnsEndpointSlice, kubeDnsService } from './manifest.js';

describe('kube-dns manifests', () => {
  it('builds the Service kubectl cluster-info lists', () => {
    const svc = kubeDnsService();
    expect(svc.metadata?.labels).toEqual({ 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' });
    expect(svc.spec?.clusterIP).toBe('10.96.0.10');
    expect(svc.spec?.ports?.map((p) => `${p.name} ${p.port}/${p.protocol}`)).toEqual(['dns 53/UDP', 'dns-tcp 53/TCP', 'metrics 9153/TCP']);
  });

  it('points an EndpointSlice with the same port names at the DNS processes', () => {
    const slice = kubeDnsEndpointSlice([{ ip: '192.168.56.10', nodeName: 'master' }]);
    expect(slice.metadata?.labels?.['kubernetes.io/service-name']).toBe('kube-dns');
    expect(slice.ports?.map((p) => p.name)).toEqual(kubeDnsService().spec?.ports?.map((p) => p.name));
    expect(slice.endpoints).toEqual([{ addresses: ['192.168.56.10'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'master' }]);
  });
});
