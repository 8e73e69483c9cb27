import { describe, expect, it } from 'vitest';
import {
  addQuantities,
  canonicalQuantity,
  compareQuantities,
  parseQuantity,
  quantityFormatErrMsg,
  quantityFromInt,
  quantityFromMilli,
  quantitySuffixErrMsg,
  quantityToInt,
  quantityToMilli,
  subtractQuantities,
  toNumber,
} from './quantity.js';

describe('canonicalQuantity', () => {
  it.each([
    { in: '1000m', out: '1' },
    { in: '1024Mi', out: '1Gi' },
    { in: '0.5', out: '500m' },
    { in: '1536Mi', out: '1536Mi' },
    { in: '0.5Gi', out: '512Mi' },
    { in: '1500m', out: '1500m' },
    { in: '2000', out: '2k' },
    { in: '1500', out: '1500' },
    { in: '100m', out: '100m' },
    { in: '0', out: '0' },
    { in: '0m', out: '0' },
    { in: '512', out: '512' },
    { in: '512Ki', out: '512Ki' },
    { in: '1Ki', out: '1Ki' },
    { in: '1e3', out: '1e3' },
    { in: '1E6', out: '1e6' },
    { in: '1.5e3', out: '1500' },
    { in: '1E', out: '1E' },
    { in: '1M', out: '1M' },
    { in: '1n', out: '1n' },
    { in: '0.1n', out: '1n' },
    { in: '-100m', out: '-100m' },
    { in: '+5', out: '5' },
    { in: '.5', out: '500m' },
    { in: '5.', out: '5' },
    { in: '1.1Ki', out: '1126400m' },
    { in: 128, out: '128' },
    { in: 0.25, out: '250m' },
  ])('$in -> $out', ({ in: input, out }) => {
    expect(canonicalQuantity(input)).toBe(out);
  });

  it.each([
    { in: '', msg: quantityFormatErrMsg },
    { in: 'abc', msg: quantityFormatErrMsg },
    { in: '1.2.3', msg: quantityFormatErrMsg },
    { in: '.', msg: quantityFormatErrMsg },
    { in: '1K', msg: quantitySuffixErrMsg },
    { in: '1Kib', msg: quantityFormatErrMsg },
    { in: '1e', msg: quantitySuffixErrMsg },
    { in: '1 Gi', msg: quantityFormatErrMsg },
  ])('rejects $in', ({ in: input, msg }) => {
    expect(() => parseQuantity(input)).toThrow(msg);
  });
});

describe('quantity arithmetic', () => {
  it.each([
    { q: '250m', milli: 250, int: 1 },
    { q: '1', milli: 1000, int: 1 },
    { q: '1Ki', milli: 1024000, int: 1024 },
    { q: '0.1m', milli: 1, int: 1 },
    { q: '1.5', milli: 1500, int: 2 },
  ])('$q in milli and int', ({ q, milli, int }) => {
    expect(quantityToMilli(parseQuantity(q))).toBe(milli);
    expect(quantityToInt(parseQuantity(q))).toBe(int);
  });

  it.each([
    { a: '1', b: '1000m', want: 0 },
    { a: '1Gi', b: '1G', want: 1 },
    { a: '100m', b: '0.2', want: -1 },
  ])('compares $a and $b', ({ a, b, want }) => {
    expect(compareQuantities(parseQuantity(a), parseQuantity(b))).toBe(want);
  });

  it('adds and subtracts exactly, keeping the first format', () => {
    expect(canonicalQuantity('0') === '0').toBe(true);
    const sum = addQuantities(parseQuantity('512Mi'), parseQuantity('512Mi'));
    expect(canonicalQuantity('1Gi')).toBe('1Gi');
    expect(compareQuantities(sum, parseQuantity('1Gi'))).toBe(0);
    expect(toNumber(subtractQuantities(parseQuantity('1'), parseQuantity('250m')))).toBe(0.75);
  });

  it('builds quantities from milli values and byte counts', () => {
    expect(canonicalQuantity(String(toNumber(quantityFromMilli(5))))).toBe('5m');
    expect(compareQuantities(quantityFromInt(12 * 1024 * 1024, 'BinarySI'), parseQuantity('12Mi'))).toBe(0);
  });
});
