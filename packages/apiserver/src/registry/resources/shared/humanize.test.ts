import { describe, expect, it } from 'vitest';
import { humanDuration, since } from './humanize.js';

describe('humanDuration', () => {
  it.each([
    { name: 'negative within tolerance', ms: -1500, want: '0s' },
    { name: 'far in the future', ms: -5000, want: '<invalid>' },
    { name: 'seconds', ms: 45_000, want: '45s' },
    { name: 'just under 2 minutes', ms: 119_000, want: '119s' },
    { name: 'minutes and seconds', ms: 5 * 60_000 + 30_000, want: '5m30s' },
    { name: 'whole minutes', ms: 7 * 60_000, want: '7m' },
    { name: 'minutes under 3 hours', ms: 150 * 60_000, want: '150m' },
    { name: 'hours and minutes', ms: (3 * 60 + 20) * 60_000, want: '3h20m' },
    { name: 'hours', ms: 30 * 3600_000, want: '30h' },
    { name: 'days and hours', ms: (2 * 24 + 5) * 3600_000, want: '2d5h' },
    { name: 'days', ms: 400 * 24 * 3600_000, want: '400d' },
    { name: 'years and days', ms: (3 * 365 + 30) * 24 * 3600_000, want: '3y30d' },
    { name: 'years', ms: 9 * 365 * 24 * 3600_000, want: '9y' },
  ])('renders $name as $want', ({ ms, want }) => {
    expect(humanDuration(ms)).toBe(want);
  });

  it('renders <unknown> for a missing timestamp', () => {
    expect(since(undefined, new Date())).toBe('<unknown>');
  });
});
