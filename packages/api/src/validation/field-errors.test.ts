import { describe, expect, it } from 'vitest';
import { duplicate, fieldErrorString, forbidden, invalid, notSupported, required, tooLong } from './field-errors.js';

describe('field error builders', () => {
  it.each([
    { name: 'required', e: required('spec.containers'), want: 'spec.containers: Required value' },
    { name: 'required with detail', e: required('metadata.name', 'name or generateName is required'), want: 'metadata.name: Required value: name or generateName is required' },
    { name: 'invalid string', e: invalid('metadata.name', 'Web', 'bad'), want: 'metadata.name: Invalid value: "Web": bad' },
    { name: 'invalid number', e: invalid('spec.replicas', -1, 'must be greater than or equal to 0'), want: 'spec.replicas: Invalid value: -1: must be greater than or equal to 0' },
    { name: 'invalid quotes escaped', e: invalid('f', 'a"b', 'x'), want: 'f: Invalid value: "a\\"b": x' },
    { name: 'invalid null', e: invalid('f', null, 'x'), want: 'f: Invalid value: null: x' },
    { name: 'not supported', e: notSupported('spec.restartPolicy', 'Sometimes', ['Always', 'OnFailure', 'Never']), want: 'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"' },
    { name: 'duplicate', e: duplicate('spec.containers[1].name', 'web'), want: 'spec.containers[1].name: Duplicate value: "web"' },
    { name: 'forbidden', e: forbidden('metadata.namespace', 'not allowed on this type'), want: 'metadata.namespace: Forbidden: not allowed on this type' },
    { name: 'too long', e: tooLong('metadata.annotations', 262144), want: 'metadata.annotations: Too long: may not be more than 262144 bytes' },
  ])('$name', ({ e, want }) => {
    expect(fieldErrorString(e)).toBe(want);
  });

  it('sets upstream cause types', () => {
    expect([required('a'), invalid('a', 1), forbidden('a'), duplicate('a', 1)].map((e) => e.type)).toEqual([
      'FieldValueRequired',
      'FieldValueInvalid',
      'FieldValueForbidden',
      'FieldValueDuplicate',
    ]);
  });
});
