import { describe, expect, it } from 'vitest';
import { unknownFields, unknownFieldsOfKind } from './unknown-fields.js';
import { configmaps, deployments, hpas, pods, widgets } from './testing.test-helper.js';

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' }, annotations: { 'a/b': 'c' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          { name: 'a', image: 'nginx', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '1' } } },
          { name: 'b', image: 'busybox', env: [{ name: 'X', value: '1' }] },
        ],
      },
    },
  },
  status: { replicas: 2, conditions: [{ type: 'Available', status: 'True' }] },
};

describe('unknownFields', () => {
  it('accepts a valid object, including metadata, status and maps', () => {
    expect(unknownFields(deployments, 'v1', deployment)).toEqual([]);
  });

  it('reports unknown fields with upstream paths, in document order', () => {
    const obj = structuredClone(deployment) as Record<string, any>;
    obj['spec'].foo = 1;
    obj['spec'].template.spec.containers[1].imagee = 'x';
    obj['metadata'].bogus = true;
    obj['status'].nope = 1;
    obj['extra'] = {};
    expect(unknownFields(deployments, 'v1', obj)).toEqual([
      'metadata.bogus',
      'spec.template.spec.containers[1].imagee',
      'spec.foo',
      'status.nope',
      'extra',
    ]);
  });

  it('knows fields newer than the old upstream spec (sidecar restartPolicy, schedulingGates)', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: {
        schedulingGates: [{ name: 'g' }],
        initContainers: [{ name: 'side', image: 'x', restartPolicy: 'Always' }],
        containers: [{ name: 'c', image: 'x', resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }] }],
      },
    };
    expect(unknownFields(pods, 'v1', pod)).toEqual([]);
  });

  it('uses the schema of the requested version', () => {
    const hpa = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h' }, spec: { maxReplicas: 3, metrics: [] } };
    expect(unknownFields(hpas, 'v2', hpa)).toEqual([]);
    expect(unknownFields(hpas, 'v1', hpa)).toEqual(['spec.metrics']);
  });

  it('accepts anything in ConfigMap data maps and in kinds without a schema', () => {
    expect(unknownFields(configmaps, 'v1', { metadata: { name: 'c' }, data: { k: 'v' }, binaryData: {} })).toEqual([]);
    expect(unknownFields(widgets, 'v1', { metadata: { name: 'w' }, anything: { at: 'all' } })).toEqual([]);
  });

  it('treats RawExtension as open (ControllerRevision.data)', () => {
    const rev = { metadata: { name: 'r' }, revision: 1, data: { spec: { template: { whatever: 1 } } } };
    expect(unknownFieldsOfKind({ group: 'apps', version: 'v1', kind: 'ControllerRevision' }, rev)).toEqual([]);
  });

  it('checks subresource kinds by group/version/kind', () => {
    expect(unknownFieldsOfKind({ group: 'autoscaling', version: 'v1', kind: 'Scale' }, { spec: { replicas: 3, replica: 2 } })).toEqual([
      'spec.replica',
    ]);
  });

  it('treats managedFields sets (FieldsV1) as opaque, so a PUT of a fetched object keeps every manager\'s fields', () => {
    const managed = [{ manager: 'kubectl-create', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {}, 'f:k': {} } } }];
    expect(unknownFields(configmaps, 'v1', { metadata: { name: 'c', managedFields: managed }, data: { k: 'v' } })).toEqual([]);
  });
});
