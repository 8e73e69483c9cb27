import { validateHeaderValue } from 'node:http';
import { describe, expect, it } from 'vitest';
import { warningHeader } from './resource-handler.js';

describe('warningHeader', () => {
  it('quotes and escapes the text as a 299 warning', () => {
    expect(warningHeader('unknown field "spec.foo"')).toBe('299 - "unknown field \\"spec.foo\\""');
  });

  it('turns the newlines of a multi-line parser message into spaces so Node accepts the header', () => {
    const text = 'duplicated mapping key (4:3)\n\n 1 | apiVersion: v1\n 4 |   name: y\n-------^';
    const value = warningHeader(text);
    expect(value).not.toMatch(/[\r\n]/);
    expect(() => validateHeaderValue('warning', value)).not.toThrow();
  });

  it('sends non-latin1 text as its UTF-8 bytes', () => {
    const value = warningHeader('name "ünïcödé 💥" is odd');
    expect(() => validateHeaderValue('warning', value)).not.toThrow();
    expect(Buffer.from(value, 'latin1').toString('utf8')).toBe('299 - "name \\"ünïcödé 💥\\" is odd"');
  });
});
