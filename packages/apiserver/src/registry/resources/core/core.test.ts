import { describe, expect, it } from 'vitest';
import { messages, runCreate, runUpdate } from '../shared/testing.js';
import { endpoints } from './endpoints/index.js';
import { events } from './events/index.js';
import { namespaces } from './namespaces/index.js';
import { nodes } from './nodes/index.js';
import { persistentvolumeclaims } from './persistentvolumeclaims/index.js';
import { resourcequotas } from './resourcequotas/index.js';
import { secrets } from './secrets/index.js';

const now = new Date('2024-05-01T12:00:00Z');

describe('namespaces', () => {
  it('starts Active with the kubernetes finalizer and the name label', () => {
    const { obj, errors } = runCreate(namespaces, { metadata: { name: 'team-a' } });
    expect(errors).toEqual([]);
    expect(obj['spec']).toEqual({ finalizers: ['kubernetes'] });
    expect(obj['status']).toEqual({ phase: 'Active' });
    expect(obj.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'team-a' });
  });
});

describe('nodes', () => {
  const node = (extra: Record<string, unknown> = {}) => ({
    metadata: {
      name: 'master',
      creationTimestamp: '2024-04-30T12:00:00Z',
      labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/hostname': 'master' },
    },
    spec: {},
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      addresses: [{ type: 'InternalIP', address: '192.168.56.10' }, { type: 'Hostname', address: 'master' }],
      nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Ubuntu 24.04 LTS', kernelVersion: '6.8.0', containerRuntimeVersion: '' },
    },
    ...extra,
  });

  it('prints a ready control-plane node', () => {
    expect(nodes.table.row(node() as never, now)).toEqual([
      'master', 'Ready', 'control-plane', '24h', 'v1.32.0', '192.168.56.10', '<none>', 'Ubuntu 24.04 LTS', '6.8.0', '<unknown>',
    ]);
  });

  it('prints NotReady,SchedulingDisabled and Unknown', () => {
    const cordoned = node({ spec: { unschedulable: true } }) as any;
    cordoned.status.conditions[0].status = 'Unknown';
    expect(nodes.table.row(cordoned, now)[1]).toBe('NotReady,SchedulingDisabled');
    const fresh = node() as any;
    fresh.status.conditions = [];
    expect(nodes.table.row(fresh, now)[1]).toBe('Unknown');
  });

  it('defaults allocatable from capacity and forbids changing podCIDRs', () => {
    const { obj } = runCreate(nodes, { metadata: { name: 'w1' }, spec: { podCIDRs: ['10.244.1.0/24'] }, status: { capacity: { cpu: '2' } } });
    expect((obj['status'] as any).allocatable).toEqual({ cpu: '2' });
    const changed = structuredClone(obj) as any;
    changed.spec.podCIDRs = ['10.244.2.0/24'];
    expect(messages(runUpdate(nodes, changed, obj).errors)).toEqual(['spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid']);
  });
});

describe('events', () => {
  it('prints Last Seen, Object and the wide columns', () => {
    const ev = {
      metadata: { name: 'web.17a', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'web', namespace: 'default', fieldPath: 'spec.containers{web}' },
      reason: 'Pulled',
      message: 'Successfully pulled image "nginx"\n',
      type: 'Normal',
      source: { component: 'kubelet', host: 'worker01' },
      firstTimestamp: '2024-05-01T11:50:00Z',
      lastTimestamp: '2024-05-01T11:59:00Z',
      count: 3,
    };
    expect(events.table.row(ev as never, now)).toEqual([
      '60s', 'Normal', 'Pulled', 'pod/web', 'spec.containers{web}', 'kubelet, worker01', 'Successfully pulled image "nginx"', '10m', 3, 'web.17a',
    ]);
    expect(events.fieldSelectors?.['involvedObject.name']?.(ev as never)).toBe('web');
  });
});

describe('endpoints', () => {
  it('shows at most three addresses then a count', () => {
    const ep = {
      metadata: { name: 'web', creationTimestamp: '2024-05-01T11:59:00Z' },
      subsets: [
        { addresses: ['10.244.1.5', '10.244.2.3', '10.244.3.4', '10.244.1.6', '10.244.2.7'].map((ip) => ({ ip })), ports: [{ port: 80, protocol: 'TCP' }] },
      ],
    };
    expect(endpoints.table.row(ep as never, now)).toEqual(['web', '10.244.1.5:80,10.244.2.3:80,10.244.3.4:80 + 2 more...', '60s']);
    expect(endpoints.table.row({ metadata: { name: 'x' } } as never, now)[1]).toBe('<none>');
  });
});

describe('secrets', () => {
  it('defaults the type and folds stringData into data', () => {
    const { obj, errors } = runCreate(secrets, { metadata: { name: 's', namespace: 'default' }, stringData: { password: 'hunter2' } });
    expect(errors).toEqual([]);
    expect(obj).toMatchObject({ type: 'Opaque', data: { password: 'aHVudGVyMg==' } });
    expect(obj['stringData']).toBeUndefined();
  });

  it('requires the TLS keys and keeps the type immutable', () => {
    const { obj, errors } = runCreate(secrets, { metadata: { name: 's', namespace: 'default' }, type: 'kubernetes.io/tls', data: {} });
    expect(messages(errors)).toEqual(['data[tls.crt]: Required value', 'data[tls.key]: Required value']);
    const { obj: opaque } = runCreate(secrets, { metadata: { name: 's', namespace: 'default' } });
    expect(messages(runUpdate(secrets, { ...obj, type: 'Other' }, opaque).errors)).toEqual(['type: Invalid value: "Other": field is immutable']);
  });
});

describe('persistentvolumeclaims', () => {
  it('starts Pending with volumeMode Filesystem and prints unbound claims', () => {
    const { obj, errors } = runCreate(persistentvolumeclaims, {
      metadata: { name: 'data', namespace: 'default' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    });
    expect(errors).toEqual([]);
    expect(obj['status']).toEqual({ phase: 'Pending' });
    obj.metadata.creationTimestamp = '2024-05-01T11:59:00Z';
    expect(persistentvolumeclaims.table.row(obj, now)).toEqual(['data', 'Pending', '', '', '', '', '<unset>', '60s', 'Filesystem']);
  });
});

describe('resourcequotas', () => {
  it('splits request and limit usage', () => {
    const q = {
      metadata: { name: 'q', creationTimestamp: '2024-05-01T11:59:00Z' },
      status: { hard: { 'limits.cpu': '2', pods: '10', 'requests.cpu': '1' }, used: { pods: '3' } },
    };
    expect(resourcequotas.table.row(q as never, now)).toEqual(['q', '60s', 'pods: 3/10, requests.cpu: 0/1', 'limits.cpu: 0/2']);
  });
});

describe('namespaces/finalize', () => {
  it('changes only spec.finalizers', () => {
    const { obj: stored } = runCreate(namespaces, { metadata: { name: 'team-a' } });
    stored.metadata.deletionTimestamp = '2024-05-01T11:59:00Z';
    stored['status'] = { phase: 'Terminating' };
    const body = { metadata: { name: 'team-a', labels: { changed: 'yes' } }, spec: { finalizers: [] }, status: { phase: 'Active' } } as any;
    const strategy = namespaces.subresourceStrategies?.['finalize'];
    strategy?.prepareForUpdate({} as never, body, stored);
    expect(body.spec).toEqual({});
    expect(body.status).toEqual({ phase: 'Terminating' });
    expect(body.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'team-a' });
    expect(body.metadata.deletionTimestamp).toBe('2024-05-01T11:59:00Z');
  });
});
