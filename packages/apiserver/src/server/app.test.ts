import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { FakeRegistry } from '../../../../test/apiserver/fake-registry.js';
import { buildApp, maxRequestBodyBytes } from './app.js';
import type { UserInfo } from './auth.js';

const admin: UserInfo = { name: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };
const aggregatedAccept =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
const tableAccept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const now = new Date('2025-01-01T00:10:00Z');

let registry: FakeRegistry;
let app: FastifyInstance;

function makeApp(anonymous = false): FastifyInstance {
  return buildApp({
    registry,
    logger: pino({ level: 'silent' }),
    authenticators: anonymous ? [] : [(req) => (req.headers['x-test-user'] === 'none' ? undefined : admin)],
    unknownFields: (_def, _v, obj) => ((obj as { spec?: Record<string, unknown> }).spec?.['foo'] !== undefined ? ['spec.foo'] : []),
    now: () => now,
  });
}

function pod(name: string, ns = 'default', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, creationTimestamp: '2025-01-01T00:00:00Z' }, spec: { containers: [{ name: 'c', image: 'nginx' }] }, ...extra };
}

async function createPod(name: string, ns = 'default'): Promise<void> {
  const r = await app.inject({ method: 'POST', url: `/api/v1/namespaces/${ns}/pods`, payload: pod(name, ns) });
  expect(r.statusCode).toBe(201);
}

beforeEach(() => {
  registry = new FakeRegistry();
  app = makeApp();
});
afterEach(async () => {
  await app.close();
});

describe('system endpoints', () => {
  it('serves /version with no-cache and minor 32', async () => {
    const r = await app.inject({ url: '/version' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['cache-control']).toBe('no-cache, private');
    expect(r.json()).toMatchObject({ major: '1', minor: '32', gitVersion: 'v1.32.0', platform: 'linux/amd64' });
  });

  it('fails /readyz until the registry is ready', async () => {
    registry.isReady = false;
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(500);
    registry.isReady = true;
    const r = await app.inject({ url: '/readyz' });
    expect([r.statusCode, r.body]).toEqual([200, 'ok']);
  });

  it('counts requests by verb, resource and code in /metrics', async () => {
    await app.inject({ url: '/api/v1/namespaces/default/pods' });
    const text = (await app.inject({ url: '/metrics' })).body;
    expect(text).toMatch(/^apiserver_request_total{verb="LIST",resource="pods",code="200"} 1$/m);
    expect(text).toMatch(/^apiserver_request_duration_seconds_bucket{le="\+Inf",verb="LIST",resource="pods"} 1$/m);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
  });

  it('lets anonymous users read /healthz but not /api', async () => {
    const anon = makeApp(true);
    expect((await anon.inject({ url: '/healthz' })).statusCode).toBe(200);
    const r = await anon.inject({ url: '/api' });
    expect(r.statusCode).toBe(403);
    expect(r.json()).toMatchObject({ kind: 'Status', reason: 'Forbidden', message: 'forbidden: User "system:anonymous" cannot get path "/api"' });
    const p = await anon.inject({ url: '/api/v1/namespaces/default/pods' });
    expect(p.json().message).toBe('pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "default"');
    await anon.close();
  });
});

describe('discovery', () => {
  it('serves legacy documents with short names, categories and subresources', async () => {
    expect((await app.inject({ url: '/api' })).json()).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const apis = (await app.inject({ url: '/apis' })).json();
    expect(apis.groups.map((g: { name: string }) => g.name)).toEqual(['apps', 'example.nanokube.io']);
    expect(apis.groups[0].preferredVersion).toEqual({ groupVersion: 'apps/v1', version: 'v1' });
    const core = (await app.inject({ url: '/api/v1' })).json();
    const names = core.resources.map((r: { name: string }) => r.name);
    expect(names).toEqual(['pods', 'pods/status', 'pods/binding', 'pods/eviction', 'pods/log', 'pods/exec', 'namespaces', 'namespaces/status']);
    expect(core.resources[0]).toMatchObject({ shortNames: ['po'], categories: ['all'], namespaced: true, kind: 'Pod' });
    expect(core.resources[3]).toMatchObject({ group: 'policy', version: 'v1', kind: 'Eviction' });
    const apps = (await app.inject({ url: '/apis/apps/v1' })).json();
    expect(apps.resources.find((r: { name: string }) => r.name === 'deployments/scale')).toMatchObject({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
    expect((await app.inject({ url: '/apis/apps' })).json()).toMatchObject({ kind: 'APIGroup', name: 'apps' });
    expect((await app.inject({ url: '/apis/apps/v2' })).statusCode).toBe(404);
  });

  it('serves aggregated discovery with the exact content type', async () => {
    const r = await app.inject({ url: '/apis', headers: { accept: aggregatedAccept } });
    expect(r.headers['content-type']).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const body = r.json();
    expect(body.kind).toBe('APIGroupDiscoveryList');
    const deploy = body.items[0].versions[0].resources[0];
    expect(deploy).toMatchObject({ resource: 'deployments', responseKind: { group: 'apps', version: 'v1', kind: 'Deployment' }, scope: 'Namespaced' });
    expect(deploy.subresources).toContainEqual({ subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] });
    const core = await app.inject({ url: '/api', headers: { accept: aggregatedAccept } });
    expect(core.json().items[0].metadata.name).toBe('');
  });
});

describe('resource requests', () => {
  it('answers 404 Status for an unknown resource and 405 for an unsupported verb', async () => {
    const r = await app.inject({ url: '/api/v1/namespaces/default/gizmos' });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'the server could not find the requested resource' });
    const d = await app.inject({ method: 'DELETE', url: '/apis/example.nanokube.io/v1/widgets/w' });
    expect(d.statusCode).toBe(405);
    expect(d.json().reason).toBe('MethodNotAllowed');
  });

  it('creates from JSON and YAML and fills apiVersion, kind and namespace', async () => {
    await createPod('a');
    const y = await app.inject({
      method: 'POST',
      url: '/api/v1/namespaces/default/pods',
      headers: { 'content-type': 'application/yaml' },
      payload: 'metadata:\n  name: b\nspec:\n  containers:\n  - name: c\n    image: nginx\n',
    });
    expect(y.statusCode).toBe(201);
    expect(y.json()).toMatchObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b', namespace: 'default' } });
  });

  it('rejects mismatched apiVersion and namespace with upstream messages', async () => {
    const v = await app.inject({ method: 'POST', url: '/apis/apps/v1/namespaces/default/deployments', payload: { apiVersion: 'apps/v1beta1', kind: 'Deployment', metadata: { name: 'x' } } });
    expect(v.statusCode).toBe(400);
    expect(v.json().message).toBe('the API version in the data (apps/v1beta1) does not match the expected API version (apps/v1)');
    const n = await app.inject({ method: 'POST', url: '/api/v1/namespaces/default/pods', payload: pod('x', 'other') });
    expect(n.json().message).toBe('the namespace of the provided object does not match the namespace sent on the request');
  });

  it('applies fieldValidation to unknown and duplicate fields', async () => {
    const body = JSON.stringify(pod('s', 'default', { spec: { foo: 1, containers: [] } }));
    const strict = await app.inject({ method: 'POST', url: '/api/v1/namespaces/default/pods?fieldValidation=Strict', headers: { 'content-type': 'application/json' }, payload: body });
    expect(strict.statusCode).toBe(400);
    expect(strict.json().message).toBe('Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo"');
    const warn = await app.inject({ method: 'POST', url: '/api/v1/namespaces/default/pods?fieldValidation=Warn', headers: { 'content-type': 'application/json' }, payload: body });
    expect(warn.statusCode).toBe(201);
    expect([warn.headers['warning']].flat()).toEqual(['299 - "unknown field \\"spec.foo\\""']);
    expect(warn.json().spec.foo).toBeUndefined();
    const dup = await app.inject({
      method: 'POST',
      url: '/api/v1/namespaces/default/pods?fieldValidation=Strict',
      headers: { 'content-type': 'application/json' },
      payload: '{"metadata":{"name":"d","name":"e"}}',
    });
    expect(dup.json().message).toContain('strict decoding error: duplicate field "name"');
  });

  it('answers 400 for malformed JSON, 413 for huge bodies and 415 for unknown types', async () => {
    const bad = await app.inject({ method: 'POST', url: '/api/v1/namespaces/default/pods', headers: { 'content-type': 'application/json' }, payload: '{nope' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/^couldn't get version\/kind; json parse error: /);
    const big = await app.inject({
      method: 'POST',
      url: '/api/v1/namespaces/default/pods',
      headers: { 'content-type': 'application/json' },
      payload: `{"x":"${'a'.repeat(maxRequestBodyBytes)}"}`,
    });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ reason: 'RequestEntityTooLarge', message: 'Request entity too large: limit is 3145728' });
    const text = await app.inject({ method: 'POST', url: '/api/v1/namespaces/default/pods', headers: { 'content-type': 'text/plain' }, payload: 'hi' });
    expect(text.statusCode).toBe(415);
    const patch = await app.inject({ method: 'PATCH', url: '/api/v1/namespaces/default/pods/a', headers: { 'content-type': 'application/json' }, payload: '{}' });
    expect(patch.statusCode).toBe(415);
  });

  it('lists as <Kind>List with kind and apiVersion on every item', async () => {
    await createPod('a');
    const r = (await app.inject({ url: '/api/v1/pods' })).json();
    expect(r).toMatchObject({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: String(registry.rv) } });
    expect(r.items[0]).toMatchObject({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'a' } });
  });

  it('renders sorted Tables with every column and PartialObjectMetadata rows', async () => {
    await createPod('b', 'ns2');
    await createPod('z', 'ns1');
    await createPod('a', 'ns2');
    const r = await app.inject({ url: '/api/v1/pods', headers: { accept: tableAccept } });
    expect(r.headers['content-type']).toBe('application/json;as=Table;v=v1;g=meta.k8s.io');
    const t = r.json();
    expect(t).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: String(registry.rv) } });
    expect(t.columnDefinitions).toHaveLength(7);
    expect(t.rows.map((x: { cells: string[] }) => x.cells[0])).toEqual(['z', 'a', 'b']);
    expect(t.rows[0].cells[4]).toBe('0s');
    expect(t.rows[0].object).toMatchObject({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { namespace: 'ns1' } });
    const full = (await app.inject({ url: '/api/v1/pods?includeObject=Object', headers: { accept: tableAccept } })).json();
    expect(full.rows[0].object).toMatchObject({ kind: 'Pod', apiVersion: 'v1', spec: { containers: [{ image: 'nginx' }] } });
    const none = (await app.inject({ url: '/api/v1/pods?includeObject=None', headers: { accept: tableAccept } })).json();
    expect(none.rows[0].object).toBeUndefined();
    const one = (await app.inject({ url: '/api/v1/namespaces/ns2/pods/a', headers: { accept: tableAccept } })).json();
    expect(one.rows).toHaveLength(1);
    expect(one.metadata.resourceVersion).toBeDefined();
  });

  it('renders the default Name/Created At table and enforces the name format', async () => {
    await app.inject({ method: 'POST', url: '/apis/example.nanokube.io/v1/widgets', payload: { metadata: { name: 'w1', creationTimestamp: '2025-01-01T00:00:00Z' } } });
    const t = (await app.inject({ url: '/apis/example.nanokube.io/v1/widgets', headers: { accept: tableAccept } })).json();
    expect(t.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Created At']);
    expect(t.rows[0].cells[0]).toBe('w1');
    const d = (await app.inject({ url: '/apis/apps/v1/deployments', headers: { accept: tableAccept } })).json();
    expect(d.columnDefinitions[0]).toMatchObject({ name: 'Name', format: 'name' });
  });

  it('rejects a namespaced path for a cluster-scoped resource', async () => {
    expect((await app.inject({ url: '/apis/example.nanokube.io/v1/namespaces/default/widgets' })).statusCode).toBe(404);
  });

  it('routes namespaces/{name} and its status subresource', async () => {
    await app.inject({ method: 'POST', url: '/api/v1/namespaces', payload: { metadata: { name: 'team' } } });
    const r = await app.inject({ url: '/api/v1/namespaces/team' });
    expect(r.json()).toMatchObject({ kind: 'Namespace', metadata: { name: 'team' } });
    const s = await app.inject({ url: '/api/v1/namespaces/team/status' });
    expect(s.statusCode).toBe(200);
  });

  it('updates with a name check and passes registry warnings on', async () => {
    await createPod('a');
    const mismatch = await app.inject({ method: 'PUT', url: '/api/v1/namespaces/default/pods/a', payload: pod('b') });
    expect(mismatch.json().message).toBe('the name of the object (b) does not match the name on the URL (a)');
    const ok = await app.inject({ method: 'PUT', url: '/api/v1/namespaces/default/pods/a', payload: pod('a') });
    expect(ok.statusCode).toBe(200);
    expect([ok.headers['warning']].flat()).toEqual(['299 - "fake update warning"']);
  });

  it('patches the scale subresource and returns an autoscaling/v1 Scale', async () => {
    await app.inject({ method: 'POST', url: '/apis/apps/v1/namespaces/default/deployments', payload: { metadata: { name: 'd' }, spec: { replicas: 1 } } });
    const r = await app.inject({
      method: 'PATCH',
      url: '/apis/apps/v1/namespaces/default/deployments/d/scale',
      headers: { 'content-type': 'application/merge-patch+json' },
      payload: '{"spec":{"replicas":6}}',
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 6 } });
    const g = await app.inject({ url: '/apis/apps/v1/namespaces/default/deployments/d/scale' });
    expect(g.json().spec.replicas).toBe(6);
  });

  it('creates through apply patches given as YAML', async () => {
    const r = await app.inject({
      method: 'PATCH',
      url: '/api/v1/namespaces/default/pods/y?fieldManager=kubectl',
      headers: { 'content-type': 'application/apply-patch+yaml' },
      payload: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: y\n',
    });
    expect(r.statusCode).toBe(201);
    expect(registry.calls.find((c) => c[0] === 'patch')?.[2]).toMatchObject({ type: 'apply', opts: { fieldManager: 'kubectl' } });
  });

  it('deletes with options from body and query', async () => {
    await createPod('a');
    const r = await app.inject({
      method: 'DELETE',
      url: '/api/v1/namespaces/default/pods/a?dryRun=All',
      headers: { 'content-type': 'application/json' },
      payload: '{"propagationPolicy":"Foreground","gracePeriodSeconds":0}',
    });
    expect(r.statusCode).toBe(200);
    expect(registry.calls.find((c) => c[0] === 'delete')?.[2]).toEqual({ name: 'a', opts: { propagationPolicy: 'Foreground', gracePeriodSeconds: 0, dryRun: ['All'] } });
    await app.inject({ method: 'POST', url: '/apis/apps/v1/namespaces/default/deployments', payload: { metadata: { name: 'd' } } });
    const s = await app.inject({ method: 'DELETE', url: '/apis/apps/v1/namespaces/default/deployments/d' });
    expect(s.json()).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'd', group: 'apps', kind: 'deployments' } });
  });

  it('posts binding and eviction to the registry and answers streaming subresources with 503', async () => {
    await createPod('a');
    const b = await app.inject({ method: 'POST', url: '/api/v1/namespaces/default/pods/a/binding', payload: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'a' }, target: { kind: 'Node', name: 'n1' } } });
    expect(b.statusCode).toBe(201);
    expect(registry.calls.some((c) => c[0] === 'createSubresource' && c[1] === 'pods/binding')).toBe(true);
    const l = await app.inject({ url: '/api/v1/namespaces/default/pods/a/log?container=c' });
    expect(l.statusCode).toBe(503);
    expect(l.json()).toMatchObject({ reason: 'ServiceUnavailable', message: 'the node agent is not available yet' });
    expect((await app.inject({ url: '/api/v1/namespaces/default/pods/a/bogus' })).statusCode).toBe(404);
  });
});

describe('watch', () => {
  it('streams synthetic ADDED events and ends at timeoutSeconds', async () => {
    await createPod('a');
    const r = await app.inject({ url: '/api/v1/namespaces/default/pods?watch=true&timeoutSeconds=1' });
    expect(r.statusCode).toBe(200);
    const lines = r.body.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([{ type: 'ADDED', object: expect.objectContaining({ kind: 'Pod', apiVersion: 'v1' }) }]);
  });

  it('sends one-row Tables with column definitions only in the first event', async () => {
    await createPod('a');
    await createPod('b');
    const r = await app.inject({ url: '/api/v1/namespaces/default/pods?watch=1&timeoutSeconds=1', headers: { accept: tableAccept } });
    const [e1, e2] = r.body.trim().split('\n').map((l) => JSON.parse(l));
    expect(e1.object).toMatchObject({ kind: 'Table', rows: [{ cells: expect.arrayContaining(['a']) }] });
    expect(e1.object.columnDefinitions).toHaveLength(7);
    expect(e2.object.columnDefinitions).toBeNull();
  });

  it('answers HTTP 410 when the resourceVersion is too old', async () => {
    registry.compactedRevision = 50;
    const r = await app.inject({ url: '/api/v1/namespaces/default/pods?watch=true&resourceVersion=10' });
    expect(r.statusCode).toBe(410);
    expect(r.json()).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410 });
  });

  it('turns errors during the stream into an ERROR event', async () => {
    const pending = app.inject({ url: '/api/v1/namespaces/default/pods?watch=true&resourceVersion=100&timeoutSeconds=5' });
    await new Promise((r) => setTimeout(r, 100));
    await createPod('explode');
    const r = await pending;
    const last = JSON.parse(r.body.trim().split('\n').at(-1) ?? '{}');
    expect(last).toMatchObject({ type: 'ERROR', object: { kind: 'Status', message: 'boom' } });
  });
});
