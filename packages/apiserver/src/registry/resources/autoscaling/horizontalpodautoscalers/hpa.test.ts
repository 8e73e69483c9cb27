import { describe, expect, it } from 'vitest';
import { messages, runCreate } from '../../shared/testing.js';
import { horizontalpodautoscalers as hpa } from './index.js';

const now = new Date('2024-05-01T12:00:00Z');
const v1 = {
  apiVersion: 'autoscaling/v1',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-05-01T11:00:00Z' },
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5, targetCPUUtilizationPercentage: 50 },
};

describe('horizontalpodautoscalers', () => {
  it('converts a v1 request to the stored v2 form and back', () => {
    const v2 = hpa.convert!.fromVersion(structuredClone(v1), 'v1');
    const { obj, errors } = runCreate(hpa, v2);
    expect(errors).toEqual([]);
    expect(obj['spec']).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
    });
    obj['status'] = {
      currentReplicas: 2,
      desiredReplicas: 2,
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 12, averageValue: '12m' } } }],
      conditions: [{ type: 'AbleToScale', status: 'True', lastTransitionTime: '2024-05-01T11:00:00Z', reason: 'ReadyForNewScale' }],
    };
    const back = hpa.convert!.toVersion(obj, 'v1');
    expect(back['spec']).toEqual({ ...v1.spec, minReplicas: 1 });
    expect(back['status']).toEqual({ currentReplicas: 2, desiredReplicas: 2, currentCPUUtilizationPercentage: 12 });
    expect(JSON.parse(back.metadata.annotations?.['autoscaling.alpha.kubernetes.io/conditions'] ?? '[]')).toHaveLength(1);
    const again = hpa.convert!.fromVersion(back, 'v1');
    expect(again.metadata.annotations).toBeUndefined();
    expect((again['status'] as any).conditions).toHaveLength(1);
  });

  it('defaults to 80% CPU when no metrics are given', () => {
    const { obj } = runCreate(hpa, hpa.convert!.fromVersion({ ...structuredClone(v1), spec: { scaleTargetRef: v1.spec.scaleTargetRef, maxReplicas: 3 } }, 'v1'));
    expect(hpa.table.row(obj, now)).toEqual(['web', 'Deployment/web', 'cpu: <unknown>/80%', '1', 3, 0, '60m']);
  });

  it('prints current utilization', () => {
    const { obj } = runCreate(hpa, hpa.convert!.fromVersion(structuredClone(v1), 'v1'));
    obj['status'] = { currentReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 12 } } }] };
    expect(hpa.table.row(obj, now)[2]).toBe('cpu: 12%/50%');
  });

  it('rejects maxReplicas below minReplicas', () => {
    const bad = hpa.convert!.fromVersion({ ...structuredClone(v1), spec: { ...v1.spec, minReplicas: 4, maxReplicas: 2 } }, 'v1');
    expect(messages(runCreate(hpa, bad).errors)).toEqual(['spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`']);
  });
});
