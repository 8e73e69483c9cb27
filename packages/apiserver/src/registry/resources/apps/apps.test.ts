import { describe, expect, it } from 'vitest';
import { messages, runCreate, runUpdate } from '../shared/testing.js';
import { controllerrevisions } from './controllerrevisions/index.js';
import { daemonsets } from './daemonsets/index.js';
import { replicasets } from './replicasets/index.js';
import { statefulsets } from './statefulsets/index.js';

const now = new Date('2024-05-01T12:00:00Z');
const template = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] } };

describe('statefulsets', () => {
  it('defaults policies and claim templates', () => {
    const { obj, errors } = runCreate(statefulsets, {
      metadata: { name: 'db', namespace: 'default' },
      spec: {
        serviceName: 'db',
        selector: { matchLabels: { app: 'x' } },
        template,
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    });
    expect(errors).toEqual([]);
    expect(obj['spec']).toMatchObject({
      podManagementPolicy: 'OrderedReady',
      replicas: 1,
      revisionHistoryLimit: 10,
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      volumeClaimTemplates: [{ apiVersion: 'v1', kind: 'PersistentVolumeClaim', spec: { volumeMode: 'Filesystem' }, status: { phase: 'Pending' } }],
    });
  });

  it('forbids changing serviceName', () => {
    const { obj } = runCreate(statefulsets, { metadata: { name: 'db', namespace: 'default' }, spec: { serviceName: 'db', selector: { matchLabels: { app: 'x' } }, template } });
    const changed = structuredClone(obj) as any;
    changed.spec.serviceName = 'other';
    expect(messages(runUpdate(statefulsets, changed, obj).errors)).toEqual([
      "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ]);
  });
});

describe('daemonsets', () => {
  it('defaults the update strategy and prints the row', () => {
    const { obj, errors } = runCreate(daemonsets, { metadata: { name: 'agent', namespace: 'kube-system' }, spec: { selector: { matchLabels: { app: 'x' } }, template } });
    expect(errors).toEqual([]);
    expect(obj['spec']).toMatchObject({ revisionHistoryLimit: 10, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } } });
    obj.metadata.creationTimestamp = '2024-05-01T11:00:00Z';
    obj['status'] = { desiredNumberScheduled: 4, currentNumberScheduled: 4, numberReady: 3, updatedNumberScheduled: 4, numberAvailable: 3 };
    expect(daemonsets.table.row(obj, now)).toEqual(['agent', 4, 4, 3, 4, 3, '<none>', '60m', 'c', 'nginx:1.25', 'app=x']);
  });

  it('names daemonset in the empty selector message', () => {
    const { errors } = runCreate(daemonsets, { metadata: { name: 'a', namespace: 'default' }, spec: { selector: {}, template } });
    expect(messages(errors)).toEqual([
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for daemonset',
    ]);
  });
});

describe('replicasets and controllerrevisions', () => {
  it('prints a replicaset', () => {
    const { obj } = runCreate(replicasets, { metadata: { name: 'web-abc', namespace: 'default' }, spec: { replicas: 3, selector: { matchLabels: { app: 'x' } }, template } });
    obj.metadata.creationTimestamp = '2024-05-01T11:59:00Z';
    obj['status'] = { replicas: 3, readyReplicas: 2 };
    expect(replicasets.table.row(obj, now)).toEqual(['web-abc', 3, 3, 2, '60s', 'c', 'nginx:1.25', 'app=x']);
  });

  it('prints the controller of a revision', () => {
    const cr = {
      metadata: { name: 'agent-7d4b', creationTimestamp: '2024-05-01T11:59:00Z', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'u', controller: true }] },
      revision: 1,
      data: {},
    };
    expect(controllerrevisions.table.row(cr as never, now)).toEqual(['agent-7d4b', 'daemonset.apps/agent', 1, '60s']);
  });
});
