/**
 * The runc runtime on this machine, without a kubelet (root, real runc): the offline nginx and busybox
 * images imported into a temp store, a test "node" namespace with the host-gw pod network, an nginx pod
 * whose welcome page is fetched from the node, exec, port-forward, logs, stats, exit codes, adoption by a
 * second runtime instance (a kubelet restart), and removal leaving no namespace, mount or cgroup.
 * All traffic stays inside namespaces this test creates.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex, PassThrough, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  execRunner,
  HostGwNetwork,
  isMounted,
  LocalImageService,
  netnsRunner,
  type ContainerConfig,
  type ImageInfo,
  type PodSandboxConfig,
} from '@nanokube/kubelet';
import { RuncRuntime } from '@nanokube/kubelet';
import { canUseNetns, runSuffix, sh } from '../lab/netns.js';

const imagesDir = fileURLToPath(new URL('../../.nanokube/images/', import.meta.url));
const haveImages = existsSync(join(imagesDir, 'nginx.tar')) && existsSync(join(imagesDir, 'busybox.tar'));
const haveRunc = await sh(['runc', '--version']).then(() => true, () => false);
const enabled = haveImages && haveRunc && (await canUseNetns());
const tag = `nkO${runSuffix()}`;
const nodeNs = `${tag}-node`;
const cgroupParent = `${tag}-pods`;

function collect(): { stream: Writable; text: () => string } {
  let buf = '';
  return {
    stream: new Writable({ write(chunk: Buffer, _enc, cb) { buf += chunk.toString(); cb(); } }),
    text: () => buf,
  };
}

function podOf(name: string, uid: string): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid }, spec: { containers: [{ name: 'c', image: 'x' }] } };
}

describe.skipIf(!enabled)('runc runtime', () => {
  let tmp: string;
  let images: LocalImageService;
  let net: HostGwNetwork;
  let rt: RuncRuntime;
  let nginx: ImageInfo;
  let busybox: ImageInfo;
  const uid = `${tag}-0000-4000-8000-000000000001`;
  let sbConfig: PodSandboxConfig;
  let sandboxId = '';
  let podIp = '';

  const config = (name: string, image: ImageInfo, argv: string[], attempt = 0): ContainerConfig => ({
    name,
    attempt,
    image,
    imageRef: name === 'web' ? 'nginx' : 'busybox',
    argv,
    env: [{ name: 'GREETING', value: 'hello' }],
    mounts: [],
    logPath: join(tmp, 'logs', name, `${attempt}.log`),
    stdin: false,
    stdinOnce: false,
    tty: false,
    labels: {},
    annotations: {},
    spec: { name, image: 'x', resources: { limits: { memory: '64Mi', cpu: '500m' } } },
  });

  const open = () =>
    RuncRuntime.open({ rootDir: join(tmp, 'root'), runcRoot: join(tmp, 'runc'), cgroupParent, network: net, rootfs: images, exitScanMs: 200 });

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'nk-runc-'));
    await sh(['ip', 'netns', 'add', nodeNs]);
    await sh(['ip', '-n', nodeNs, 'link', 'set', 'lo', 'up']);
    net = new HostGwNetwork({ nodeName: 'n1', stateDir: join(tmp, 'network'), runner: netnsRunner(execRunner(), nodeNs) });
    await net.configure({ podCIDR: '10.244.77.0/24' });
    images = await LocalImageService.open({ root: join(tmp, 'images') });
    await images.importArchive(join(imagesDir, 'nginx.tar'));
    await images.importArchive(join(imagesDir, 'busybox.tar'));
    nginx = (await images.status('nginx:latest')) as ImageInfo;
    busybox = (await images.status('busybox:latest')) as ImageInfo;
    rt = await open();
    const pod = podOf('web', uid);
    sbConfig = { metadata: { name: 'web', namespace: 'default', uid, attempt: 0 }, hostname: 'web', logDirectory: join(tmp, 'logs'), hostNetwork: false, labels: {}, annotations: {}, pod };
  }, 60_000);

  afterAll(async () => {
    if (rt && sandboxId) await rt.removePodSandbox(sandboxId).catch(() => undefined);
    rt?.close();
    await net?.removeNode().catch(() => undefined);
    await sh(['ip', 'netns', 'del', nodeNs]).catch(() => undefined);
    await images?.close();
    for (const h of await readdir('/sys/fs/cgroup').catch(() => [] as string[])) await sh(['rmdir', join('/sys/fs/cgroup', h, cgroupParent)]).catch(() => undefined);
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }, 60_000);

  it('runs nginx in the pod network namespace and serves the welcome page to the node', async () => {
    const t0 = Date.now();
    sandboxId = await rt.runPodSandbox(sbConfig);
    const [sb] = await rt.listPodSandboxes({ podUid: uid });
    expect(sb?.state).toBe('ready');
    podIp = sb?.ip ?? '';
    expect(podIp).toMatch(/^10\.244\.77\.\d+$/);
    const id = await rt.createContainer(sandboxId, config('web', nginx, nginx.config.cmd ?? []), sbConfig);
    await rt.startContainer(id);
    const took = Date.now() - t0;
    const [c] = await rt.listContainers({ podUid: uid });
    expect(c).toMatchObject({ id, state: 'running', name: 'web', image: 'docker.io/library/nginx:latest' });
    const get = `require('node:http').get('http://${podIp}/',r=>{let b='';r.on('data',d=>b+=d);r.on('end',()=>{console.log(b);process.exit(0)})}).on('error',e=>{console.error(e.message);process.exit(1)})`;
    let page = '';
    for (let i = 0; i < 50 && !page.includes('Welcome'); i++) {
      page = await sh(['nsenter', `--net=/run/netns/${nodeNs}`, process.execPath, '-e', get]).catch(() => '');
      if (!page.includes('Welcome')) await new Promise((r) => setTimeout(r, 100));
    }
    expect(page).toContain('Welcome to nginx!');
    console.log(`sandbox + nginx container started in ${took} ms`);
  }, 60_000);

  it('execs in the container with its hostname, env and exit code', async () => {
    const [c] = await rt.listContainers({ podUid: uid });
    const out = collect();
    const code = await rt.exec(c?.id ?? '', ['sh', '-c', 'cat /etc/hostname; echo $GREETING; id -u; exit 7'], { stdout: out.stream, tty: false });
    expect(code).toBe(7);
    expect(out.text().split('\n').slice(0, 3)).toEqual(['web', 'hello', '0']);
    const resolv = collect();
    await rt.exec(c?.id ?? '', ['cat', '/etc/resolv.conf'], { stdout: resolv.stream, tty: false });
    expect(resolv.text()).toContain('nameserver 10.96.0.10');
    expect(resolv.text()).toContain('search default.svc.cluster.local svc.cluster.local cluster.local');
  });

  it('port-forwards to port 80 inside the pod namespace', async () => {
    const req = new PassThrough();
    const res = new PassThrough();
    let body = '';
    res.on('data', (d: Buffer) => (body += d.toString()));
    const done = rt.portForward(sandboxId, 80, Duplex.from({ readable: req, writable: res }));
    req.end('GET / HTTP/1.0\r\nHost: x\r\n\r\n');
    await done;
    expect(body).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(body).toContain('Welcome to nginx!');
  });

  it('has logs with the access lines, and stats', async () => {
    const [c] = await rt.listContainers({ podUid: uid });
    const out = collect();
    await rt.logs(c?.id ?? '', { follow: false, timestamps: true }, out.stream);
    expect(out.text()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z .*"GET \/ HTTP\/1\.[01]" 200/m);
    const tail = collect();
    await rt.logs(c?.id ?? '', { follow: false, timestamps: false, tailLines: 1 }, tail.stream);
    expect(tail.text().trim().split('\n')).toHaveLength(1);
    const stats = await rt.stats();
    const s = stats.find((x) => x.containerId === c?.id);
    expect(s?.memoryWorkingSetBytes).toBeGreaterThan(0);
    expect(s?.cpuUsageCoreNanoSeconds).toBeGreaterThan(0);
  });

  it('records exit codes and output of a failing container', async () => {
    const id = await rt.createContainer(sandboxId, config('job', busybox, ['sh', '-c', 'echo out; echo err >&2; exit 3']), sbConfig);
    const died = new Promise<void>((resolve) => {
      const off = rt.subscribe((ev) => { if (ev.containerId === id && ev.type === 'ContainerDied') { off(); resolve(); } });
    });
    await rt.startContainer(id);
    await died;
    const c = (await rt.listContainers({ podUid: uid })).find((x) => x.id === id);
    expect(c).toMatchObject({ state: 'exited', exitCode: 3, reason: 'Error' });
    expect(c?.finishedAt).toBeGreaterThanOrEqual(c?.startedAt ?? Infinity);
    const out = collect();
    await rt.logs(id, { follow: true, timestamps: false }, out.stream);
    expect(out.text().split('\n').sort()).toEqual(['', 'err', 'out']);
  });

  it('fails to start a container whose command does not exist, with runc\'s reason', async () => {
    const id = await rt.createContainer(sandboxId, config('bad', busybox, ['/no/such/binary']), sbConfig);
    await expect(rt.startContainer(id)).rejects.toThrow(/no such file or directory/);
    await rt.removeContainer(id);
  });

  it('is adopted by a new runtime instance (kubelet restart) and stopped with the image stop signal', async () => {
    const sleeper = await rt.createContainer(sandboxId, config('sleeper', busybox, ['sleep', '1000']), sbConfig);
    await rt.startContainer(sleeper);
    rt.close();
    rt = await open();
    const listed = await rt.listContainers({ podUid: uid });
    expect(listed.find((c) => c.id === sleeper)?.state).toBe('running');
    expect(listed.find((c) => c.name === 'job')).toMatchObject({ state: 'exited', exitCode: 3 });
    // sleep as pid 1 ignores SIGTERM: the grace period runs out and SIGKILL ends it.
    await rt.stopContainer(sleeper, 1);
    expect((await rt.listContainers({ podUid: uid })).find((c) => c.id === sleeper)).toMatchObject({ state: 'exited', exitCode: 137 });
    // nginx stops on its StopSignal (SIGQUIT) gracefully.
    const web = listed.find((c) => c.name === 'web');
    await rt.stopContainer(web?.id ?? '', 10);
    expect((await rt.listContainers({ podUid: uid })).find((c) => c.name === 'web')).toMatchObject({ state: 'exited', exitCode: 0, reason: 'Completed' });
  }, 30_000);

  it('removes the pod: namespace, mounts, bundles, runc state and cgroups are gone', async () => {
    const containers = await rt.listContainers({ podUid: uid });
    await rt.stopPodSandbox(sandboxId);
    await rt.removePodSandbox(sandboxId);
    sandboxId = '';
    expect(await rt.listPodSandboxes({ podUid: uid })).toEqual([]);
    expect(await rt.listContainers({ podUid: uid })).toEqual([]);
    expect(existsSync(`/run/netns/nk-${uid}`)).toBe(false);
    expect(existsSync(join(tmp, 'root', 'pods', uid))).toBe(false);
    for (const c of containers) expect(await isMounted(join(tmp, 'root', 'pods', uid, 'containers', `${c.name}-0`, 'rootfs'))).toBe(false);
    expect((await sh(['runc', '--root', join(tmp, 'runc'), 'list', '-q'])).trim()).toBe('');
    expect(existsSync(`/sys/fs/cgroup/memory/${cgroupParent}/pod${uid}`)).toBe(false);
  }, 30_000);
});
