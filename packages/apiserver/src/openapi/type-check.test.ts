import { describe, expect, it } from 'vitest';
import { typeError } from './type-check.js';

const cm = { group: '', version: 'v1', kind: 'ConfigMap' };
const svc = { group: '', version: 'v1', kind: 'Service' };

describe('typeError', () => {
  it('accepts well-typed objects, nulls, int-or-string and quantities', () => {
    expect(typeError(cm, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', labels: { x: 'y' }, finalizers: null }, data: { k: 'v' } })).toBeUndefined();
    expect(typeError(svc, { metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: 'http' }, { port: 81, targetPort: 8080 }] } })).toBeUndefined();
    expect(typeError({ group: '', version: 'v1', kind: 'Pod' }, { spec: { containers: [{ name: 'c', resources: { limits: { cpu: 1, memory: '1Gi' } } }] } })).toBeUndefined();
  });

  it('reports the first field whose JSON type does not fit, as upstream decoding does', () => {
    expect(typeError(cm, { metadata: { name: 'a' }, data: { k: 1 } })).toBe('json: cannot unmarshal number into Go struct field ConfigMap.data of type string');
    expect(typeError(cm, { metadata: { name: ['x'] } })).toBe('json: cannot unmarshal array into Go struct field ConfigMap.metadata.name of type string');
    expect(typeError(cm, { metadata: { finalizers: [{ $patch: 'delete' }] } })).toContain('ConfigMap.metadata.finalizers of type string');
    expect(typeError(svc, { spec: { ports: 'x' } })).toBe('json: cannot unmarshal string into Go struct field Service.spec.ports of type slice');
    expect(typeError(svc, { spec: { ports: [{ port: 'eighty' }] } })).toContain('Service.spec.ports.port of type int64');
    expect(typeError(cm, { metadata: 'x' })).toContain('ConfigMap.metadata of type struct');
  });

  it('accepts anything for kinds without a schema', () => {
    expect(typeError({ group: 'example.com', version: 'v1', kind: 'Widget' }, { spec: 1 })).toBeUndefined();
  });
});

describe('typeError on null map values', () => {
  it('replaces them with the zero value, as typed decoding does', () => {
    const obj = { metadata: { name: 'a', labels: { x: null } }, data: { k: null } };
    expect(typeError(cm, obj)).toBeUndefined();
    expect(obj).toEqual({ metadata: { name: 'a', labels: { x: '' } }, data: { k: '' } });
  });
});
