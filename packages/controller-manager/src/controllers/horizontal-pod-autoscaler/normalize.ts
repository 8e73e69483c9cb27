/**
 * From a metric proposal to the replica count applied (upstream horizontal.go normalizeDesiredReplicas*):
 * recommendations are stabilized over a window (scale-down: the highest recommendation of the last
 * window wins), then limited by min/max and the scaling rate: without `spec.behavior` the scale-up limit
 * is max(2 × current, 4); with it the policies of scaleUp/scaleDown over their periods apply.
 */
import type { HPAScalingRules } from 'kubernetes-types/autoscaling/v2.js';

export interface Recommendation {
  timestamp: number;
  replicas: number;
}

/** A past change of the target's replica count, for rate policies. */
export interface ScaleEvent {
  timestamp: number;
  /** Replicas added (scale up) or removed (scale down), positive. */
  change: number;
  outdated?: boolean;
}

export interface ConditionChange {
  status: 'True' | 'False';
  reason: string;
  message: string;
}

export interface Normalized {
  replicas: number;
  /** The AbleToScale condition (reason ReadyForNewScale or Scale{Up,Down}Stabilized). */
  ableToScale: ConditionChange;
  /** The ScalingLimited condition. */
  scalingLimited: ConditionChange;
}

/** Upstream's defaults of spec.behavior (autoscaling/v2 SetDefaults_HorizontalPodAutoscalerBehavior). */
export const defaultScaleUp: Required<Pick<HPAScalingRules, 'stabilizationWindowSeconds' | 'selectPolicy' | 'policies'>> = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
};
export const defaultScaleDown: Required<Pick<HPAScalingRules, 'selectPolicy' | 'policies'>> & { stabilizationWindowSeconds?: number } = {
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
};

const readyForNewScale: ConditionChange = { status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
const withinRange: ConditionChange = { status: 'False', reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };

/** normalizeWithoutBehavior is upstream's normalizeDesiredReplicas (no spec.behavior). */
export function normalizeWithoutBehavior(args: {
  recommendations: Recommendation[];
  nowMs: number;
  currentReplicas: number;
  prenormalized: number;
  minReplicas: number;
  maxReplicas: number;
  downscaleStabilizationMs: number;
}): Normalized {
  const cutoff = args.nowMs - args.downscaleStabilizationMs;
  let stabilized = args.prenormalized;
  for (const r of args.recommendations) if (r.timestamp > cutoff) stabilized = Math.max(stabilized, r.replicas);
  const ableToScale: ConditionChange =
    stabilized !== args.prenormalized
      ? { status: 'True', reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' }
      : readyForNewScale;
  const scaleUpLimit = Math.max(2 * args.currentReplicas, 4);
  let replicas = stabilized;
  let scalingLimited = withinRange;
  if (stabilized < args.minReplicas) {
    replicas = args.minReplicas;
    scalingLimited = { status: 'True', reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
  } else if (stabilized > args.maxReplicas && args.maxReplicas <= scaleUpLimit) {
    replicas = args.maxReplicas;
    scalingLimited = { status: 'True', reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' };
  } else if (stabilized > scaleUpLimit) {
    replicas = scaleUpLimit;
    scalingLimited = { status: 'True', reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' };
  }
  return { replicas, ableToScale, scalingLimited };
}

function periodChange(events: readonly ScaleEvent[], periodSeconds: number, nowMs: number): number {
  const cutoff = nowMs - periodSeconds * 1000;
  let sum = 0;
  for (const e of events) if (e.timestamp > cutoff && !e.outdated) sum += e.change;
  return sum;
}

/** scaleUpLimit is upstream's calculateScaleUpLimitWithScalingRules. */
export function scaleUpLimit(current: number, upEvents: readonly ScaleEvent[], downEvents: readonly ScaleEvent[], rules: HPAScalingRules, nowMs: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const select = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  let result = rules.selectPolicy === 'Min' ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  for (const p of rules.policies ?? []) {
    const up = periodChange(upEvents, p.periodSeconds, nowMs);
    const down = periodChange(downEvents, p.periodSeconds, nowMs);
    const start = current - up + down;
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = select(result, proposed);
  }
  return Math.max(current, result);
}

/** scaleDownLimit is upstream's calculateScaleDownLimitWithBehaviors. */
export function scaleDownLimit(current: number, upEvents: readonly ScaleEvent[], downEvents: readonly ScaleEvent[], rules: HPAScalingRules, nowMs: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const min = rules.selectPolicy === 'Min';
  // Min picks the smallest change, i.e. the largest limit.
  let result = min ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  for (const p of rules.policies ?? []) {
    const up = periodChange(upEvents, p.periodSeconds, nowMs);
    const down = periodChange(downEvents, p.periodSeconds, nowMs);
    const start = current - up + down;
    const proposed = p.type === 'Pods' ? start - p.value : Math.floor(start * (1 - p.value / 100));
    result = min ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return Math.min(current, result);
}

/** normalizeWithBehavior is upstream's normalizeDesiredReplicasWithBehaviors. */
export function normalizeWithBehavior(args: {
  recommendations: Recommendation[];
  nowMs: number;
  currentReplicas: number;
  prenormalized: number;
  minReplicas: number;
  maxReplicas: number;
  scaleUp: HPAScalingRules;
  scaleDown: HPAScalingRules;
  upEvents: readonly ScaleEvent[];
  downEvents: readonly ScaleEvent[];
}): Normalized {
  const { currentReplicas: current, prenormalized, nowMs } = args;
  const upWindow = (args.scaleUp.stabilizationWindowSeconds ?? 0) * 1000;
  const downWindow = (args.scaleDown.stabilizationWindowSeconds ?? 300) * 1000;
  let up = prenormalized;
  let down = prenormalized;
  for (const r of args.recommendations) {
    if (r.timestamp > nowMs - upWindow) up = Math.min(up, r.replicas);
    if (r.timestamp > nowMs - downWindow) down = Math.max(down, r.replicas);
  }
  let stabilized = current;
  if (up > current) stabilized = up;
  if (down < current) stabilized = down;
  let ableToScale = readyForNewScale;
  if (stabilized !== prenormalized) {
    ableToScale =
      stabilized < prenormalized
        ? { status: 'True', reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' }
        : { status: 'True', reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' };
  }
  let replicas = stabilized;
  let scalingLimited = withinRange;
  if (stabilized > current) {
    const limit = scaleUpLimit(current, args.upEvents, args.downEvents, args.scaleUp, nowMs);
    const max = Math.min(limit, args.maxReplicas);
    if (stabilized > max) {
      replicas = max;
      scalingLimited = max === args.maxReplicas
        ? { status: 'True', reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' }
        : { status: 'True', reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' };
    }
  } else if (stabilized < current) {
    const limit = scaleDownLimit(current, args.upEvents, args.downEvents, args.scaleDown, nowMs);
    const min = Math.max(limit, args.minReplicas);
    if (stabilized < min) {
      replicas = min;
      scalingLimited = min === args.minReplicas
        ? { status: 'True', reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' }
        : { status: 'True', reason: 'ScaleDownLimit', message: 'the desired replica count is decreasing faster than the maximum scale rate' };
    }
  }
  // min/max also bound a count that did not move (e.g. max lowered below current).
  if (replicas > args.maxReplicas) {
    replicas = args.maxReplicas;
    scalingLimited = { status: 'True', reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' };
  } else if (replicas < args.minReplicas) {
    replicas = args.minReplicas;
    scalingLimited = { status: 'True', reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
  }
  return { replicas, ableToScale, scalingLimited };
}
