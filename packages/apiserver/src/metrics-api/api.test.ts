import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { FakeRegistry } from '../../../../test/apiserver/fake-registry.js';
import { buildApp } from '../server/app.js';
import type { MetricsApi } from './index.js';
import { MetricsApiHandler } from './handler.js';
import { MetricsStore } from './store.js';

const logger = pino({ level: 'silent' });
const admin = { name: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };
const aggregatedAccept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';
let app: FastifyInstance | undefined;

function fakeMetricsApi(registry: FakeRegistry): MetricsApi {
  const t = Date.parse('2026-01-01T00:00:00Z');
  const store = new MetricsStore({
    logger,
    now: () => t,
    source: {
      listNodes: async () => [{ metadata: { name: 'n1' }, status: { addresses: [{ type: 'InternalIP', address: '127.0.1.1' }], daemonEndpoints: { kubeletEndpoint: { Port: 1 } } } }],
      summary: async () => ({
        node: { cpu: { usageNanoCores: 1.5e9 }, memory: { workingSetBytes: 2 * 1024 ** 3 } },
        pods: ['web-1', 'web-2', 'other'].map((name) => ({
          podRef: { name, namespace: 'default', uid: name },
          containers: [{ name: 'app', cpu: { time: new Date(t).toISOString(), usageNanoCores: 250e6 }, memory: { workingSetBytes: 64 << 20 } }],
        })),
      }),
    },
  });
  return { store, handler: new MetricsApiHandler(store, registry), run: async () => undefined, close: async () => undefined };
}

async function makeApp(withMetrics: boolean): Promise<{ app: FastifyInstance; registry: FakeRegistry }> {
  const registry = new FakeRegistry();
  const ctx = { namespace: 'default', user: admin, dryRun: false, now: new Date() };
  const podDef = registry.resources.find((d) => d.resource === 'pods');
  for (const [name, app] of [['web-1', 'web'], ['web-2', 'web'], ['other', 'db']] as const) {
    await registry.create(ctx, podDef!, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app } } }, { dryRun: false, fieldValidation: 'Ignore' });
  }
  app = buildApp({ registry, logger, authenticators: [() => admin], ...(withMetrics ? { metricsApi: fakeMetricsApi(registry) } : {}) });
  return { app, registry };
}

afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('metrics.k8s.io', () => {
  it('is neither advertised nor served without a metrics API', async () => {
    const { app } = await makeApp(false);
    expect((await app.inject({ url: '/apis' })).body).not.toContain('metrics.k8s.io');
    expect((await app.inject({ url: '/apis/metrics.k8s.io/v1beta1' })).statusCode).toBe(404);
  });

  it('is advertised in legacy and aggregated discovery when configured', async () => {
    const { app } = await makeApp(true);
    const groups = (await app.inject({ url: '/apis' })).json() as { groups: { name: string; preferredVersion: { groupVersion: string } }[] };
    expect(groups.groups.find((g) => g.name === 'metrics.k8s.io')?.preferredVersion.groupVersion).toBe('metrics.k8s.io/v1beta1');
    const list = (await app.inject({ url: '/apis/metrics.k8s.io/v1beta1' })).json() as { resources: unknown[] };
    expect(list.resources).toEqual([
      { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
      { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
    ]);
    const agg = (await app.inject({ url: '/apis', headers: { accept: aggregatedAccept } })).body;
    expect(agg).toContain('"name":"metrics.k8s.io"');
  });

  it('serves NodeMetrics and PodMetrics with label selectors', async () => {
    const { app } = await makeApp(true);
    const nodes = (await app.inject({ url: '/apis/metrics.k8s.io/v1beta1/nodes' })).json() as { kind: string; items: { metadata: { name: string }; usage: unknown; window: string }[] };
    expect(nodes.kind).toBe('NodeMetricsList');
    expect(nodes.items).toMatchObject([{ metadata: { name: 'n1' }, usage: { cpu: '1500m', memory: '2Gi' }, window: '10s' }]);
    const pods = (await app.inject({ url: '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dweb' })).json() as {
      kind: string;
      items: { metadata: { name: string; labels: Record<string, string> }; containers: unknown[] }[];
    };
    expect(pods.kind).toBe('PodMetricsList');
    expect(pods.items.map((p) => p.metadata.name)).toEqual(['web-1', 'web-2']);
    expect(pods.items[0]).toMatchObject({ metadata: { labels: { app: 'web' } }, containers: [{ name: 'app', usage: { cpu: '250m', memory: '64Mi' } }] });
    const one = await app.inject({ url: '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/other' });
    expect(one.json()).toMatchObject({ kind: 'PodMetrics', metadata: { name: 'other', namespace: 'default' } });
    const missing = await app.inject({ url: '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'pods.metrics.k8s.io "nope" not found' });
    expect((await app.inject({ method: 'DELETE', url: '/apis/metrics.k8s.io/v1beta1/nodes/n1' })).statusCode).toBe(405);
  });

  it('renders Tables with metrics-server\'s columns for kubectl get', async () => {
    const { app } = await makeApp(true);
    const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
    const r = await app.inject({ url: '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dweb', headers: { accept } });
    const t = r.json() as { kind: string; columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
    expect(t.kind).toBe('Table');
    expect(t.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'CPU', 'Memory', 'Window']);
    expect(t.rows.map((x) => x.cells)).toEqual([
      ['web-1', '250m', '64Mi', '10s'],
      ['web-2', '250m', '64Mi', '10s'],
    ]);
  });
});
