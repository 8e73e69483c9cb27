/**
 * autoscaling/v2 (stored) <-> autoscaling/v1 conversion, as pkg/apis/autoscaling/v1/conversion.go:
 * the CPU utilization metric maps to targetCPUUtilizationPercentage; what v1 cannot express (other
 * metrics, behavior, conditions, other current metrics) rides in `autoscaling.alpha.kubernetes.io/*`
 * annotations and comes back on the way in.
 */
import type { HorizontalPodAutoscaler as V2 } from 'kubernetes-types/autoscaling/v2.js';
import type { KubeObject } from '../../../types.js';
import { clone } from '../../shared/util.js';

export const metricsAnnotation = 'autoscaling.alpha.kubernetes.io/metrics';
export const currentMetricsAnnotation = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const conditionsAnnotation = 'autoscaling.alpha.kubernetes.io/conditions';
export const behaviorAnnotation = 'autoscaling.alpha.kubernetes.io/behavior';

type Metric = NonNullable<NonNullable<V2['spec']>['metrics']>[number];
type CurrentMetric = NonNullable<NonNullable<V2['status']>['currentMetrics']>[number];

function isCPUUtilization(m: Metric): boolean {
  return m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.target.type === 'Utilization';
}

function setAnnotation(meta: Record<string, unknown>, key: string, value: unknown[] | object | undefined): void {
  const ann = { ...((meta['annotations'] as Record<string, string> | undefined) ?? {}) };
  if (value === undefined || (Array.isArray(value) && value.length === 0)) delete ann[key];
  else ann[key] = JSON.stringify(value);
  meta['annotations'] = ann;
  if (Object.keys(ann).length === 0) delete meta['annotations'];
}

function takeAnnotation<T>(meta: Record<string, unknown>, key: string): T | undefined {
  const ann = meta['annotations'] as Record<string, string> | undefined;
  const raw = ann?.[key];
  if (raw === undefined || !ann) return undefined;
  const rest = { ...ann };
  delete rest[key];
  meta['annotations'] = rest;
  if (Object.keys(rest).length === 0) delete meta['annotations'];
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}

/** hpaToV1 renders a stored v2 HPA as autoscaling/v1. */
export function hpaToV1(obj: KubeObject): KubeObject {
  const v2 = clone(obj) as unknown as V2;
  const meta = clone(obj.metadata) as Record<string, unknown>;
  const metrics = v2.spec?.metrics ?? [];
  const cpu = metrics.find(isCPUUtilization);
  setAnnotation(meta, metricsAnnotation, metrics.filter((m) => m !== cpu));
  setAnnotation(meta, behaviorAnnotation, v2.spec?.behavior);
  const spec: Record<string, unknown> = { scaleTargetRef: v2.spec?.scaleTargetRef, maxReplicas: v2.spec?.maxReplicas };
  if (v2.spec?.minReplicas !== undefined) spec['minReplicas'] = v2.spec.minReplicas;
  if (cpu?.resource?.target.averageUtilization !== undefined) spec['targetCPUUtilizationPercentage'] = cpu.resource.target.averageUtilization;
  const out: KubeObject = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: meta as KubeObject['metadata'], spec };
  const st = v2.status;
  if (st) {
    const current = st.currentMetrics ?? [];
    const cpuNow = current.find((m: CurrentMetric) => m.type === 'Resource' && m.resource?.name === 'cpu');
    setAnnotation(meta, currentMetricsAnnotation, current.filter((m) => m !== cpuNow));
    setAnnotation(meta, conditionsAnnotation, st.conditions);
    const status: Record<string, unknown> = { currentReplicas: st.currentReplicas ?? 0, desiredReplicas: st.desiredReplicas };
    if (st.observedGeneration !== undefined) status['observedGeneration'] = st.observedGeneration;
    if (st.lastScaleTime !== undefined) status['lastScaleTime'] = st.lastScaleTime;
    const util = cpuNow?.resource?.current.averageUtilization;
    if (util !== undefined) status['currentCPUUtilizationPercentage'] = util;
    out['status'] = status;
  }
  return out;
}

/** hpaFromV1 converts an autoscaling/v1 HPA (a request body) to the stored v2 form. */
export function hpaFromV1(obj: KubeObject): KubeObject {
  const meta = clone(obj.metadata) as Record<string, unknown>;
  const v1spec = (obj['spec'] ?? {}) as Record<string, unknown>;
  const metrics = takeAnnotation<Metric[]>(meta, metricsAnnotation) ?? [];
  const behavior = takeAnnotation<unknown>(meta, behaviorAnnotation);
  const cpu = v1spec['targetCPUUtilizationPercentage'];
  if (typeof cpu === 'number') {
    metrics.unshift({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: cpu } } });
  }
  const spec: Record<string, unknown> = { scaleTargetRef: v1spec['scaleTargetRef'], maxReplicas: v1spec['maxReplicas'] };
  if (v1spec['minReplicas'] !== undefined) spec['minReplicas'] = v1spec['minReplicas'];
  if (metrics.length) spec['metrics'] = metrics;
  if (behavior !== undefined) spec['behavior'] = behavior;
  const currentMetrics = takeAnnotation<CurrentMetric[]>(meta, currentMetricsAnnotation) ?? [];
  const conditions = takeAnnotation<unknown[]>(meta, conditionsAnnotation);
  const out: KubeObject = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: meta as KubeObject['metadata'], spec };
  const v1status = obj['status'] as Record<string, unknown> | undefined;
  if (v1status) {
    const util = v1status['currentCPUUtilizationPercentage'];
    if (typeof util === 'number') currentMetrics.unshift({ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: util } } });
    const status: Record<string, unknown> = { currentReplicas: v1status['currentReplicas'] ?? 0, desiredReplicas: v1status['desiredReplicas'] ?? 0 };
    for (const k of ['observedGeneration', 'lastScaleTime']) if (v1status[k] !== undefined) status[k] = v1status[k];
    if (currentMetrics.length) status['currentMetrics'] = currentMetrics;
    if (conditions) status['conditions'] = conditions;
    out['status'] = status;
  }
  return out;
}
