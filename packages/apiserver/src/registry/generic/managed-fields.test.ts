import { isConflict } from '@nanokube/api';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../types.js';
import { fieldSetOf, fromFieldsV1, renderPath, toFieldsV1 } from './field-set.js';
import { prepareApply, recordUpdate } from './managed-fields.js';

const now = new Date('2025-01-02T03:04:05.678Z');

describe('field sets', () => {
  it('enumerates leaves, keyed list items and atomic lists, without system metadata or status', () => {
    const obj = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x', uid: 'u', labels: { app: 'web' } },
      spec: { replicas: 2, template: { spec: { containers: [{ name: 'nginx', image: 'nginx' }], tolerations: [{ key: 'a' }] } } },
      status: { replicas: 2 },
    };
    expect(toFieldsV1(fieldSetOf(obj))).toEqual({
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': {
        'f:replicas': {},
        'f:template': {
          'f:spec': {
            'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } },
            'f:tolerations': {},
          },
        },
      },
    });
  });

  it('round-trips through the FieldsV1 tree', () => {
    const set = fieldSetOf({ metadata: { labels: { a: '1' } }, spec: { ports: [{ port: 80, protocol: 'TCP' }] } });
    expect(fromFieldsV1(toFieldsV1(set))).toEqual(set);
  });

  it.each([
    { name: 'map path', path: 'f:spec\nf:replicas', want: '.spec.replicas' },
    { name: 'keyed item', path: 'f:spec\nf:containers\nk:{"name":"c"}\nf:image', want: '.spec.containers[name="c"].image' },
  ])('renders $name as upstream conflict paths', ({ path, want }) => {
    expect(renderPath(path)).toBe(want);
  });
});

describe('managedFields', () => {
  const base = (): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } });
  const req = { apiVersion: 'v1', now };

  it('records an Update entry on create and moves changed fields between managers', () => {
    const created = base();
    recordUpdate(created, undefined, { ...req, manager: 'kubectl-create' });
    expect(created.metadata.managedFields).toEqual([
      { manager: 'kubectl-create', operation: 'Update', apiVersion: 'v1', time: '2025-01-02T03:04:05Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } },
    ]);
    const next = structuredClone(created);
    next['data'] = { a: '2', b: '3' };
    recordUpdate(next, created, { ...req, manager: 'editor' });
    // kubectl-create lost its only field, so its entry is dropped.
    expect(next.metadata.managedFields).toEqual([expect.objectContaining({ manager: 'editor', fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} } } })]);
  });

  it('conflicts with another Apply manager over a different value unless forced', () => {
    const live = base();
    const { finish } = prepareApply({ metadata: {} }, live, { ...req, manager: 'alice', force: false });
    finish(live);
    const applied: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '9' } };
    let thrown: unknown;
    try {
      prepareApply(live, applied, { ...req, manager: 'bob', force: false });
    } catch (err) {
      thrown = err;
    }
    expect(isConflict(thrown)).toBe(true);
    expect((thrown as Error).message).toBe('Apply failed with 1 conflict: conflict with "alice" using v1: .data.a');
    // The same value is shared ownership, not a conflict.
    expect(() => prepareApply(live, { ...applied, data: { a: '1' } }, { ...req, manager: 'bob', force: false })).not.toThrow();
    const forced = prepareApply(live, applied, { ...req, manager: 'bob', force: true });
    const merged = { ...forced.base, data: { a: '9' } };
    forced.finish(merged);
    expect((merged.metadata.managedFields as { manager: string }[]).map((e) => e.manager)).toEqual(['bob']);
  });

  it('removes fields an applier stops applying when nobody else owns them', () => {
    const live: KubeObject = { metadata: { name: 'c' }, data: { a: '1', b: '2' } };
    prepareApply({ metadata: {} }, live, { ...req, manager: 'alice', force: false }).finish(live);
    const { base: next } = prepareApply(live, { metadata: { name: 'c' }, data: { a: '1' } }, { ...req, manager: 'alice', force: false });
    expect(next['data']).toEqual({ a: '1' });
  });
});
