/**
 * Pod volumes, env and lifecycle hooks with real containers: the kubelet's pod syncer over the runc runtime
 * (root, runc, the offline busybox image) with a configMap volume (items, updated in place through the
 * `..data` swap), a secret, an emptyDir shared by two containers, a Memory (tmpfs) emptyDir, a downwardAPI file, a subPath, env from
 * the ConfigMap, and a preStop hook that runs before the stop signal. The pod network lives in a test
 * namespace; everything is removed at the end.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { ConfigMap, Pod, Secret } from 'kubernetes-types/core/v1.js';
import { createLogger } from '@nanokube/component-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execRunner, HostGwNetwork, LocalImageService, netnsRunner } from '@nanokube/kubelet';
import { Backoff } from '../../packages/kubelet/src/pod-workers/backoff.js';
import { PodSyncer } from '../../packages/kubelet/src/pod-workers/sync-pod.js';
import { RuncRuntime } from '../../packages/kubelet/src/runtime/runc/runtime.js';
import { VolumeManager, type PodSources } from '../../packages/kubelet/src/volumes/index.js';
import { canUseNetns, runSuffix, sh } from '../lab/netns.js';

const imagesDir = fileURLToPath(new URL('../../.nanokube/images/', import.meta.url));
const haveImages = existsSync(join(imagesDir, 'busybox.tar'));
const haveRunc = await sh(['runc', '--version']).then(() => true, () => false);
const enabled = haveImages && haveRunc && (await canUseNetns());
const tag = `nkQ${runSuffix()}`;
const nodeNs = `${tag}-node`;
const cgroupParent = `${tag}-pods`;
const log = createLogger({ component: 'test', level: 'silent', pretty: false });

describe.skipIf(!enabled)('pod volumes on runc', () => {
  let tmp: string;
  let rt: RuncRuntime;
  let net: HostGwNetwork;
  let images: LocalImageService;
  let syncer: PodSyncer;
  const events: string[] = [];
  const configMaps: ConfigMap[] = [{ metadata: { name: 'app', namespace: 'default' }, data: { 'app.conf': 'v1', mode: 'prod' } }];
  const secrets: Secret[] = [{ metadata: { name: 'creds', namespace: 'default' }, data: { password: Buffer.from('s3cret').toString('base64') } }];
  const uid = `${tag}-0000-4000-8000-00000000000q`;
  const pod: Pod = {
    metadata: { name: 'vols', namespace: 'default', uid, labels: { app: 'vols' } },
    spec: {
      terminationGracePeriodSeconds: 5,
      volumes: [
        { name: 'cfg', configMap: { name: 'app', items: [{ key: 'app.conf', path: 'conf/app.conf' }] } },
        { name: 'sec', secret: { secretName: 'creds', defaultMode: 0o400 } },
        { name: 'shared', emptyDir: {} },
        { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
        { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
      ],
      containers: [
        {
          name: 'writer',
          image: 'busybox:latest',
          imagePullPolicy: 'Never',
          command: ['sh', '-c', 'echo from-writer > /shared/x; exec sleep 1000'],
          volumeMounts: [{ name: 'shared', mountPath: '/shared' }],
          lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo bye > /shared/prestop'] } } },
        },
        {
          name: 'reader',
          image: 'busybox:latest',
          imagePullPolicy: 'Never',
          command: ['sleep', '1000'],
          env: [{ name: 'MODE', valueFrom: { configMapKeyRef: { name: 'app', key: 'mode' } } }],
          volumeMounts: [
            { name: 'cfg', mountPath: '/etc/app' },
            { name: 'sec', mountPath: '/etc/creds' },
            { name: 'shared', mountPath: '/data' },
            { name: 'shared', mountPath: '/sub', subPath: 'nested/dir' },
            { name: 'info', mountPath: '/etc/podinfo' },
            { name: 'mem', mountPath: '/mem' },
          ],
        },
      ],
    },
  };

  const sources: PodSources = {
    configMap: async (_ns, n) => configMaps.find((c) => c.metadata?.name === n),
    secret: async (_ns, n) => secrets.find((s) => s.metadata?.name === n),
    services: async () => [],
    persistentVolumeClaim: async () => undefined,
    persistentVolume: async () => undefined,
    serviceAccountToken: async () => ({ token: 'x', expiresAt: Date.now() + 3600_000 }),
  };

  async function execIn(name: string, cmd: string[]): Promise<{ code: number; out: string }> {
    const c = (await rt.listContainers({ podUid: uid })).find((x) => x.name === name && x.state === 'running');
    let out = '';
    const w = new Writable({ write(chunk: Buffer, _e, cb) { out += chunk.toString(); cb(); } });
    const code = await rt.exec(c?.id ?? '', cmd, { stdout: w, stderr: w, tty: false });
    return { code, out };
  }

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'nk-q-'));
    await sh(['ip', 'netns', 'add', nodeNs]);
    await sh(['ip', '-n', nodeNs, 'link', 'set', 'lo', 'up']);
    net = new HostGwNetwork({ nodeName: 'q1', stateDir: join(tmp, 'network'), runner: netnsRunner(execRunner(), nodeNs) });
    await net.configure({ podCIDR: '10.244.78.0/24' });
    images = await LocalImageService.open({ root: join(tmp, 'images') });
    await images.importArchive(join(imagesDir, 'busybox.tar'));
    rt = await RuncRuntime.open({ rootDir: join(tmp, 'root'), runcRoot: join(tmp, 'runc'), cgroupParent, network: net, rootfs: images, exitScanMs: 200 });
    syncer = new PodSyncer({
      runtime: rt,
      images,
      recorder: { event: (_t, type, reason, message) => events.push(`${type} ${reason} ${message}`) },
      log,
      now: () => Date.now(),
      podLogsDir: join(tmp, 'logs'),
      backoff: new Backoff(() => Date.now()),
      reasons: new Map(),
      sources,
      volumes: new VolumeManager({ sources, podsDir: join(tmp, 'root', 'pods'), nodeAllocatable: () => ({}), now: () => Date.now(), canMount: true, log }),
      nodeIp: '10.0.0.1',
    });
  }, 60_000);

  afterAll(async () => {
    await syncer?.killPod(pod, 0).catch(() => undefined);
    await syncer?.removePod(uid).catch(() => undefined);
    rt?.close();
    await net?.removeNode().catch(() => undefined);
    await sh(['ip', 'netns', 'del', nodeNs]).catch(() => undefined);
    await images?.close();
    for (const h of await readdir('/sys/fs/cgroup').catch(() => [] as string[])) await sh(['rmdir', join('/sys/fs/cgroup', h, cgroupParent)]).catch(() => undefined);
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }, 60_000);

  it('starts both containers with their volumes and env', async () => {
    await syncer.syncPod(pod);
    const running = (await rt.listContainers({ podUid: uid })).filter((c) => c.state === 'running').map((c) => c.name).sort();
    expect(running, events.join('\n')).toEqual(['reader', 'writer']);
    expect((await execIn('reader', ['cat', '/etc/app/conf/app.conf'])).out).toBe('v1');
    expect((await execIn('reader', ['cat', '/etc/creds/password'])).out).toBe('s3cret');
    expect((await execIn('reader', ['stat', '-L', '-c', '%a', '/etc/creds/password'])).out.trim()).toBe('400');
    expect((await execIn('reader', ['cat', '/etc/podinfo/labels'])).out).toBe('app="vols"');
    expect((await execIn('reader', ['sh', '-c', 'echo $MODE'])).out.trim()).toBe('prod');
    // The emptyDir is shared: the writer's file is visible to the reader.
    let shared = '';
    for (let i = 0; i < 30 && !shared; i++) {
      shared = (await execIn('reader', ['cat', '/data/x'])).out;
      if (!shared) await new Promise((r) => setTimeout(r, 100));
    }
    expect(shared).toBe('from-writer\n');
    // Writes through the subPath land inside the emptyDir.
    expect((await execIn('reader', ['sh', '-c', 'echo sub > /sub/f'])).code).toBe(0);
    expect((await execIn('writer', ['cat', '/shared/nested/dir/f'])).out).toBe('sub\n');
    // A Memory emptyDir is a tmpfs of the requested size.
    expect((await execIn('reader', ['df', '-k', '/mem'])).out).toMatch(/tmpfs\s+16384\s/);
    // configMap volumes are read-only.
    expect((await execIn('reader', ['touch', '/etc/app/new'])).code).not.toBe(0);
  }, 60_000);

  it('updates a configMap volume in place', async () => {
    configMaps[0] = { metadata: { name: 'app', namespace: 'default' }, data: { 'app.conf': 'v2', mode: 'prod' } };
    await syncer.syncPod(pod);
    expect((await execIn('reader', ['cat', '/etc/app/conf/app.conf'])).out).toBe('v2');
  }, 30_000);

  it('runs preStop before stopping, and removes the volumes with the pod', async () => {
    const emptyDir = join(tmp, 'root', 'pods', uid, 'volumes', 'kubernetes.io~empty-dir', 'shared');
    await syncer.killPod(pod, 5);
    expect(await readFile(join(emptyDir, 'prestop'), 'utf8')).toBe('bye\n');
    expect((await rt.listContainers({ podUid: uid })).every((c) => c.state === 'exited')).toBe(true);
    await syncer.removePod(uid);
    expect(existsSync(join(tmp, 'root', 'pods', uid, 'volumes'))).toBe(false);
    expect(await readFile('/proc/self/mounts', 'utf8')).not.toContain(uid);
  }, 60_000);
});
