import { describe, expect, it } from 'vitest';
import { findDuplicateKeys } from './json-strict.js';

describe('findDuplicateKeys', () => {
  it.each([
    { name: 'no duplicates', text: '{"a":1,"b":{"a":2}}', want: [] },
    { name: 'top-level duplicate', text: '{"a":1,"a":2}', want: ['a'] },
    { name: 'nested duplicate', text: '{"spec":{"replicas":1,"replicas":2}}', want: ['replicas'] },
    { name: 'objects in arrays are separate', text: '[{"name":"a"},{"name":"b"}]', want: [] },
    { name: 'keys inside strings are ignored', text: '{"a":"{\\"a\\":1}","b":"x\\"y"}', want: [] },
    { name: 'escaped keys', text: '{"a\\u0062":1,"ab":2}', want: ['ab'] },
  ])('reports $name', ({ text, want }) => {
    expect(findDuplicateKeys(text)).toEqual(want);
  });
});
