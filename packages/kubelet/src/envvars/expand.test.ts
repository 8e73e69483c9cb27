import { describe, expect, it } from 'vitest';
import { expand, lookupIn } from './expand.js';

const vars = lookupIn(new Map([['VAR', 'foo'], ['VAR2', 'bar'], ['EMPTY', '']]));

describe('expand', () => {
  it.each([
    ['$(VAR)', 'foo'],
    ['___$(VAR)___', '___foo___'],
    ['$(VAR)$(VAR2)', 'foobar'],
    ['$(EMPTY)x', 'x'],
    ['$$(VAR)', '$(VAR)'],
    ['$$$(VAR)', '$foo'],
    ['$$$$(VAR)', '$$(VAR)'],
    ['$(UNKNOWN)', '$(UNKNOWN)'],
    ['$(VAR', '$(VAR'],
    ['x $(VAR $(VAR2)', 'x $(VAR $(VAR2)'],
    ['$VAR', '$VAR'],
    ['$', '$'],
    ['foo$', 'foo$'],
    ['$(VAR)$', 'foo$'],
    ['$()', '$()'],
    ['$$', '$'],
    ['no refs', 'no refs'],
  ])('%j → %j', (input, want) => {
    expect(expand(input, vars)).toBe(want);
  });

  it('prefers earlier maps', () => {
    expect(expand('$(A)', lookupIn(new Map([['A', '1']]), new Map([['A', '2']])))).toBe('1');
  });
});
