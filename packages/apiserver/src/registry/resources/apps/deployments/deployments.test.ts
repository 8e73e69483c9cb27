import { newInvalid } from '@nanokube/api';
import { describe, expect, it } from 'vitest';
import { messages, runCreate, runUpdate } from '../../shared/testing.js';
import { deployments } from './index.js';

const minimal = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } },
  },
};

describe('deployments', () => {
  it('defaults a minimal deployment as upstream stores it', () => {
    const { obj, errors } = runCreate(deployments, minimal);
    expect(errors).toEqual([]);
    expect(obj.metadata.generation).toBe(1);
    expect(obj['spec']).toEqual({
      progressDeadlineSeconds: 600,
      replicas: 1,
      revisionHistoryLimit: 10,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { creationTimestamp: null, labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'nginx',
              image: 'nginx:1.25',
              imagePullPolicy: 'IfNotPresent',
              resources: {},
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
            },
          ],
          dnsPolicy: 'ClusterFirst',
          restartPolicy: 'Always',
          schedulerName: 'default-scheduler',
          securityContext: {},
          terminationGracePeriodSeconds: 30,
        },
      },
    });
  });

  it('rejects a selector that does not match the template labels', () => {
    const bad = structuredClone(minimal) as any;
    bad.spec.selector = { matchLabels: { app: 'other' } };
    const { errors } = runCreate(deployments, bad);
    expect(newInvalid({ group: 'apps', kind: 'Deployment' }, 'web', errors).message).toBe(
      'Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
    );
  });

  it('reports a missing selector twice, as upstream does', () => {
    const bad = structuredClone(minimal) as any;
    delete bad.spec.selector;
    expect(messages(runCreate(deployments, bad).errors)).toEqual([
      'spec.selector: Required value',
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
    ]);
  });

  it.each([
    { name: 'negative replicas', patch: (d: any) => (d.spec.replicas = -1), want: 'spec.replicas: Invalid value: -1: must be greater than or equal to 0' },
    {
      name: 'both surge and unavailable zero',
      patch: (d: any) => (d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } }),
      want: 'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0',
    },
    {
      name: 'an OnFailure template',
      patch: (d: any) => (d.spec.template.spec.restartPolicy = 'OnFailure'),
      want: 'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
    },
    {
      name: 'an unknown strategy',
      patch: (d: any) => (d.spec.strategy = { type: 'BlueGreen' }),
      want: 'spec.strategy.type: Unsupported value: "BlueGreen": supported values: "Recreate", "RollingUpdate"',
    },
  ])('rejects $name', ({ patch, want }) => {
    const d = structuredClone(minimal);
    patch(d);
    expect(messages(runCreate(deployments, d).errors)).toEqual([want]);
  });

  it('keeps the selector immutable and bumps generation only on spec changes', () => {
    const { obj: stored } = runCreate(deployments, minimal);
    const scaled = structuredClone(stored) as any;
    scaled.spec.replicas = 3;
    expect(runUpdate(deployments, scaled, stored).obj.metadata.generation).toBe(2);
    const labelOnly = structuredClone(stored) as any;
    labelOnly.metadata.labels = { x: 'y' };
    expect(runUpdate(deployments, labelOnly, stored).obj.metadata.generation).toBe(1);
    const sparse = structuredClone(minimal);
    expect(runUpdate(deployments, sparse, stored).obj.metadata.generation).toBe(1);
    const moved = structuredClone(stored) as any;
    moved.spec.selector = { matchLabels: { app: 'b' } };
    moved.spec.template.metadata.labels = { app: 'b' };
    expect(messages(runUpdate(deployments, moved, stored).errors)).toEqual([
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"b"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    ]);
  });

  it('renders the table row and the scale selector', () => {
    const obj = {
      ...structuredClone(minimal),
      metadata: { name: 'web', creationTimestamp: '2024-05-01T11:00:00Z' },
      status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    } as any;
    obj.spec.replicas = 3;
    expect(deployments.table.row(obj, new Date('2024-05-01T12:00:00Z'))).toEqual(['web', '2/3', 3, 2, '60m', 'nginx', 'nginx:1.25', 'app=web']);
    expect(deployments.scale?.selector(obj)).toBe('app=web');
  });
});
