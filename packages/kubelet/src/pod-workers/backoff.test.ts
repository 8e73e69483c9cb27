import { describe, expect, it } from 'vitest';
import { Backoff, formatGoDuration } from './backoff.js';

describe('Backoff', () => {
  it('doubles from 10s to a 5m cap and starts over after being left alone', () => {
    let now = 0;
    const b = new Backoff(() => now);
    const seen = Array.from({ length: 7 }, () => formatGoDuration(b.next('k')));
    expect(seen).toEqual(['10s', '20s', '40s', '1m20s', '2m40s', '5m0s', '5m0s']);
    now += 600_001;
    expect(b.next('k')).toBe(10_000);
  });

  it('reports the time left since an event while backing off', () => {
    let now = 1_000;
    const b = new Backoff(() => now);
    expect(b.remainingSince('k', now)).toBe(0);
    b.next('k');
    now += 4_000;
    expect(b.remainingSince('k', 1_000)).toBe(6_000);
    now += 7_000;
    expect(b.remainingSince('k', 1_000)).toBe(0);
  });
});
