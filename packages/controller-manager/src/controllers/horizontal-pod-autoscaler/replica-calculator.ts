/**
 * The replica calculation for Resource metrics with a target utilization (upstream
 * pkg/controller/podautoscaler/replica_calculator.go GetResourceReplicas): pods are grouped into ready,
 * unready (CPU only: not Ready yet, or measured before they became Ready during the initialization
 * period), missing (no metrics) and ignored (deleted or failed); the usage ratio decides the direction,
 * and the missing and unready pods are then assumed to use 100% (scale down) or 0% (scale up) of their
 * request so that they damp the change instead of driving it.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { quantityToMilli, tryParseQuantity } from '@nanokube/api';

/** One pod's usage of the resource (sum over its containers), in milli-units, as the metrics API says. */
export interface PodMetric {
  timestamp: number;
  windowMs: number;
  value: number;
}

export interface CalculatorSettings {
  /** The tolerance around a ratio of 1.0 within which nothing changes (`--horizontal-pod-autoscaler-tolerance`). */
  tolerance: number;
  /** `--horizontal-pod-autoscaler-cpu-initialization-period` (5 min). */
  cpuInitializationPeriodMs: number;
  /** `--horizontal-pod-autoscaler-initial-readiness-delay` (30 s). */
  delayOfInitialReadinessStatusMs: number;
}

export const defaultCalculatorSettings: CalculatorSettings = {
  tolerance: 0.1,
  cpuInitializationPeriodMs: 5 * 60_000,
  delayOfInitialReadinessStatusMs: 30_000,
};

export interface ResourceReplicasResult {
  replicas: number;
  /** Average utilization in percent of the request (truncated, as upstream's int32 conversion). */
  utilization: number;
  /** Average usage per measured pod, in milli-units. */
  rawAverageValue: number;
  timestamp: number;
}

/** CalculationError carries upstream's message for the ScalingActive=False condition. */
export class CalculationError extends Error {}

interface Grouped {
  readyPodCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

function podName(p: Pod): string {
  return p.metadata?.name ?? '';
}

/** groupPods sorts pods as upstream's groupPods does. */
export function groupPods(pods: readonly Pod[], metrics: ReadonlyMap<string, PodMetric>, resource: string, settings: CalculatorSettings, nowMs: number): Grouped {
  const g: Grouped = { readyPodCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = podName(pod);
    if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Failed') {
      g.ignored.add(name);
      continue;
    }
    if (pod.status?.phase === 'Pending') {
      g.unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      g.missing.add(name);
      continue;
    }
    if (resource === 'cpu') {
      const ready = (pod.status?.conditions ?? []).find((c) => c.type === 'Ready');
      const start = pod.status?.startTime ? Date.parse(pod.status.startTime) : NaN;
      let unready: boolean;
      if (!ready || Number.isNaN(start)) unready = true;
      else {
        const transition = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : 0;
        if (start + settings.cpuInitializationPeriodMs > nowMs) {
          // During initialization a sample taken (partly) before readiness does not count.
          unready = ready.status === 'False' || metric.timestamp < transition + metric.windowMs;
        } else {
          unready = ready.status === 'False' && start + settings.delayOfInitialReadinessStatusMs > transition;
        }
      }
      if (unready) {
        g.unready.add(name);
        continue;
      }
    }
    g.readyPodCount++;
  }
  return g;
}

/** podRequests sums each pod's container requests of the resource (milli-units); a missing request is an error. */
export function podRequests(pods: readonly Pod[], resource: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    let sum = 0;
    for (const c of pod.spec?.containers ?? []) {
      const raw = c.resources?.requests?.[resource];
      const q = raw !== undefined ? tryParseQuantity(raw) : undefined;
      if (!q) throw new CalculationError(`missing request for ${resource} in container ${c.name} of Pod ${podName(pod)}`);
      sum += quantityToMilli(q);
    }
    out.set(podName(pod), sum);
  }
  return out;
}

/** utilizationRatio is upstream's GetResourceUtilizationRatio. */
export function utilizationRatio(
  metrics: ReadonlyMap<string, PodMetric>,
  requests: ReadonlyMap<string, number>,
  targetUtilization: number,
): { ratio: number; utilization: number; rawAverageValue: number } {
  let metricsTotal = 0;
  let requestsTotal = 0;
  let entries = 0;
  for (const [name, m] of metrics) {
    const req = requests.get(name);
    if (req === undefined) continue;
    metricsTotal += m.value;
    requestsTotal += req;
    entries++;
  }
  if (requestsTotal === 0) throw new CalculationError('no metrics returned matched known pods');
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal);
  return { ratio: utilization / targetUtilization, utilization, rawAverageValue: Math.trunc(metricsTotal / entries) };
}

/** getResourceReplicas computes the proposal for one Resource/Utilization metric. */
export function getResourceReplicas(args: {
  currentReplicas: number;
  targetUtilization: number;
  resource: string;
  pods: readonly Pod[];
  metrics: ReadonlyMap<string, PodMetric>;
  settings: CalculatorSettings;
  nowMs: number;
}): ResourceReplicasResult {
  const { currentReplicas, targetUtilization, resource, pods, settings } = args;
  if (pods.length === 0) throw new CalculationError('no pods returned by selector while calculating replica count');
  const metrics = new Map(args.metrics);
  const timestamp = Math.min(...[...metrics.values()].map((m) => m.timestamp), Number.MAX_SAFE_INTEGER);
  const g = groupPods(pods, metrics, resource, settings, args.nowMs);
  for (const n of [...g.ignored, ...g.unready]) metrics.delete(n);
  // Metrics of pods no longer selected do not count either.
  const selected = new Set(pods.map(podName));
  for (const n of [...metrics.keys()]) if (!selected.has(n)) metrics.delete(n);
  if (metrics.size === 0) throw new CalculationError('did not receive metrics for targeted pods (pods might be unready)');
  const requests = podRequests(pods, resource);
  const first = utilizationRatio(metrics, requests, targetUtilization);
  const result = (replicas: number): ResourceReplicasResult => ({ replicas, utilization: first.utilization, rawAverageValue: first.rawAverageValue, timestamp });
  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1.0;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1.0 - first.ratio) <= settings.tolerance) return result(currentReplicas);
    return result(Math.ceil(first.ratio * g.readyPodCount));
  }
  if (g.missing.size > 0) {
    for (const n of g.missing) {
      const req = requests.get(n) ?? 0;
      // Scale down: missing pods are taken to use their whole request (or the target, if above 100%).
      metrics.set(n, { timestamp, windowMs: 0, value: first.ratio < 1.0 ? (req * Math.max(100, targetUtilization)) / 100 : 0 });
    }
  }
  if (scaleUpWithUnready) for (const n of g.unready) metrics.set(n, { timestamp, windowMs: 0, value: 0 });
  const second = utilizationRatio(metrics, requests, targetUtilization);
  if (Math.abs(1.0 - second.ratio) <= settings.tolerance || (first.ratio < 1.0 && second.ratio > 1.0) || (first.ratio > 1.0 && second.ratio < 1.0)) {
    return result(currentReplicas);
  }
  const replicas = Math.ceil(second.ratio * metrics.size);
  if ((second.ratio < 1.0 && replicas > currentReplicas) || (second.ratio > 1.0 && replicas < currentReplicas)) return result(currentReplicas);
  return result(replicas);
}
