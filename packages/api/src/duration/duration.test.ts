import { describe, expect, it } from 'vitest';
import { humanDuration, shortHumanDuration } from './duration.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;
const y = 365 * d;

describe('humanDuration', () => {
  it.each([
    { ms: -2 * s, want: '<invalid>' },
    { ms: -1 * s, want: '0s' },
    { ms: 0, want: '0s' },
    { ms: 59 * s, want: '59s' },
    { ms: 2 * m - 1, want: '119s' },
    { ms: 2 * m, want: '2m' },
    { ms: 2 * m + 5 * s, want: '2m5s' },
    { ms: 10 * m - 1, want: '9m59s' },
    { ms: 10 * m, want: '10m' },
    { ms: 3 * h - 1, want: '179m' },
    { ms: 3 * h, want: '3h' },
    { ms: 3 * h + 12 * m, want: '3h12m' },
    { ms: 8 * h - 1, want: '7h59m' },
    { ms: 8 * h, want: '8h' },
    { ms: 48 * h - 1, want: '47h' },
    { ms: 48 * h, want: '2d' },
    { ms: 3 * d + 4 * h, want: '3d4h' },
    { ms: 8 * d - 1, want: '7d23h' },
    { ms: 8 * d, want: '8d' },
    { ms: 2 * y - 1, want: '729d' },
    { ms: 2 * y, want: '2y' },
    { ms: 2 * y + 45 * d, want: '2y45d' },
    { ms: 8 * y - 1, want: '7y364d' },
    { ms: 8 * y, want: '8y' },
    { ms: 20 * y + 100 * d, want: '20y' },
  ])('$ms ms -> $want', ({ ms, want }) => {
    expect(humanDuration(ms)).toBe(want);
  });
});

describe('shortHumanDuration', () => {
  it.each([
    { ms: -2 * s, want: '<invalid>' },
    { ms: -500, want: '0s' },
    { ms: 59 * s, want: '59s' },
    { ms: 60 * s, want: '1m' },
    { ms: h - 1, want: '59m' },
    { ms: h, want: '1h' },
    { ms: d - 1, want: '23h' },
    { ms: d, want: '1d' },
    { ms: y - 1, want: '364d' },
    { ms: y, want: '1y' },
  ])('$ms ms -> $want', ({ ms, want }) => {
    expect(shortHumanDuration(ms)).toBe(want);
  });
});
