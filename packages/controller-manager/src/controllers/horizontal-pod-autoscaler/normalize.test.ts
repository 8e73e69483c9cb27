import { describe, expect, it } from 'vitest';
import { defaultScaleDown, defaultScaleUp, normalizeWithBehavior, normalizeWithoutBehavior } from './normalize.js';

const now = 1_000_000;

describe('normalizeWithoutBehavior', () => {
  const base = { nowMs: now, minReplicas: 1, maxReplicas: 10, downscaleStabilizationMs: 300_000 };

  it('keeps the highest recommendation of the stabilization window on scale-down', () => {
    const r = normalizeWithoutBehavior({ ...base, currentReplicas: 5, prenormalized: 2, recommendations: [{ timestamp: now - 60_000, replicas: 4 }, { timestamp: now - 400_000, replicas: 9 }] });
    expect(r.replicas).toBe(4);
    expect(r.ableToScale.reason).toBe('ScaleDownStabilized');
  });

  it('limits scale-up to max(2 x current, 4) and to min/max', () => {
    expect(normalizeWithoutBehavior({ ...base, currentReplicas: 1, prenormalized: 9, recommendations: [] })).toMatchObject({ replicas: 4, scalingLimited: { status: 'True', reason: 'ScaleUpLimit' } });
    expect(normalizeWithoutBehavior({ ...base, currentReplicas: 8, prenormalized: 30, recommendations: [] })).toMatchObject({ replicas: 10, scalingLimited: { reason: 'TooManyReplicas' } });
    expect(normalizeWithoutBehavior({ ...base, minReplicas: 2, currentReplicas: 3, prenormalized: 1, recommendations: [] })).toMatchObject({ replicas: 2, scalingLimited: { reason: 'TooFewReplicas' } });
    expect(normalizeWithoutBehavior({ ...base, currentReplicas: 3, prenormalized: 3, recommendations: [] })).toMatchObject({ replicas: 3, ableToScale: { reason: 'ReadyForNewScale' }, scalingLimited: { status: 'False', reason: 'DesiredWithinRange' } });
  });
});

describe('normalizeWithBehavior', () => {
  const base = { nowMs: now, minReplicas: 1, maxReplicas: 20, scaleUp: defaultScaleUp, upEvents: [], downEvents: [] };

  it('honours the scale-down stabilization window of spec.behavior', () => {
    const recs = [{ timestamp: now - 10_000, replicas: 5 }];
    const zero = normalizeWithBehavior({ ...base, scaleDown: { ...defaultScaleDown, stabilizationWindowSeconds: 0 }, currentReplicas: 5, prenormalized: 1, recommendations: recs });
    expect(zero.replicas).toBe(1);
    const held = normalizeWithBehavior({ ...base, scaleDown: { ...defaultScaleDown, stabilizationWindowSeconds: 300 }, currentReplicas: 5, prenormalized: 1, recommendations: recs });
    expect(held).toMatchObject({ replicas: 5, ableToScale: { reason: 'ScaleDownStabilized' } });
  });

  it('applies the default scale-up policies: +4 pods or +100% per 15 s, whichever is more', () => {
    const down = { ...defaultScaleDown, stabilizationWindowSeconds: 0 };
    expect(normalizeWithBehavior({ ...base, scaleDown: down, currentReplicas: 1, prenormalized: 12, recommendations: [] }).replicas).toBe(5);
    expect(normalizeWithBehavior({ ...base, scaleDown: down, currentReplicas: 6, prenormalized: 19, recommendations: [] }).replicas).toBe(12);
    // A scale-up of 4 in the current period already used the Pods policy's budget.
    const r = normalizeWithBehavior({ ...base, scaleDown: down, currentReplicas: 5, prenormalized: 19, recommendations: [], upEvents: [{ timestamp: now - 5_000, change: 4 }] });
    expect(r).toMatchObject({ replicas: 5, scalingLimited: { reason: 'ScaleUpLimit' } });
  });

  it('selectPolicy Disabled freezes that direction', () => {
    const r = normalizeWithBehavior({ ...base, scaleDown: { ...defaultScaleDown, stabilizationWindowSeconds: 0, selectPolicy: 'Disabled' }, currentReplicas: 5, prenormalized: 1, recommendations: [] });
    expect(r.replicas).toBe(5);
  });
});
