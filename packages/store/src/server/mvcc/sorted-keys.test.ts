import { describe, expect, it } from 'vitest';
import { SortedKeys } from './sorted-keys.js';

function collect(s: SortedKeys, from = ''): string[] {
  const out: string[] = [];
  s.forEachFrom(from, (k) => (out.push(k), true));
  return out;
}

describe('SortedKeys', () => {
  it('keeps keys in byte order across chunk splits', () => {
    const s = new SortedKeys();
    const keys = Array.from({ length: 5000 }, (_, i) => `k${((i * 7919) % 5000).toString().padStart(5, '0')}`);
    for (const k of keys) s.insert(k);
    expect(s.size).toBe(5000);
    expect(collect(s)).toEqual([...keys].sort());
    expect(collect(s, 'k04998')).toEqual(['k04998', 'k04999']);
    expect(collect(s, 'k1')).toEqual([]);
  });

  it('stops when the callback returns false, and removes keys in bulk', () => {
    const s = new SortedKeys();
    for (let i = 0; i < 3000; i++) s.insert(`x${String(i).padStart(4, '0')}`);
    const firstThree: string[] = [];
    s.forEachFrom('x1000', (k) => (firstThree.push(k), firstThree.length < 3));
    expect(firstThree).toEqual(['x1000', 'x1001', 'x1002']);
    s.removeAll(new Set(Array.from({ length: 2990 }, (_, i) => `x${String(i).padStart(4, '0')}`)));
    expect(collect(s)).toEqual(Array.from({ length: 10 }, (_, i) => `x${2990 + i}`));
    s.insert('a');
    expect(collect(s)[0]).toBe('a');
  });
});
