import { describe, expect, it } from 'vitest';
import { bodyFormatOf, negotiateDiscovery, negotiateResourceOutput } from './negotiation.js';

describe('negotiateResourceOutput', () => {
  it.each([
    { name: 'kubectl get', accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json', want: { as: 'Table', version: 'v1' } },
    { name: 'v1beta1 only', accept: 'application/json;as=Table;v=v1beta1;g=meta.k8s.io', want: { as: 'Table', version: 'v1beta1' } },
    { name: 'plain JSON first', accept: 'application/json, application/json;as=Table;v=v1;g=meta.k8s.io', want: { as: 'object' } },
    { name: 'protobuf first', accept: 'application/vnd.kubernetes.protobuf,application/json', want: { as: 'object' } },
    { name: 'partial metadata', accept: 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io', want: { as: 'PartialObjectMetadata', version: 'v1' } },
    { name: 'unknown Table group', accept: 'application/json;as=Table;v=v1;g=example.io', want: { as: 'object' } },
    { name: 'none', accept: undefined, want: { as: 'object' } },
  ])('picks $name', ({ accept, want }) => {
    expect(negotiateResourceOutput(accept)).toEqual(want);
  });
});

describe('negotiateDiscovery', () => {
  it.each([
    { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json', want: 'v2' },
    { accept: 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json', want: 'v2beta1' },
    { accept: 'application/json, */*', want: undefined },
    { accept: 'application/json,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList', want: undefined },
  ])('answers $want for $accept', ({ accept, want }) => {
    expect(negotiateDiscovery(accept)).toBe(want);
  });
});

describe('bodyFormatOf', () => {
  it.each([
    ['application/json', 'json'],
    ['application/json; charset=utf-8', 'json'],
    ['application/vnd.kubernetes.protobuf', 'protobuf'],
    ['application/apply-patch+yaml', 'apply-patch'],
    ['application/strategic-merge-patch+json', 'strategic-merge-patch'],
    ['text/plain', undefined],
  ])('maps %s to %s', (ct, want) => {
    expect(bodyFormatOf(ct)).toBe(want);
  });
});
