import { describe, expect, it } from 'vitest';
import { deepFreeze } from './objects.js';
import { omitEmpty, omitEmptyInPlace } from './omit-empty.js';

const configMap = { group: '', version: 'v1', kind: 'ConfigMap' };
const pod = { group: '', version: 'v1', kind: 'Pod' };

describe('omitEmpty', () => {
  it('drops empty optional maps and lists at any depth, as the typed round trip does', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', annotations: {}, labels: { x: '1' }, finalizers: [] }, data: {} };
    expect(omitEmpty(configMap, cm)).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', labels: { x: '1' } } });
    const p = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i', env: [], resources: {} }], nodeSelector: {} } };
    // containers is required; resources is a struct (kept as {}); env and nodeSelector go.
    expect(omitEmpty(pod, p)).toEqual({ metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i', resources: {} }] } });
    expect(omitEmpty(pod, { metadata: { name: 'p' }, spec: { containers: [] } })).toEqual({ metadata: { name: 'p' }, spec: { containers: [] } });
  });

  it('keeps the optional collections upstream declares without omitempty', () => {
    const role = { metadata: { name: 'r' }, rules: [] };
    expect(omitEmpty({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role' }, role)).toBe(role);
    const slice = { metadata: { name: 's', labels: {} }, addressType: 'IPv4', endpoints: [], ports: [] };
    expect(omitEmpty({ group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice' }, slice)).toEqual({ metadata: { name: 's' }, addressType: 'IPv4', endpoints: [], ports: [] });
  });

  it('never modifies its input and returns it when nothing changes', () => {
    const frozen = deepFreeze({ metadata: { name: 'a', annotations: {} }, data: { k: 'v' } });
    const out = omitEmpty(configMap, frozen);
    expect(out).toEqual({ metadata: { name: 'a' }, data: { k: 'v' } });
    expect(frozen.metadata.annotations).toEqual({});
    const clean = { metadata: { name: 'a' }, data: { k: 'v' } };
    expect(omitEmpty(configMap, clean)).toBe(clean);
    expect(omitEmpty({ group: 'example.com', version: 'v1', kind: 'Unknown' }, { metadata: { annotations: {} } })).toEqual({ metadata: { annotations: {} } });
  });

  it('drops unknown fields on request but leaves opaque values (managedFields sets) alone', () => {
    const mf = [{ manager: 'm', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:x': {} } } }];
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', managedFields: mf, bogus: 1 }, data: { x: '1' }, extra: true };
    expect(omitEmpty(configMap, cm)).toBe(cm);
    expect(omitEmpty(configMap, cm, { dropUnknown: true })).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', managedFields: mf }, data: { x: '1' } });
  });

  it('rewrites only the top level in place', () => {
    const shared = deepFreeze({ name: 'a', annotations: {} });
    const obj: Record<string, unknown> = { metadata: shared, data: {} };
    omitEmptyInPlace(configMap, obj);
    expect(obj).toEqual({ metadata: { name: 'a' } });
    expect(shared.annotations).toEqual({});
  });
});
