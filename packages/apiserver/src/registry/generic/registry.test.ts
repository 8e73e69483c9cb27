import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlreadyExists, isConflict, isForbidden, isInvalid, isNotFound, isResourceExpired, type StatusError } from '@nanokube/api';
import { EtcdClient } from '@nanokube/store';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject, RequestContext, ResourceDefinition, WatchEvent } from '../types.js';
import { createRegistry, type ManagedRegistry } from './index.js';

// ---- fixtures: a real etcd on loopback and a few hand-written resource definitions ----

const etcdBin = '/usr/bin/etcd';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function startEtcd(): Promise<{ url: string; proc: ChildProcess; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'nk-etcd-'));
  const [cp, pp] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${cp}`;
  const peer = `http://127.0.0.1:${pp}`;
  const proc = spawn(
    etcdBin,
    [
      '--name', 'default', '--data-dir', dir,
      '--listen-client-urls', url, '--advertise-client-urls', url,
      '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `default=${peer}`,
    ],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`${url}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: 'AA==' }) });
      if (res.ok) return { url, proc, dir };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill('SIGKILL');
  throw new Error('etcd did not start');
}

const noErrors = () => [];
const basicStrategy = {
  prepareForCreate: () => {},
  applyDefaults: () => {},
  validate: noErrors,
  prepareForUpdate: (_c: RequestContext, obj: KubeObject, old: KubeObject) => {
    if (old['status'] !== undefined) obj['status'] = old['status'];
    else delete obj['status'];
  },
  validateUpdate: noErrors,
};
const table = { columns: [], row: () => [] };

const namespaces: ResourceDefinition = {
  group: '', versions: ['v1'], resource: 'namespaces', singular: 'namespace', kind: 'Namespace', namespaced: false,
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], table,
  strategy: {
    ...basicStrategy,
    prepareForCreate: (_c, obj) => {
      obj['status'] = { phase: 'Active' };
      obj['spec'] = { finalizers: ['kubernetes'] };
    },
  },
};

const pods: ResourceDefinition = {
  group: '', versions: ['v1'], resource: 'pods', singular: 'pod', kind: 'Pod', namespaced: true,
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'], table,
  strategy: {
    ...basicStrategy,
    prepareForCreate: (_c, obj) => {
      obj['status'] = { phase: 'Pending' };
    },
    applyDefaults: (obj) => {
      const spec = (obj['spec'] ??= {}) as Record<string, unknown>;
      spec['restartPolicy'] ??= 'Always';
    },
    validate: (_c, obj) => {
      const spec = obj['spec'] as { containers?: unknown[] } | undefined;
      return spec?.containers?.length ? [] : [{ type: 'FieldValueRequired', field: 'spec.containers', detail: 'Required value' }];
    },
    gracefulDeleteSeconds: (obj, requested) => {
      if (!(obj['spec'] as { nodeName?: string }).nodeName) return undefined;
      return requested ?? 30;
    },
  },
  statusStrategy: {
    prepareForUpdate: (_c, obj, old) => {
      obj['spec'] = old['spec'];
    },
    validateUpdate: noErrors,
  },
  fieldSelectors: { 'spec.nodeName': (o) => (o['spec'] as { nodeName?: string } | undefined)?.nodeName ?? '' },
};

const deployments: ResourceDefinition = {
  group: 'apps', versions: ['v1'], resource: 'deployments', singular: 'deployment', kind: 'Deployment', namespaced: true,
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], table,
  strategy: {
    ...basicStrategy,
    applyDefaults: (obj) => {
      const spec = (obj['spec'] ??= {}) as Record<string, unknown>;
      spec['replicas'] ??= 1;
    },
  },
  statusStrategy: { prepareForUpdate: (_c, obj, old) => void (obj['spec'] = old['spec']), validateUpdate: noErrors },
  scale: {
    specReplicasPath: 'spec.replicas',
    statusReplicasPath: 'status.replicas',
    selector: (o) => {
      const ml = ((o['spec'] as { selector?: { matchLabels?: Record<string, string> } }).selector?.matchLabels ?? {}) as Record<string, string>;
      return Object.entries(ml).map(([k, v]) => `${k}=${v}`).join(',') || undefined;
    },
  },
};

const services: ResourceDefinition = {
  group: '', versions: ['v1'], resource: 'services', singular: 'service', kind: 'Service', namespaced: true,
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], table, strategy: basicStrategy,
};

const configmaps: ResourceDefinition = {
  group: '', versions: ['v1'], resource: 'configmaps', singular: 'configmap', kind: 'ConfigMap', namespaced: true,
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], table, strategy: basicStrategy,
};

const ctx = (namespace = 'default'): RequestContext => ({
  namespace,
  user: { name: 'admin', groups: ['system:masters'] },
  dryRun: false,
  now: new Date(),
});
const write = { dryRun: false, fieldValidation: 'Strict' as const };

function pod(name: string, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] }, ...extra };
}

async function expectStatus(p: Promise<unknown>, pred: (e: unknown) => boolean): Promise<StatusError> {
  try {
    await p;
  } catch (err) {
    expect(pred(err), String(err)).toBe(true);
    return err as StatusError;
  }
  throw new Error('expected an error');
}

/** collect reads events from a watch until `n` arrived or `ms` passed. */
async function collect(it: AsyncIterable<WatchEvent>, n: number, ms = 3000): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  const iter = it[Symbol.asyncIterator]();
  const deadline = Date.now() + ms;
  while (out.length < n && Date.now() < deadline) {
    const next = await Promise.race([iter.next(), new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), deadline - Date.now()))]);
    if (next === 'timeout' || next.done) break;
    out.push(next.value);
  }
  return out;
}

const haveEtcd = existsSync(etcdBin);
if (!haveEtcd) console.warn(`registry tests skipped: ${etcdBin} missing (run deploy/install-deps.sh)`);

describe.skipIf(!haveEtcd)('generic registry against a real etcd', () => {
  let etcd: Awaited<ReturnType<typeof startEtcd>>;
  let reg: ManagedRegistry;

  beforeAll(async () => {
    etcd = await startEtcd();
    reg = await createRegistry({
      etcdServers: [etcd.url],
      resources: [namespaces, pods, deployments, services, configmaps],
      logger: pino({ level: process.env['TEST_LOG'] ?? 'silent' }, pino.destination({ fd: 2, sync: true })),
      advertiseAddress: '127.0.0.1',
      securePort: 6443,
      compactionIntervalMs: 0,
    });
    await reg.whenReady();
  }, 30_000);

  afterAll(async () => {
    await reg?.close();
    etcd?.proc.kill('SIGKILL');
    if (etcd) rmSync(etcd.dir, { recursive: true, force: true });
  });

  it('bootstraps the system namespaces and the kubernetes Service at 10.96.0.1', async () => {
    const list = await reg.list(ctx(''), namespaces, {});
    expect(list.items.map((n) => n.metadata.name)).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    const svc = await reg.get(ctx(), services, 'kubernetes');
    expect(svc['spec']).toMatchObject({ clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' });
    expect(svc.metadata.labels).toEqual({ component: 'apiserver', provider: 'kubernetes' });
  });

  it('creates with uid, creationTimestamp and the store revision as resourceVersion', async () => {
    const { object, created } = await reg.create(ctx(), pods, pod('p1'), write);
    expect(created).toBe(true);
    expect(object.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(object.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number(object.metadata.resourceVersion)).toBeGreaterThan(0);
    expect(object['status']).toEqual({ phase: 'Pending' });
    expect(object['spec']).toMatchObject({ restartPolicy: 'Always' });
    const got = await reg.get(ctx(), pods, 'p1');
    expect(got).toEqual(object);
    await expectStatus(reg.create(ctx(), pods, pod('p1'), write), isAlreadyExists);
  });

  it('rejects invalid objects, missing and terminating namespaces', async () => {
    const err = await expectStatus(reg.create(ctx(), pods, { metadata: { name: 'bad' }, spec: {} }, write), isInvalid);
    expect(err.message).toBe('Pod "bad" is invalid: spec.containers: Required value');
    const nf = await expectStatus(reg.create(ctx('nope'), pods, pod('x'), write), isNotFound);
    expect(nf.message).toBe('namespaces "nope" not found');
    await reg.create(ctx(''), namespaces, { metadata: { name: 'doomed' } }, write);
    await reg.create(ctx('doomed'), pods, pod('x'), write);
    const del = await reg.delete(ctx(''), namespaces, 'doomed', {});
    expect(del.deleted).toBe(false);
    expect(del.object['status']).toEqual({ phase: 'Terminating' });
    const fb = await expectStatus(reg.create(ctx('doomed'), pods, pod('y'), write), isForbidden);
    expect(fb.message).toBe('pods "y" is forbidden: unable to create new content in namespace doomed because it is being terminated');
    await expectStatus(reg.delete(ctx(''), namespaces, 'default', {}), isForbidden);
  });

  it('generates names from generateName with upstream alphabet', async () => {
    const { object } = await reg.create(ctx(), pods, { metadata: { generateName: 'gen-' }, spec: { containers: [{}] } }, write);
    expect(object.metadata.name).toMatch(/^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('serves GET with resourceVersion 0 from the watch cache, 404 when the cache has no such object', async () => {
    const { object } = await reg.create(ctx(), configmaps, { metadata: { name: 'rv0' }, data: { a: '1' } }, write);
    let cached: KubeObject | undefined;
    for (let i = 0; i < 100 && !cached; i++) {
      cached = await reg.get(ctx(), configmaps, 'rv0', { resourceVersion: '0' }).catch(() => undefined);
      if (!cached) await new Promise((r) => setTimeout(r, 10));
    }
    expect(cached).toEqual(object);
    await expectStatus(reg.get(ctx(), configmaps, 'never-made', { resourceVersion: '0' }), isNotFound);
  });

  it('writes that start from a watch-cache copy the store has moved past retry on a store read', async () => {
    // Another apiserver's writes reach this one's cache a little later: writing straight to the store and
    // then at once through the registry often finds the cache behind. Every answer must still be the
    // store's truth: no false 409, no stale no-op, no lost write.
    const client = new EtcdClient({ endpoint: etcd.url });
    try {
      const { object } = await reg.create(ctx(), configmaps, { metadata: { name: 'behind' }, data: { n: '0' } }, write);
      const key = '/registry/configmaps/default/behind';
      const stored = { ...structuredClone(object), metadata: { ...object.metadata } };
      delete stored.metadata.resourceVersion;
      for (let i = 1; i <= 20; i++) {
        const put = await client.put(key, JSON.stringify({ ...stored, data: { n: String(i) } }));
        const rv = String(put.header.revision);
        // A precondition on the store's resourceVersion holds even while the cache still has the old one.
        const upd = await reg.update(ctx(), configmaps, 'behind', { ...structuredClone(stored), metadata: { ...stored.metadata, resourceVersion: rv }, data: { n: `${i}u` } }, write);
        expect(upd.object['data']).toEqual({ n: `${i}u` });
        // A patch back to what the cache holds looks like a no-op on the stale copy; the store has moved on,
        // so it must be written.
        await new Promise((r) => setTimeout(r, 20));
        const moved = await client.put(key, JSON.stringify({ ...stored, data: { n: `${i}x` } }));
        const back = await reg.patch(ctx(), configmaps, 'behind', 'merge', { data: { n: `${i}u` } }, write);
        expect(back.object['data']).toEqual({ n: `${i}u` });
        expect(Number(back.object.metadata.resourceVersion)).toBeGreaterThan(moved.header.revision);
      }
    } finally {
      await client.close();
    }
  });

  it('updates with compare-and-swap: stale resourceVersion is 409, none is unconditional', async () => {
    const { object: v1 } = await reg.create(ctx(), configmaps, { metadata: { name: 'cm' }, data: { a: '1' } }, write);
    const v2 = await reg.update(ctx(), configmaps, 'cm', { ...structuredClone(v1), data: { a: '2' } }, write);
    expect(Number(v2.object.metadata.resourceVersion)).toBeGreaterThan(Number(v1.metadata.resourceVersion));
    const stale = await expectStatus(reg.update(ctx(), configmaps, 'cm', { ...structuredClone(v1), data: { a: '3' } }, write), isConflict);
    expect(stale.message).toBe(
      'Operation cannot be fulfilled on configmaps "cm": the object has been modified; please apply your changes to the latest version and try again',
    );
    const noRV = structuredClone(v1);
    delete noRV.metadata.resourceVersion;
    const v3 = await reg.update(ctx(), configmaps, 'cm', { ...noRV, data: { a: '3' } }, write);
    expect(v3.object['data']).toEqual({ a: '3' });
    expect(v3.object.metadata.uid).toBe(v1.metadata.uid);
    // A no-op update writes nothing.
    const same = await reg.update(ctx(), configmaps, 'cm', structuredClone(v3.object), write);
    expect(same.object.metadata.resourceVersion).toBe(v3.object.metadata.resourceVersion);
  });

  it('patches concurrently without 409 and bumps generation on spec change', async () => {
    const dep = { metadata: { name: 'web' }, spec: { replicas: 1, selector: { matchLabels: { app: 'web' } } } };
    const { object } = await reg.create(ctx(), deployments, dep, write);
    expect(object.metadata.generation).toBe(1);
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => reg.patch(ctx(), deployments, 'web', 'merge', { metadata: { labels: { [`l${i}`]: 'x' } } }, write)),
    );
    const got = await reg.get(ctx(), deployments, 'web');
    expect(Object.keys(got.metadata.labels ?? {})).toHaveLength(8);
    const scaled = await reg.patch(ctx(), deployments, 'web', 'merge', { spec: { replicas: 6 } }, { ...write, subresource: 'scale' });
    expect(scaled.object).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 6 }, status: { replicas: 0, selector: 'app=web' } });
    const after = await reg.get(ctx(), deployments, 'web');
    expect(after['spec']).toMatchObject({ replicas: 6 });
    expect(after.metadata.generation).toBe(2);
    const status = await reg.update(ctx(), deployments, 'web', { ...structuredClone(after), spec: { replicas: 99 }, status: { replicas: 6 } }, { ...write, subresource: 'status' });
    expect(status.object['spec']).toMatchObject({ replicas: 6 });
    expect(status.object['status']).toEqual({ replicas: 6 });
    const jp = await reg.patch(ctx(), deployments, 'web', 'json', [{ op: 'replace', path: '/spec/replicas', value: 2 }], write);
    expect(jp.object['spec']).toMatchObject({ replicas: 2 });
  });

  it('server-side apply creates, merges, records managedFields and reports conflicts', async () => {
    const cfg = (data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa', labels: { a: '1' } }, data });
    const missing = await expectStatus(reg.patch(ctx(), configmaps, 'ssa', 'apply', cfg({ x: '1' }), write), isInvalid);
    expect(missing.message).toContain('fieldManager: Required value');
    const first = await reg.patch(ctx(), configmaps, 'ssa', 'apply', cfg({ x: '1', y: '2' }), { ...write, fieldManager: 'alice' });
    expect(first.created).toBe(true);
    expect(first.object.metadata.managedFields).toEqual([
      expect.objectContaining({
        manager: 'alice', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1',
        fieldsV1: { 'f:data': { 'f:x': {}, 'f:y': {} }, 'f:metadata': { 'f:labels': { 'f:a': {} } } },
      }),
    ]);
    // alice stops applying y: it is removed; bob adds z with an update.
    await reg.patch(ctx(), configmaps, 'ssa', 'apply', cfg({ x: '1' }), { ...write, fieldManager: 'alice' });
    const upd = await reg.patch(ctx(), configmaps, 'ssa', 'merge', { data: { z: '3' } }, { ...write, fieldManager: 'bob' });
    expect(upd.object['data']).toEqual({ x: '1', z: '3' });
    expect(upd.object.metadata.managedFields).toContainEqual(expect.objectContaining({ manager: 'bob', operation: 'Update', fieldsV1: { 'f:data': { 'f:z': {} } } }));
    // carol applies x with another value: conflict with alice, unless forced.
    const conflict = await expectStatus(reg.patch(ctx(), configmaps, 'ssa', 'apply', cfg({ x: '9' }), { ...write, fieldManager: 'carol' }), isConflict);
    expect(conflict.message).toBe('Apply failed with 1 conflict: conflict with "alice" using v1: .data.x');
    const forced = await reg.patch(ctx(), configmaps, 'ssa', 'apply', cfg({ x: '9' }), { ...write, fieldManager: 'carol', force: true });
    expect(forced.object['data']).toEqual({ x: '9', z: '3' });
  });

  it('deletes gracefully, then finally with grace 0', async () => {
    await reg.create(ctx(), pods, pod('g1', { spec: { nodeName: 'n1', containers: [{ name: 'c' }] } }), write);
    const first = await reg.delete(ctx(), pods, 'g1', {});
    expect(first.deleted).toBe(false);
    expect(first.object.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(first.object.metadata.deletionTimestamp).toBeDefined();
    const final = await reg.delete(ctx(), pods, 'g1', { gracePeriodSeconds: 0 });
    expect(final.deleted).toBe(true);
    await expectStatus(reg.get(ctx(), pods, 'g1'), isNotFound);
  });

  it('keeps objects with finalizers until an update empties them', async () => {
    await reg.create(ctx(), configmaps, { metadata: { name: 'fin', finalizers: ['example.com/x'] } }, write);
    const del = await reg.delete(ctx(), configmaps, 'fin', {});
    expect(del.deleted).toBe(false);
    expect(del.object.metadata.deletionTimestamp).toBeDefined();
    const add = await expectStatus(reg.patch(ctx(), configmaps, 'fin', 'merge', { metadata: { finalizers: ['example.com/x', 'b.io/y'] } }, write), isInvalid);
    expect(add.message).toContain('no new finalizers can be added if the object is being deleted');
    await reg.patch(ctx(), configmaps, 'fin', 'merge', { metadata: { finalizers: null } }, write);
    await expectStatus(reg.get(ctx(), configmaps, 'fin'), isNotFound);
    // Foreground propagation adds its finalizer; preconditions are honoured.
    const { object } = await reg.create(ctx(), configmaps, { metadata: { name: 'fg' } }, write);
    await expectStatus(reg.delete(ctx(), configmaps, 'fg', { preconditions: { uid: 'other' } }), isConflict);
    const fg = await reg.delete(ctx(), configmaps, 'fg', { propagationPolicy: 'Foreground', preconditions: { uid: object.metadata.uid as string } });
    expect(fg.object.metadata.finalizers).toEqual(['foregroundDeletion']);
  });

  it('lists with selectors and pages with continue tokens', async () => {
    await reg.create(ctx(''), namespaces, { metadata: { name: 'paging' } }, write);
    for (let i = 0; i < 7; i++) {
      await reg.create(ctx('paging'), pods, pod(`p${i}`, { metadata: { name: `p${i}`, labels: { idx: String(i % 2) } }, spec: { nodeName: i < 3 ? 'n1' : '', containers: [{}] } }), write);
    }
    const odd = await reg.list(ctx('paging'), pods, { labelSelector: 'idx=1' });
    expect(odd.items.map((p) => p.metadata.name)).toEqual(['p1', 'p3', 'p5']);
    const onNode = await reg.list(ctx('paging'), pods, { fieldSelector: 'spec.nodeName=n1' });
    expect(onNode.items.map((p) => p.metadata.name)).toEqual(['p0', 'p1', 'p2']);
    const byName = await reg.list(ctx('paging'), pods, { fieldSelector: 'metadata.name=p4' });
    expect(byName.items.map((p) => p.metadata.name)).toEqual(['p4']);
    const bad = await expectStatus(reg.list(ctx('paging'), pods, { fieldSelector: 'spec.foo=x' }), (e) => (e as StatusError).code === 400);
    expect(bad.message).toBe('field label not supported: spec.foo');
    const page1 = await reg.list(ctx('paging'), pods, { limit: 3 });
    expect(page1.items.map((p) => p.metadata.name)).toEqual(['p0', 'p1', 'p2']);
    expect(page1.remainingItemCount).toBe(4);
    // A write between pages does not show up: pages are one snapshot.
    await reg.create(ctx('paging'), pods, pod('p10'), write);
    const page2 = await reg.list(ctx('paging'), pods, { limit: 3, continue: page1.continue as string });
    expect(page2.items.map((p) => p.metadata.name)).toEqual(['p3', 'p4', 'p5']);
    expect(page2.resourceVersion).toBe(page1.resourceVersion);
    const page3 = await reg.list(ctx('paging'), pods, { limit: 3, continue: page2.continue as string });
    expect(page3.items.map((p) => p.metadata.name)).toEqual(['p6']);
    expect(page3.continue).toBeUndefined();
    const all = await reg.list(ctx(''), pods, {});
    expect(all.items.some((p) => p.metadata.namespace === 'paging' && p.metadata.name === 'p10')).toBe(true);
  });

  it('watches from 0, from a resourceVersion, and answers 410 for a too-old one', async () => {
    await reg.create(ctx(''), namespaces, { metadata: { name: 'w' } }, write);
    const { object: a } = await reg.create(ctx('w'), pods, pod('a'), write);
    const ac = new AbortController();
    const fromZero = reg.watch(ctx('w'), pods, { resourceVersion: '0' }, ac.signal);
    const fromA = reg.watch(ctx('w'), pods, { resourceVersion: a.metadata.resourceVersion as string, labelSelector: 'app=web' }, ac.signal);
    await reg.create(ctx('w'), pods, pod('b'), write);
    await reg.patch(ctx('w'), pods, 'a', 'merge', { metadata: { labels: { app: 'other' } } }, write);
    await reg.delete(ctx('w'), pods, 'b', {});
    const z = await collect(fromZero, 4);
    expect(z.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED a', 'ADDED b', 'MODIFIED a', 'DELETED b']);
    const f = await collect(fromA, 3);
    // a stops matching app=web: delivered as DELETED.
    expect(f.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED b', 'DELETED a', 'DELETED b']);
    ac.abort();
    // A second apiserver with a tiny ring: a watch from before the ring is 410 Expired.
    const small = await createRegistry({
      etcdServers: [etcd.url], resources: [namespaces, configmaps], logger: pino({ level: 'silent' }),
      compactionIntervalMs: 0, skipBootstrap: true, watchCacheCapacity: 4,
    });
    try {
      await small.whenReady();
      const { object: first } = await small.create(ctx(), configmaps, { metadata: { name: 'ring0' } }, write);
      for (let i = 1; i < 6; i++) await small.create(ctx(), configmaps, { metadata: { name: `ring${i}` } }, write);
      await small.list(ctx(), configmaps, {});
      const rv = first.metadata.resourceVersion as string;
      let thrown: unknown;
      try {
        small.watch(ctx(), configmaps, { resourceVersion: rv }, new AbortController().signal);
      } catch (err) {
        thrown = err;
      }
      expect(isResourceExpired(thrown)).toBe(true);
      expect((thrown as StatusError).message).toMatch(new RegExp(`^too old resource version: ${rv} \\(\\d+\\)$`));
    } finally {
      await small.close();
    }
  });

  it('serves a consistent list after a store write outside the registry prefix (progress notify)', async () => {
    const client = new EtcdClient({ endpoint: etcd.url });
    try {
      const put = await client.put('/outside/key', 'x');
      const started = Date.now();
      const list = await reg.list(ctx(), configmaps, {});
      expect(Number(list.resourceVersion)).toBeGreaterThanOrEqual(put.header.revision);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await client.close();
    }
  });

  it('sends bookmarks and ends at timeoutSeconds', async () => {
    const started = Date.now();
    const events = await collect(reg.watch(ctx('w'), pods, { resourceVersion: '0', allowWatchBookmarks: true, timeoutSeconds: 1, labelSelector: 'none=x' }, new AbortController().signal), 10, 5000);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(events.map((e) => e.type)).toEqual(['BOOKMARK']);
    expect(Number(events[0]?.object.metadata.resourceVersion)).toBeGreaterThan(0);
  });

  it('allocates distinct addresses to services created concurrently', async () => {
    const created = await Promise.all(
      Array.from({ length: 12 }, (_, i) => reg.create(ctx(), services, { metadata: { name: `par-${i}` }, spec: { type: 'NodePort', ports: [{ port: 80 }] } }, write)),
    );
    const ips = created.map((c) => (c.object['spec'] as { clusterIP: string }).clusterIP);
    const ports = created.map((c) => (c.object['spec'] as { ports: { nodePort: number }[] }).ports[0]?.nodePort);
    expect(new Set(ips).size).toBe(12);
    expect(new Set(ports).size).toBe(12);
  });

  it('reallocates on Service type changes and keeps held values on update', async () => {
    const { object } = await reg.create(ctx(), services, { metadata: { name: 'flip' }, spec: { ports: [{ port: 80, protocol: 'TCP' }] } }, write);
    const ip = (object['spec'] as { clusterIP: string }).clusterIP;
    const np = await reg.patch(ctx(), services, 'flip', 'merge', { spec: { type: 'NodePort' } }, write);
    const port = (np.object['spec'] as { clusterIP: string; ports: { nodePort: number }[] }).ports[0]?.nodePort as number;
    expect((np.object['spec'] as { clusterIP: string }).clusterIP).toBe(ip);
    expect(port).toBeGreaterThanOrEqual(30000);
    // A replace without clusterIP or nodePort keeps both.
    const replaced = await reg.update(ctx(), services, 'flip', { metadata: { name: 'flip' }, spec: { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP' }] } }, write);
    expect(replaced.object['spec']).toMatchObject({ clusterIP: ip, ports: [{ nodePort: port }] });
    const back = await reg.patch(ctx(), services, 'flip', 'merge', { spec: { type: 'ClusterIP' } }, write);
    expect((back.object['spec'] as { ports: { nodePort?: number }[] }).ports[0]?.nodePort).toBeUndefined();
    // The released port can be taken explicitly again.
    const other = await reg.create(ctx(), services, { metadata: { name: 'taker' }, spec: { type: 'NodePort', ports: [{ port: 81, nodePort: port }] } }, write);
    expect((other.object['spec'] as { ports: { nodePort: number }[] }).ports[0]?.nodePort).toBe(port);
  });

  it('deletes collections, honours dryRun and drains a namespace through finalize', async () => {
    await reg.create(ctx(''), namespaces, { metadata: { name: 'coll' } }, write);
    for (const n of ['a', 'b', 'c']) await reg.create(ctx('coll'), configmaps, { metadata: { name: n, labels: { g: n === 'c' ? '2' : '1' } } }, write);
    const dry = await reg.delete(ctx('coll'), configmaps, 'c', { dryRun: ['All'] });
    expect(dry.deleted).toBe(true);
    await reg.get(ctx('coll'), configmaps, 'c');
    const gone = await reg.deleteCollection(ctx('coll'), configmaps, { labelSelector: 'g=1' }, {});
    expect(gone.items.map((o) => o.metadata.name)).toEqual(['a', 'b']);
    expect((await reg.list(ctx('coll'), configmaps, {})).items.map((o) => o.metadata.name)).toEqual(['c']);
    const marked = await reg.delete(ctx(''), namespaces, 'coll', {});
    expect(marked.object['spec']).toEqual({ finalizers: ['kubernetes'] });
    const fin = await reg.update(ctx(''), namespaces, 'coll', { metadata: { name: 'coll' }, spec: { finalizers: [] } }, { ...write, subresource: 'finalize' });
    expect(fin.object.metadata.deletionTimestamp).toBeDefined();
    await expectStatus(reg.get(ctx(''), namespaces, 'coll'), isNotFound);
  });

  it('watches without a resourceVersion from a consistent snapshot', async () => {
    await reg.create(ctx(''), namespaces, { metadata: { name: 'w2' } }, write);
    await reg.create(ctx('w2'), configmaps, { metadata: { name: 'one' } }, write);
    const ac = new AbortController();
    const events = await collect(reg.watch(ctx('w2'), configmaps, {}, ac.signal), 1);
    ac.abort();
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED one']);
  });

  it('allocates ClusterIPs and NodePorts, rejects duplicates and releases on delete', async () => {
    const svc = (name: string, spec: Record<string, unknown>) => ({ metadata: { name }, spec: { ports: [{ port: 80, protocol: 'TCP' }], ...spec } });
    const a = await reg.create(ctx(), services, svc('a', { type: 'NodePort' }), write);
    const spec = a.object['spec'] as { clusterIP: string; ports: { nodePort: number }[] };
    expect(spec.clusterIP).toMatch(/^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
    expect(spec.clusterIP).not.toBe('10.96.0.10');
    const np = spec.ports[0]?.nodePort as number;
    expect(np).toBeGreaterThanOrEqual(30000);
    expect(np).toBeLessThanOrEqual(32767);
    const dupPort = await expectStatus(reg.create(ctx(), services, svc('b', { type: 'NodePort', ports: [{ port: 80, nodePort: np }] }), write), isInvalid);
    expect(dupPort.message).toBe(`Service "b" is invalid: spec.ports[0].nodePort: Invalid value: ${np}: provided port is already allocated`);
    const dupIP = await expectStatus(reg.create(ctx(), services, svc('c', { clusterIP: spec.clusterIP }), write), isInvalid);
    expect(dupIP.message).toContain(`failed to allocate IP ${spec.clusterIP}: provided IP is already allocated`);
    const dns = await reg.create(ctx(), services, svc('dns', { clusterIP: '10.96.0.10' }), write);
    expect((dns.object['spec'] as { clusterIP: string }).clusterIP).toBe('10.96.0.10');
    const headless = await reg.create(ctx(), services, svc('h', { clusterIP: 'None' }), write);
    expect(headless.object['spec']).toMatchObject({ clusterIP: 'None', clusterIPs: ['None'] });
    const dry = await reg.create(ctx(), services, svc('dry', { clusterIP: '10.96.0.77' }), { ...write, dryRun: true });
    expect(dry.object.metadata.resourceVersion).toBeUndefined();
    await reg.create(ctx(), services, svc('d', { clusterIP: '10.96.0.77' }), write);
    await reg.delete(ctx(), services, 'a', {});
    const again = await reg.create(ctx(), services, svc('b', { type: 'NodePort', clusterIP: spec.clusterIP, ports: [{ port: 80, nodePort: np }] }), write);
    expect((again.object['spec'] as { ports: { nodePort: number }[] }).ports[0]?.nodePort).toBe(np);
  });
});
