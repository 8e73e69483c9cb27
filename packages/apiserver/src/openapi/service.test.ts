import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OpenApiService, openApiV3Document, openApiV3Paths } from './service.js';
import { fieldSchema } from './schemas.js';
import { deployments, namespaces, pods, testResources, widgets } from './testing.test-helper.js';

type Doc = {
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components: { schemas: Record<string, Record<string, unknown>> };
};

function doc(gvPath: string, defs = testResources): Doc {
  const d = openApiV3Document(defs, gvPath);
  if (!d) throw new Error(`no document for ${gvPath}`);
  return d as Doc;
}

describe('openApiV3Paths', () => {
  it('lists every served group version with a hash URL', () => {
    const index = openApiV3Paths(testResources) as { paths: Record<string, { serverRelativeURL: string }> };
    expect(Object.keys(index.paths)).toEqual(['api/v1', 'apis/apps/v1', 'apis/autoscaling/v1', 'apis/autoscaling/v2']);
    expect(index.paths['apis/apps/v1']?.serverRelativeURL).toMatch(/^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/);
  });
});

describe('openApiV3Document', () => {
  it('gives a namespaced kind its collection, item, status, scale and all-namespaces paths', () => {
    const d = doc('apis/apps/v1');
    expect(Object.keys(d.paths)).toEqual(
      expect.arrayContaining([
        '/apis/apps/v1/namespaces/{namespace}/deployments',
        '/apis/apps/v1/namespaces/{namespace}/deployments/{name}',
        '/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status',
        '/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale',
        '/apis/apps/v1/deployments',
        '/apis/apps/v1/watch/namespaces/{namespace}/deployments',
      ]),
    );
    const patch = d.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']?.['patch'] as Record<string, unknown>;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment' });
    expect(patch['x-kubernetes-action']).toBe('patch');
    expect(patch['operationId']).toBe('patchAppsV1NamespacedDeployment');
    const names = (patch['parameters'] as { name: string }[]).map((p) => p.name);
    expect(names).toEqual(['dryRun', 'fieldManager', 'fieldValidation', 'force']);
    const body = patch['requestBody'] as { content: Record<string, unknown> };
    expect(Object.keys(body.content)).not.toContain('application/strategic-merge-patch+json');
    const scale = d.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale']?.['patch'] as Record<string, unknown>;
    expect(scale['x-kubernetes-group-version-kind']).toEqual({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
    expect(d.components.schemas['io.k8s.api.autoscaling.v1.Scale']).toBeDefined();
  });

  it('carries full schemas with descriptions, enums, required fields and patch metadata', () => {
    const s = doc('apis/apps/v1').components.schemas;
    const deployment = s['io.k8s.api.apps.v1.Deployment'];
    expect(deployment?.['x-kubernetes-group-version-kind']).toEqual([{ group: 'apps', version: 'v1', kind: 'Deployment' }]);
    const spec = s['io.k8s.api.apps.v1.DeploymentSpec'] as { properties: Record<string, Record<string, unknown>>; required: string[] };
    expect(spec.properties['replicas']?.['description']).toMatch(/^Number of desired pods/);
    expect(spec.properties['replicas']).toMatchObject({ type: 'integer', format: 'int32' });
    expect(spec.required).toEqual(['selector', 'template']);
    const strategy = s['io.k8s.api.apps.v1.DeploymentStrategy'] as { properties: Record<string, Record<string, unknown>> };
    expect(strategy.properties['type']?.['enum']).toEqual(['Recreate', 'RollingUpdate']);
    const podSpec = s['io.k8s.api.core.v1.PodSpec'] as { properties: Record<string, Record<string, unknown>> };
    expect(podSpec.properties['containers']).toMatchObject({ 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge' });
    // Every reference resolves inside the document.
    const refs = JSON.stringify(s).match(/#\/components\/schemas\/[^"]+/g) ?? [];
    for (const r of refs) expect(s[r.slice('#/components/schemas/'.length)], r).toBeDefined();
  });

  it('serves cluster-scoped kinds without a namespace segment and pods subresources with their kinds', () => {
    const d = doc('api/v1');
    expect(d.paths['/api/v1/namespaces/{name}']?.['get']).toBeDefined();
    expect(d.paths['/api/v1/namespaces']?.['delete']).toBeUndefined(); // no deletecollection verb
    const eviction = d.paths['/api/v1/namespaces/{namespace}/pods/{name}/eviction']?.['post'] as Record<string, unknown>;
    expect(eviction['x-kubernetes-group-version-kind']).toEqual({ group: 'policy', version: 'v1', kind: 'Eviction' });
    const exec = d.paths['/api/v1/namespaces/{namespace}/pods/{name}/exec']?.['get'] as Record<string, unknown>;
    expect(exec['x-kubernetes-action']).toBe('connect');
  });

  it('gives each version of a multi-version resource its own schema', () => {
    const v2 = doc('apis/autoscaling/v2').components.schemas;
    const v1 = doc('apis/autoscaling/v1').components.schemas;
    expect(v2['io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler']).toBeDefined();
    expect(v1['io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler']).toBeDefined();
    expect(v1['io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler']).toBeUndefined();
  });

  it('invents an open schema for a kind without data', () => {
    const s = doc('apis/example.nanokube.io/v1', [widgets]).components.schemas;
    expect(s['nanokube.example.nanokube.io.v1.Widget']).toMatchObject({ 'x-kubernetes-preserve-unknown-fields': true });
  });

  it('returns undefined for a group version nobody serves', () => {
    expect(openApiV3Document(testResources, 'apis/batch/v1')).toBeUndefined();
    expect(openApiV3Document(testResources, 'nonsense')).toBeUndefined();
  });
});

describe('OpenApiService.serve', () => {
  const service = new OpenApiService([deployments, pods, namespaces]);

  it('answers the index and a document addressed by its SHA-512 hash as immutable', () => {
    const index = service.serve({ path: '/openapi/v3' });
    expect(index?.statusCode).toBe(200);
    const url = (JSON.parse(index?.body.toString() ?? '{}') as { paths: Record<string, { serverRelativeURL: string }> }).paths['apis/apps/v1']
      ?.serverRelativeURL as string;
    const hash = new URL(url, 'https://x').searchParams.get('hash') as string;
    const res = service.serve({ path: '/openapi/v3/apis/apps/v1', hash, now: new Date('2025-01-01T00:00:00Z') });
    expect(res?.statusCode).toBe(200);
    expect(createHash('sha512').update(res?.body ?? '').digest('hex').toUpperCase()).toBe(hash);
    expect(res?.headers).toMatchObject({ ETag: `"${hash}"`, 'Cache-Control': 'public, immutable', Expires: 'Thu, 01 Jan 2026 00:00:00 GMT' });
    expect(service.serve({ path: '/openapi/v3/apis/apps/v1', ifNoneMatch: `"${hash}"` })?.statusCode).toBe(304);
  });

  it('redirects a stale hash and ignores foreign paths', () => {
    const res = service.serve({ path: '/openapi/v3/api/v1', hash: 'OLD' });
    expect(res?.statusCode).toBe(301);
    expect(res?.headers['Location']).toMatch(/^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
    expect(service.serve({ path: '/openapi/v3/apis/batch/v1' })).toBeUndefined();
    expect(service.serve({ path: '/openapi/v2/x' })).toBeUndefined();
  });

  it('caches serialized documents', () => {
    expect(service.document('apis/apps/v1')).toBe(service.document('/apis/apps/v1/'));
  });
});

describe('fieldSchema', () => {
  it('finds patch metadata of nested lists', () => {
    const containers = fieldSchema({ group: 'apps', version: 'v1', kind: 'Deployment' }, ['spec', 'template', 'spec', 'containers']);
    expect(containers?.['x-kubernetes-patch-merge-key']).toBe('name');
    const env = fieldSchema({ group: 'apps', version: 'v1', kind: 'Deployment' }, ['spec', 'template', 'spec', 'containers', '0', 'env']);
    expect(env?.['x-kubernetes-patch-merge-key']).toBe('name');
    const ports = fieldSchema({ group: '', version: 'v1', kind: 'Service' }, ['spec', 'ports']);
    expect(ports?.['x-kubernetes-patch-merge-key']).toBe('port');
    expect(fieldSchema({ group: '', version: 'v1', kind: 'Service' }, ['spec', 'nope'])).toBeUndefined();
  });
});
