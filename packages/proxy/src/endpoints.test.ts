import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Service } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { categorizeEndpoints, endpointsForServicePort } from './endpoints.js';
import { servicePortsOf } from './service-port.js';

function slice(name: string, endpoints: EndpointSlice['endpoints'], ports: EndpointSlice['ports'] = [{ name: 'http', port: 8080, protocol: 'TCP' }]): EndpointSlice {
  return { metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', endpoints, ports };
}

const service: Service = {
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    type: 'NodePort',
    clusterIP: '10.96.0.50',
    ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 }],
    sessionAffinity: 'ClientIP',
    sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
    externalTrafficPolicy: 'Local',
  },
};

describe('servicePortsOf', () => {
  it('applies defaults and reads affinity, NodePort and traffic policy', () => {
    const [sp] = servicePortsOf(service);
    expect(sp).toMatchObject({ name: 'default/web:http', protocol: 'tcp', port: 80, nodePort: 30080, affinityTimeoutSeconds: 60, externalPolicyLocal: true });
  });

  it('skips headless, ExternalName and other-proxy services', () => {
    expect(servicePortsOf({ ...service, spec: { ...service.spec, clusterIP: 'None' } })).toEqual([]);
    expect(servicePortsOf({ ...service, spec: { type: 'ExternalName', externalName: 'example.com' } })).toEqual([]);
    expect(servicePortsOf({ ...service, metadata: { ...service.metadata, labels: { 'service.kubernetes.io/service-proxy-name': 'other' } } })).toEqual([]);
  });

  it('takes LoadBalancer ingress IPs from the status', () => {
    const lb: Service = { ...service, spec: { ...service.spec, type: 'LoadBalancer' }, status: { loadBalancer: { ingress: [{ ip: '192.168.56.200' }] } } };
    expect(servicePortsOf(lb)[0]?.loadBalancerIPs).toEqual(['192.168.56.200']);
  });
});

describe('endpointsForServicePort', () => {
  const [sp] = servicePortsOf(service);

  it('merges slices by port name, uses the target port and marks local endpoints', () => {
    const eps = endpointsForServicePort(
      sp!,
      [
        slice('a', [{ addresses: ['10.244.2.5'], nodeName: 'worker02', conditions: { ready: true } }]),
        slice('b', [{ addresses: ['10.244.1.5'], nodeName: 'worker01' }]),
        slice('c', [{ addresses: ['10.244.3.5'] }], [{ name: 'metrics', port: 9090 }]),
      ],
      'worker01',
    );
    expect(eps.map((e) => [`${e.ip}:${e.port}`, e.isLocal, e.ready])).toEqual([
      ['10.244.1.5:8080', true, true],
      ['10.244.2.5:8080', false, true],
    ]);
  });

  it('keeps the ready copy of an endpoint listed in two slices', () => {
    const eps = endpointsForServicePort(
      sp!,
      [slice('a', [{ addresses: ['10.244.2.5'], conditions: { ready: false } }]), slice('b', [{ addresses: ['10.244.2.5'], conditions: { ready: true } }])],
      'worker01',
    );
    expect(eps).toHaveLength(1);
    expect(eps[0]?.ready).toBe(true);
  });

  it('uses only local endpoints for external traffic with externalTrafficPolicy Local', () => {
    const eps = endpointsForServicePort(
      sp!,
      [slice('a', [{ addresses: ['10.244.2.5'], nodeName: 'worker02' }, { addresses: ['10.244.1.5'], nodeName: 'worker01' }])],
      'worker01',
    );
    const c = categorizeEndpoints(sp!, eps);
    expect(c.local.map((e) => e.ip)).toEqual(['10.244.1.5']);
    expect(c.cluster.map((e) => e.ip)).toEqual(['10.244.1.5', '10.244.2.5']);
    expect(c.hasAny).toBe(true);
  });
});
