import { describe, expect, it } from 'vitest';
import { CodedError } from './errors.js';

class FooError extends CodedError<'MK_ERR_FOO_A' | 'MK_ERR_FOO_B'> {
  static override readonly brand: symbol = Symbol.for('nanokube.error.test.FooError');
  override readonly name = 'FooError';
}

class BarError extends CodedError<'MK_ERR_BAR'> {
  static override readonly brand: symbol = Symbol.for('nanokube.error.test.BarError');
  override readonly name = 'BarError';
}

describe('CodedError', () => {
  it('keeps code, message, name and cause', () => {
    const cause = new Error('inner');
    const err = new FooError('MK_ERR_FOO_B', 'it broke', { cause });
    expect(err.code).toBe('MK_ERR_FOO_B');
    expect(err.message).toBe('it broke');
    expect(err.name).toBe('FooError');
    expect(err.cause).toBe(cause);
    expect(String(err)).toBe('FooError: it broke');
  });

  it('matches instanceof by class, not across sibling classes', () => {
    const foo = new FooError('MK_ERR_FOO_A', 'x');
    expect(foo instanceof FooError).toBe(true);
    expect(foo instanceof CodedError).toBe(true);
    expect(foo instanceof Error).toBe(true);
    expect(foo instanceof BarError).toBe(false);
    expect(new Error('plain') instanceof CodedError).toBe(false);
    expect(null instanceof FooError).toBe(false);
  });

  it('matches a copy of the class from a duplicated install by its brand', () => {
    class FooErrorCopy extends CodedError<'MK_ERR_FOO_A'> {
      static override readonly brand: symbol = Symbol.for('nanokube.error.test.FooError');
      override readonly name = 'FooError';
    }
    expect(new FooErrorCopy('MK_ERR_FOO_A', 'x') instanceof FooError).toBe(true);
    expect(new FooError('MK_ERR_FOO_A', 'x') instanceof FooErrorCopy).toBe(true);
    expect(new BarError('MK_ERR_BAR', 'x') instanceof FooErrorCopy).toBe(false);
  });
});
