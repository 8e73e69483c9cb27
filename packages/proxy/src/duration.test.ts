import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['1s', 1000],
    ['500ms', 500],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    ['0', 0],
  ])('parses %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it('rejects garbage', () => {
    expect(() => parseDuration('1x')).toThrow('invalid duration');
    expect(() => parseDuration('')).toThrow('invalid duration');
  });
});
