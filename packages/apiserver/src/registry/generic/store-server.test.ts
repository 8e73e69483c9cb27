import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdClient, startStoreServer, type StoreServer } from '@nanokube/store';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allResources } from '../resources/index.js';
import type { KubeObject, RequestContext, ResourceDefinition, WatchEvent } from '../types.js';
import { createRegistry, type ManagedRegistry } from './index.js';

const ctx = (namespace = 'default'): RequestContext => ({
  namespace,
  user: { name: 'admin', groups: ['system:masters'] },
  dryRun: false,
  now: new Date(),
});
const write = { dryRun: false, fieldValidation: 'Strict' as const };

function def(group: string, resource: string): ResourceDefinition {
  const d = allResources.find((r) => r.group === group && r.resource === resource);
  if (!d) throw new Error(`no definition for ${group}/${resource}`);
  return d;
}

function podObject(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'bench' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } };
}

describe("generic registry with every resource against nanokube's store", () => {
  let dir: string;
  let store: StoreServer;
  let reg: ManagedRegistry;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nk-store-'));
    store = await startStoreServer({ dataDir: dir, listen: 'http://127.0.0.1:0' });
    reg = await createRegistry({
      etcdServers: [store.url],
      resources: allResources,
      logger: pino({ level: process.env['TEST_LOG'] ?? 'silent' }),
      advertiseAddress: '192.168.56.10',
      securePort: 6443,
      compactionIntervalMs: 0,
    });
    await reg.whenReady();
  }, 30_000);

  afterAll(async () => {
    await reg?.close();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('bootstraps namespaces, the kubernetes Service, Endpoints and EndpointSlice', async () => {
    const ns = await reg.list(ctx(''), def('', 'namespaces'), {});
    expect(ns.items.map((n) => n.metadata.name)).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    expect(ns.items[0]?.['status']).toEqual({ phase: 'Active' });
    const svc = await reg.get(ctx(), def('', 'services'), 'kubernetes');
    expect(svc['spec']).toMatchObject({ clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] });
    const ep = await reg.get(ctx(), def('', 'endpoints'), 'kubernetes');
    expect(ep['subsets']).toEqual([{ addresses: [{ ip: '192.168.56.10' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }]);
    const slice = await reg.get(ctx(), def('discovery.k8s.io', 'endpointslices'), 'kubernetes');
    expect(slice['endpoints']).toEqual([expect.objectContaining({ addresses: ['192.168.56.10'] })]);
  });

  it('serves a consistent list after a store write outside the registry prefix (progress notify)', async () => {
    const client = new EtcdClient({ endpoint: store.url });
    try {
      const put = await client.put('/outside/key', 'x');
      const started = Date.now();
      const list = await reg.list(ctx(), def('', 'configmaps'), {});
      expect(Number(list.resourceVersion)).toBeGreaterThanOrEqual(put.header.revision);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await client.close();
    }
  });

  it('binds a pod once and refuses a second binding', async () => {
    const pods = def('', 'pods');
    await reg.create(ctx(), pods, podObject('bind-me'), write);
    const bound = await reg.createSubresource(ctx(), pods, 'bind-me', 'binding', { metadata: { name: 'bind-me' }, target: { kind: 'Node', name: 'n1' } }, write);
    expect(bound.code).toBe(201);
    const pod = await reg.get(ctx(), pods, 'bind-me');
    expect((pod['spec'] as { nodeName?: string }).nodeName).toBe('n1');
    await expect(
      reg.createSubresource(ctx(), pods, 'bind-me', 'binding', { metadata: { name: 'bind-me' }, target: { kind: 'Node', name: 'n2' } }, write),
    ).rejects.toThrow('Operation cannot be fulfilled on pods/binding "bind-me": pod bind-me is already assigned to node "n1"');
  });

  it('keeps serving after the store restarts', async () => {
    const url = store.url;
    await store.close();
    store = await startStoreServer({ dataDir: dir, listen: url });
    const cms = def('', 'configmaps');
    const { object } = await reg.create(ctx(), cms, { metadata: { name: 'after-restart' } }, write);
    const list = await reg.list(ctx(), cms, {});
    expect(list.items.map((o) => o.metadata.name)).toContain('after-restart');
    expect(Number(list.resourceVersion)).toBeGreaterThanOrEqual(Number(object.metadata.resourceVersion));
  }, 30_000);

  it('serves 2,000 pods from the cache and fans events out to 100 watchers', async () => {
    const pods = def('', 'pods');
    await reg.create(ctx(''), def('', 'namespaces'), { metadata: { name: 'bulk' } }, write);
    const latencies: number[] = [];
    const workers = Array.from({ length: 16 }, async (_, w) => {
      for (let i = w; i < 2000; i += 16) {
        const t = performance.now();
        await reg.create(ctx('bulk'), pods, podObject(`p-${i}`), write);
        latencies.push(performance.now() - t);
      }
    });
    await Promise.all(workers);
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? 0;
    const t0 = performance.now();
    const list = await reg.list(ctx('bulk'), pods, {});
    const listMs = performance.now() - t0;
    expect(list.items).toHaveLength(2000);
    const ac = new AbortController();
    setMaxListeners(200, ac.signal);
    const watchers = Array.from({ length: 100 }, () => reg.watch(ctx('bulk'), pods, { resourceVersion: list.resourceVersion }, ac.signal));
    const sent = performance.now();
    await reg.patch(ctx('bulk'), pods, 'p-0', 'merge', { metadata: { labels: { touched: 'yes' } } }, write);
    const delays = await Promise.all(
      watchers.map(async (w) => {
        const it = w[Symbol.asyncIterator]();
        const ev = (await it.next()).value as WatchEvent;
        expect(ev.type).toBe('MODIFIED');
        return performance.now() - sent;
      }),
    );
    ac.abort();
    console.log(`create p99 ${p99.toFixed(1)} ms (16 clients, in-process), list of 2000 pods ${listMs.toFixed(1)} ms, watch delivery max ${Math.max(...delays).toFixed(1)} ms to 100 watchers`);
  }, 120_000);
});
