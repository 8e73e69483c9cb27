import { describe, expect, it } from 'vitest';
import { messages, runCreate, runUpdate } from '../../shared/testing.js';
import { services } from './index.js';

const now = new Date('2024-05-01T12:00:00Z');

describe('services', () => {
  it('defaults a ClusterIP service', () => {
    const { obj, errors } = runCreate(services, { metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
    expect(errors).toEqual([]);
    expect(obj['spec']).toEqual({
      internalTrafficPolicy: 'Cluster',
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
      selector: { app: 'web' },
      sessionAffinity: 'None',
      type: 'ClusterIP',
    });
    expect(obj['status']).toEqual({ loadBalancer: {} });
  });

  it('defaults traffic policies for LoadBalancer services', () => {
    const { obj } = runCreate(services, { metadata: { name: 'lb', namespace: 'default' }, spec: { type: 'LoadBalancer', ports: [{ port: 80, targetPort: 8080 }] } });
    expect(obj['spec']).toMatchObject({ externalTrafficPolicy: 'Cluster', allocateLoadBalancerNodePorts: true, internalTrafficPolicy: 'Cluster' });
  });

  it.each([
    {
      name: 'a NodePort outside the range',
      spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] },
      want: ['spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767'],
    },
    { name: 'no ports', spec: { selector: { a: 'b' } }, want: ['spec.ports: Required value'] },
    {
      name: 'unnamed ports among several',
      spec: { ports: [{ port: 80 }, { port: 443 }] },
      want: ['spec.ports[0].name: Required value', 'spec.ports[1].name: Required value'],
    },
    {
      name: 'an unknown type',
      spec: { type: 'Magic', ports: [{ port: 80 }] },
      want: ['spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'],
    },
    {
      name: 'a nodePort on a ClusterIP service',
      spec: { ports: [{ port: 80, nodePort: 30080 }] },
      want: ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
    },
  ])('rejects $name', ({ spec, want }) => {
    expect(messages(runCreate(services, { metadata: { name: 's', namespace: 'default' }, spec }).errors)).toEqual(want);
  });

  it('keeps the allocated ClusterIP and NodePorts on an update that omits them', () => {
    const { obj: stored } = runCreate(services, { metadata: { name: 's', namespace: 'default' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } });
    const spec = stored['spec'] as any;
    spec.clusterIP = '10.96.0.20';
    spec.clusterIPs = ['10.96.0.20'];
    spec.ports[0].nodePort = 30080;
    const { obj, errors } = runUpdate(services, { metadata: { name: 's', namespace: 'default' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } }, stored);
    expect(errors).toEqual([]);
    expect(obj['spec']).toMatchObject({ clusterIP: '10.96.0.20', ports: [{ port: 80, nodePort: 30080 }] });
  });

  it.each([
    {
      name: 'ClusterIP',
      spec: { type: 'ClusterIP', clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1'], ports: [{ port: 443, protocol: 'TCP' }] },
      status: {},
      want: ['kubernetes', 'ClusterIP', '10.96.0.1', '<none>', '443/TCP', '3d', '<none>'],
    },
    {
      name: 'NodePort',
      spec: { type: 'NodePort', clusterIPs: ['10.96.0.20'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }], selector: { app: 'web' } },
      status: {},
      want: ['kubernetes', 'NodePort', '10.96.0.20', '<none>', '80:30080/TCP', '3d', 'app=web'],
    },
    {
      name: 'pending LoadBalancer',
      spec: { type: 'LoadBalancer', clusterIPs: ['10.96.0.30'], ports: [{ port: 80, nodePort: 31000, protocol: 'TCP' }] },
      status: { loadBalancer: {} },
      want: ['kubernetes', 'LoadBalancer', '10.96.0.30', '<pending>', '80:31000/TCP', '3d', '<none>'],
    },
    {
      name: 'LoadBalancer with an address',
      spec: { type: 'LoadBalancer', clusterIPs: ['10.96.0.30'], ports: [{ port: 80, nodePort: 31000, protocol: 'TCP' }] },
      status: { loadBalancer: { ingress: [{ ip: '192.168.56.200' }] } },
      want: ['kubernetes', 'LoadBalancer', '10.96.0.30', '192.168.56.200', '80:31000/TCP', '3d', '<none>'],
    },
    {
      name: 'headless',
      spec: { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 80, protocol: 'TCP' }] },
      status: {},
      want: ['kubernetes', 'ClusterIP', 'None', '<none>', '80/TCP', '3d', '<none>'],
    },
  ])('prints a $name service', ({ spec, status, want }) => {
    const obj = { metadata: { name: 'kubernetes', creationTimestamp: '2024-04-28T12:00:00Z' }, spec, status };
    expect(services.table.row(obj as never, now)).toEqual(want);
  });
});
