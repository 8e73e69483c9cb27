import { describe, expect, it } from 'vitest';
import { deepFreeze } from '../registry/generic/objects.js';
import type { KubeObject, ResourceDefinition } from '../registry/types.js';
import { externalJson, renderList, renderListJson, type RenderOptions } from './render.js';

const def = { group: 'apps', versions: ['v1'], kind: 'Deployment', resource: 'deployments', namespaced: true } as unknown as ResourceDefinition;
const plain = { def, version: 'v1', output: { as: 'Object' } } as unknown as RenderOptions;
const dep = (name: string): KubeObject =>
  deepFreeze({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'ns', resourceVersion: '7' }, spec: { replicas: 2 } });

describe('list rendering from cached item JSON', () => {
  it('is byte for byte what rendering the list object and stringifying it gives', () => {
    const result = { items: [dep('a'), dep('b')], resourceVersion: '9', continue: 'tok', remainingItemCount: 3 };
    expect(renderListJson(result, plain)).toBe(JSON.stringify(renderList(result, plain)));
    const empty = { items: [], resourceVersion: '9' };
    expect(renderListJson(empty, plain)).toBe(JSON.stringify(renderList(empty, plain)));
    expect(JSON.parse(renderListJson(empty, plain) as string)).toEqual({ kind: 'DeploymentList', apiVersion: 'apps/v1', metadata: { resourceVersion: '9' }, items: [] });
  });

  it('leaves Tables and metadata-only lists to the object renderer', () => {
    const result = { items: [dep('a')], resourceVersion: '9' };
    expect(renderListJson(result, { ...plain, output: { as: 'Table', version: 'v1' } } as unknown as RenderOptions)).toBeUndefined();
    expect(renderListJson(result, { ...plain, output: { as: 'PartialObjectMetadata', version: 'v1' } } as unknown as RenderOptions)).toBeUndefined();
  });

  it('serialises a frozen stored object once per version, and never caches a mutable one', () => {
    const frozen = dep('a');
    expect(externalJson(def, 'v1', frozen)).toBe(externalJson(def, 'v1', frozen));
    const mutable = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'm' }, spec: { replicas: 1 } } as KubeObject;
    expect(JSON.parse(externalJson(def, 'v1', mutable)).spec).toEqual({ replicas: 1 });
    (mutable['spec'] as { replicas: number }).replicas = 5;
    expect(JSON.parse(externalJson(def, 'v1', mutable)).spec).toEqual({ replicas: 5 });
  });
});
