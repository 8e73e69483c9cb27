import { describe, expect, it } from 'vitest';
import { decodeObject, decodePatch, maxBodyDepth } from './body.js';
import { listOptions, watchOptions } from './query.js';

const nested = (depth: number): string => `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","labels":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}}`;

describe('body shape limits', () => {
  it('refuses JSON nested deeper than the limit with 400 instead of overflowing the stack later', () => {
    expect(() => decodeObject(Buffer.from(nested(5000)), 'application/json', 'Strict')).toThrow(expect.objectContaining({ status: expect.objectContaining({ code: 400, message: 'json: exceeded max depth' }) }));
    expect(() => decodePatch(Buffer.from('['.repeat(20_000) + ']'.repeat(20_000)), 'json', 'Strict')).toThrow(/exceeded max depth/);
    expect(decodeObject(Buffer.from(nested(maxBodyDepth - 10)), 'application/json', 'Strict').value.metadata.name).toBe('x');
  });

  it('refuses a YAML document whose aliases expand too far (billion laughs)', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [i, c] of [...'bcdefghi'].entries()) {
      const prev = String.fromCharCode(97 + i);
      levels.push(`${c}: &${c} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const doc = `${levels.join('\n')}\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\n`;
    expect(() => decodeObject(Buffer.from(doc), 'application/yaml', 'Strict')).toThrow(/excessive aliasing/);
  });
});

describe('query parameter checks', () => {
  it('refuses resourceVersions that are not a decimal uint64', () => {
    for (const rv of ['abc', '-1', '0x10', '1e9', ' ', '9'.repeat(400), '18446744073709551616']) {
      expect(() => listOptions({ resourceVersion: rv }), rv).toThrow(/resourceVersion: Invalid value/);
      expect(() => watchOptions({ resourceVersion: rv }), rv).toThrow(/resourceVersion: Invalid value/);
    }
    expect(watchOptions({ resourceVersion: '18446744073709551615' }).resourceVersion).toBe('18446744073709551615');
    expect(listOptions({ resourceVersion: '0' }).resourceVersion).toBe('0');
  });

  it('refuses a malformed timeoutSeconds on lists', () => {
    expect(() => listOptions({ timeoutSeconds: 'abc' })).toThrow(/invalid syntax/);
  });
});
