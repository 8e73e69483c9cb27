import { mkdir, mkdtemp, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigMap, PersistentVolume, PersistentVolumeClaim, Pod, Secret, Volume } from 'kubernetes-types/core/v1.js';
import { createLogger } from '@nanokube/component-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContainerConfigError } from '../envvars/index.js';
import { VolumeError, VolumeManager } from './manager.js';
import type { PodSources, TokenRequestSpec } from './sources.js';

const log = createLogger({ component: 'test', level: 'silent', pretty: false });
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nk-vol-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface World {
  configMaps: ConfigMap[];
  secrets: Secret[];
  pvcs: PersistentVolumeClaim[];
  pvs: PersistentVolume[];
  tokenCalls: { ns: string; sa: string; spec: TokenRequestSpec }[];
}

function sources(w: World, now: () => number): PodSources {
  const find = <T extends { metadata?: { name?: string } }>(l: T[], name: string) => l.find((o) => o.metadata?.name === name);
  return {
    configMap: async (_ns, n) => find(w.configMaps, n),
    secret: async (_ns, n) => find(w.secrets, n),
    services: async () => [],
    persistentVolumeClaim: async (_ns, n) => find(w.pvcs, n),
    persistentVolume: async (n) => find(w.pvs, n),
    serviceAccountToken: async (ns, sa, spec) => {
      w.tokenCalls.push({ ns, sa, spec });
      return { token: `token-${w.tokenCalls.length}`, expiresAt: now() + spec.expirationSeconds * 1000 };
    },
  };
}

function setup(opts: { dry?: boolean } = {}) {
  let t = Date.parse('2025-01-01T00:00:00Z');
  const now = (): number => t;
  const world: World = { configMaps: [], secrets: [], pvcs: [], pvs: [], tokenCalls: [] };
  const vm = new VolumeManager({
    sources: sources(world, now),
    ...(opts.dry ? {} : { podsDir: join(dir, 'pods') }),
    nodeAllocatable: () => ({ cpu: '4', memory: '8Gi' }),
    now,
    log,
  });
  return { vm, world, advance: (ms: number) => void (t += ms) };
}

function podWith(volumes: Volume[]): Pod {
  return {
    metadata: { name: 'web', namespace: 'app', uid: 'u1', labels: { b: '2', a: '1' } },
    spec: { serviceAccountName: 'robot', volumes, containers: [{ name: 'c', resources: { limits: { memory: '128Mi' } } }] },
  };
}

const addrs = { podIps: ['10.244.0.5'], hostIps: ['10.0.0.1'] };

describe('VolumeManager', () => {
  it('writes configMap items with defaultMode and item modes behind ..data', async () => {
    const { vm, world } = setup();
    world.configMaps.push({ metadata: { name: 'cfg' }, data: { 'app.conf': 'x=1', other: 'o' }, binaryData: { bin: Buffer.from([1, 2]).toString('base64') } });
    const pod = podWith([{ name: 'conf', configMap: { name: 'cfg', defaultMode: 0o440, items: [{ key: 'app.conf', path: 'etc/app.conf' }, { key: 'bin', path: 'bin', mode: 0o400 }] } }]);
    const vols = await vm.setUpPod(pod, addrs);
    const v = vols.get('conf');
    expect(v).toEqual({ hostPath: join(dir, 'pods/u1/volumes/kubernetes.io~configmap/conf'), readOnly: true });
    const p = v?.hostPath ?? '';
    expect(await readFile(join(p, 'etc/app.conf'), 'utf8')).toBe('x=1');
    expect((await stat(join(p, 'etc/app.conf'))).mode & 0o777).toBe(0o440);
    expect([...(await readFile(join(p, 'bin')))]).toEqual([1, 2]);
    expect((await stat(join(p, 'bin'))).mode & 0o777).toBe(0o400);
    expect(await readlink(join(p, 'etc'))).toBe('..data/etc');
    await expect(stat(join(p, 'other'))).rejects.toThrow();

    // An update reaches the volume on the next sync.
    world.configMaps[0] = { metadata: { name: 'cfg' }, data: { 'app.conf': 'x=2' }, binaryData: { bin: 'AQI=' } };
    await vm.setUpPod(pod, addrs);
    expect(await readFile(join(p, 'etc/app.conf'), 'utf8')).toBe('x=2');
  });

  it('decodes secrets with the default 0644 mode', async () => {
    const { vm, world } = setup();
    world.secrets.push({ metadata: { name: 's' }, data: { user: Buffer.from('admin').toString('base64') } });
    const vols = await vm.setUpPod(podWith([{ name: 'sec', secret: { secretName: 's' } }]), addrs);
    const p = vols.get('sec')?.hostPath ?? '';
    expect(p).toContain('kubernetes.io~secret');
    expect(await readFile(join(p, 'user'), 'utf8')).toBe('admin');
    expect((await stat(join(p, 'user'))).mode & 0o777).toBe(0o644);
  });

  it.each<[string, Volume, string]>([
    ['missing configMap', { name: 'v', configMap: { name: 'nope' } }, 'MountVolume.SetUp failed for volume "v" : configmap "nope" not found'],
    ['missing secret', { name: 'v', secret: { secretName: 'nope' } }, 'MountVolume.SetUp failed for volume "v" : secret "nope" not found'],
    ['missing key', { name: 'v', configMap: { name: 'cfg', items: [{ key: 'k', path: 'k' }] } }, 'MountVolume.SetUp failed for volume "v" : configmap references non-existent config key: k'],
    ['unbound claim', { name: 'v', persistentVolumeClaim: { claimName: 'pending' } }, 'Unable to attach or mount volumes: unmounted volumes=[v], unattached volumes=[], failed to process volumes=[v]: error processing PVC app/pending: PVC is not bound'],
    ['missing claim', { name: 'v', persistentVolumeClaim: { claimName: 'gone' } }, 'Unable to attach or mount volumes: unmounted volumes=[v], unattached volumes=[], failed to process volumes=[v]: error processing PVC app/gone: failed to fetch PVC from API server: persistentvolumeclaims "gone" not found'],
  ])('fails with FailedMount text for %s (also when dry)', async (_name, vol, message) => {
    for (const dry of [false, true]) {
      const { vm, world } = setup({ dry });
      world.configMaps.push({ metadata: { name: 'cfg' }, data: {} });
      world.pvcs.push({ metadata: { name: 'pending' }, spec: {}, status: { phase: 'Pending' } });
      const err = await vm.setUpPod(podWith([vol]), addrs).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(VolumeError);
      expect((err as Error).message).toBe(message);
    }
  });

  it('skips optional sources that are missing', async () => {
    const { vm } = setup();
    const vols = await vm.setUpPod(podWith([{ name: 'v', configMap: { name: 'nope', optional: true } }]), addrs);
    expect(vols.get('v')?.readOnly).toBe(true);
  });

  it('follows a bound claim to its hostPath PV', async () => {
    const { vm, world } = setup();
    const pvPath = join(dir, 'pv-data');
    world.pvcs.push({ metadata: { name: 'data' }, spec: { volumeName: 'pv1' }, status: { phase: 'Bound' } });
    world.pvs.push({ metadata: { name: 'pv1' }, spec: { hostPath: { path: pvPath, type: 'DirectoryOrCreate' } } });
    const vols = await vm.setUpPod(podWith([{ name: 'd', persistentVolumeClaim: { claimName: 'data', readOnly: true } }]), addrs);
    expect(vols.get('d')).toEqual({ hostPath: pvPath, readOnly: true });
    expect((await stat(pvPath)).isDirectory()).toBe(true);
  });

  it.each<[string, string, 'dir' | 'file' | 'none', string | undefined]>([
    ['DirectoryOrCreate', 'x', 'none', undefined],
    ['Directory', 'x', 'dir', undefined],
    ['Directory', 'x', 'none', 'is not a directory'],
    ['Directory', 'x', 'file', 'is not a directory'],
    ['FileOrCreate', 'x', 'none', undefined],
    ['File', 'x', 'file', undefined],
    ['File', 'x', 'dir', 'is not a file'],
    ['Socket', 'x', 'file', 'is not a socket file'],
    ['', 'x', 'none', undefined],
  ])('hostPath type %j on %s (%s)', async (type, name, existing, error) => {
    const { vm } = setup();
    const path = join(dir, name);
    if (existing === 'dir') await mkdir(path);
    if (existing === 'file') await writeFile(path, '');
    const p = vm.setUpPod(podWith([{ name: 'h', hostPath: { path, type } }]), addrs);
    if (error) await expect(p).rejects.toThrow(`MountVolume.SetUp failed for volume "h" : hostPath type check failed: `);
    if (error) await expect(vm.setUpPod(podWith([{ name: 'h', hostPath: { path, type } }]), addrs)).rejects.toThrow(error);
    else expect((await p).get('h')).toEqual({ hostPath: path, readOnly: false });
  });

  it('writes downward API files', async () => {
    const { vm } = setup();
    const vols = await vm.setUpPod(
      podWith([
        {
          name: 'info',
          downwardAPI: {
            items: [
              { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
              { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
              { path: 'mem', resourceFieldRef: { containerName: 'c', resource: 'limits.memory', divisor: '1Mi' } },
              { path: 'cpu', resourceFieldRef: { containerName: 'c', resource: 'limits.cpu' } },
            ],
          },
        },
      ]),
      addrs,
    );
    const p = vols.get('info')?.hostPath ?? '';
    expect(p).toContain('kubernetes.io~downward-api');
    expect(await readFile(join(p, 'labels'), 'utf8')).toBe('a="1"\nb="2"');
    expect(await readFile(join(p, 'name'), 'utf8')).toBe('web');
    expect(await readFile(join(p, 'mem'), 'utf8')).toBe('128');
    expect(await readFile(join(p, 'cpu'), 'utf8')).toBe('4');
  });

  it('projects the kube-api-access volume with a bound token, refreshed after 80% of its life', async () => {
    const { vm, world, advance } = setup();
    world.configMaps.push({ metadata: { name: 'kube-root-ca.crt' }, data: { 'ca.crt': 'PEM' } });
    const pod = podWith([
      {
        name: 'kube-api-access-abcde',
        projected: {
          defaultMode: 0o644,
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
          ],
        },
      },
    ]);
    const vols = await vm.setUpPod(pod, addrs);
    const p = vols.get('kube-api-access-abcde')?.hostPath ?? '';
    expect(p).toContain('kubernetes.io~projected');
    expect(await readFile(join(p, 'token'), 'utf8')).toBe('token-1');
    expect(await readFile(join(p, 'ca.crt'), 'utf8')).toBe('PEM');
    expect(await readFile(join(p, 'namespace'), 'utf8')).toBe('app');
    expect(world.tokenCalls).toEqual([{ ns: 'app', sa: 'robot', spec: { audiences: [], expirationSeconds: 3607, boundPod: { name: 'web', uid: 'u1' } } }]);
    advance(2000 * 1000);
    await vm.setUpPod(pod, addrs);
    expect(world.tokenCalls).toHaveLength(1);
    advance(900 * 1000);
    await vm.setUpPod(pod, addrs);
    expect(world.tokenCalls).toHaveLength(2);
    expect(await readFile(join(p, 'token'), 'utf8')).toBe('token-2');
  });

  it('shares one emptyDir and mounts subPaths inside it, refusing escapes', async () => {
    const { vm } = setup();
    const pod = podWith([{ name: 'scratch', emptyDir: {} }]);
    const vols = await vm.setUpPod(pod, addrs);
    const p = vols.get('scratch')?.hostPath ?? '';
    expect((await stat(p)).mode & 0o777).toBe(0o777);
    const mounts = await vm.mountsFor(
      { name: 'c', volumeMounts: [{ name: 'scratch', mountPath: '/data' }, { name: 'scratch', mountPath: '/logs', subPathExpr: '$(POD)/logs', readOnly: true }] },
      vols,
      [{ name: 'POD', value: 'web' }],
    );
    expect(mounts).toEqual([
      { containerPath: '/data', hostPath: p, readOnly: false },
      { containerPath: '/logs', hostPath: join(p, 'web/logs'), readOnly: true },
    ]);
    expect((await stat(join(p, 'web/logs'))).isDirectory()).toBe(true);
    await expect(vm.mountsFor({ name: 'c', volumeMounts: [{ name: 'scratch', mountPath: '/x', subPath: '../../etc' }] }, vols, [])).rejects.toBeInstanceOf(ContainerConfigError);
    await expect(vm.mountsFor({ name: 'c', volumeMounts: [{ name: 'nope', mountPath: '/x' }] }, vols, [])).rejects.toBeInstanceOf(ContainerConfigError);
    await vm.tearDownPod('u1');
    await expect(stat(join(dir, 'pods/u1'))).rejects.toThrow();
  });

  it('writes nothing without a pods folder', async () => {
    const { vm, world } = setup({ dry: true });
    world.configMaps.push({ metadata: { name: 'cfg' }, data: { a: 'b' } });
    const vols = await vm.setUpPod(podWith([{ name: 'c', configMap: { name: 'cfg' } }, { name: 't', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }]), addrs);
    expect(vols.get('c')).toEqual({ hostPath: '', readOnly: true });
    expect(world.tokenCalls).toHaveLength(0);
  });
});
