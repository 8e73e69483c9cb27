import { describe, expect, it } from 'vitest';
import { fieldErrorString } from './field-errors.js';
import { nameIsDNSLabel, validateAnnotations, validateLabels, validateObjectMeta, validateObjectMetaName } from './object-meta.js';

const render = (errs: { field: string; detail: string }[]): string[] => errs.map((e) => fieldErrorString({ type: '', ...e }));

describe('validateLabels', () => {
  it.each<{ name: string; labels: Record<string, string> | undefined; n: number }>([
    { name: 'valid', labels: { app: 'web', 'app.kubernetes.io/name': 'x' }, n: 0 },
    { name: 'bad key', labels: { 'a b': 'x' }, n: 1 },
    { name: 'bad value', labels: { a: '-x' }, n: 1 },
    { name: 'nullish', labels: undefined, n: 0 },
  ])('$name', ({ labels, n }) => {
    const errs = validateLabels(labels);
    expect(errs).toHaveLength(n);
    for (const e of errs) expect(e.field).toBe('metadata.labels');
  });
});

describe('validateAnnotations', () => {
  it('accepts upper-case keys', () => {
    expect(validateAnnotations({ 'Example.com/Key': 'v' })).toEqual([]);
  });
  it('rejects more than 256 KiB in total', () => {
    const errs = validateAnnotations({ a: 'x'.repeat(256 * 1024) });
    expect(render(errs)).toEqual(['metadata.annotations: Too long: may not be more than 262144 bytes']);
  });
  it('accepts exactly 256 KiB', () => {
    expect(validateAnnotations({ a: 'x'.repeat(256 * 1024 - 1) })).toEqual([]);
  });
});

describe('validateObjectMetaName', () => {
  it.each([
    { name: 'valid', v: 'web.v1', want: [] as string[] },
    { name: 'missing', v: undefined, want: ['metadata.name: Required value: name or generateName is required'] },
    { name: 'dot dot', v: '..', want: ["metadata.name: Invalid value: \"..\": may not be '..'"] },
  ])('$name', ({ v, want }) => {
    const got = render(validateObjectMetaName(v));
    if (want.length) expect(got[0]).toBe(want[0]);
    else expect(got).toEqual([]);
  });
  it('uses the given name rule', () => {
    expect(validateObjectMetaName('a.b', nameIsDNSLabel)).toHaveLength(1);
  });
});

describe('validateObjectMeta', () => {
  it('requires a namespace for namespaced kinds', () => {
    expect(render(validateObjectMeta({ name: 'a' }, { namespaced: true }))).toEqual(['metadata.namespace: Required value']);
  });
  it('forbids a namespace on cluster-scoped kinds', () => {
    expect(render(validateObjectMeta({ name: 'a', namespace: 'x' }, { namespaced: false }))).toEqual([
      'metadata.namespace: Forbidden: not allowed on this type',
    ]);
  });
  it('accepts a generateName ending in a dash', () => {
    expect(validateObjectMeta({ generateName: 'web-', name: 'web-abcde', namespace: 'd' }, { namespaced: true })).toEqual([]);
  });
  it('rejects a negative generation', () => {
    expect(render(validateObjectMeta({ name: 'a', generation: -1 }, { namespaced: false }))).toEqual([
      'metadata.generation: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });
});
