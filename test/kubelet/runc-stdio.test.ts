/**
 * Interactive containers on the runc runtime (root, real runc, the offline busybox image): attach with
 * stdin and a TTY through the kubelet's WebSocket endpoint, after a kubelet restart (a new runtime
 * instance adopting the shim); stdinOnce closing stdin after the first attach; terminal resizes reaching
 * `stty size` for exec -t and attach -t; a memory hog OOM-killed with reason OOMKilled and exit code 137;
 * a missing hostPath bind source created as a folder. Pods live in a test network namespace.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { WebSocket } from 'ws';
import { createLogger } from '@nanokube/component-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execRunner, HostGwNetwork, LocalImageService, netnsRunner, RuncRuntime, type ContainerConfig, type ImageInfo, type PodSandboxConfig } from '@nanokube/kubelet';
import { KubeletStreaming } from '../../packages/kubelet/src/server/streaming.js';
import type { Kubelet } from '../../packages/kubelet/src/kubelet.js';
import { canUseNetns, runSuffix, sh } from '../lab/netns.js';

const imagesDir = fileURLToPath(new URL('../../.nanokube/images/', import.meta.url));
const haveImages = existsSync(join(imagesDir, 'busybox.tar'));
const haveRunc = await sh(['runc', '--version']).then(() => true, () => false);
const enabled = haveImages && haveRunc && (await canUseNetns());
const tag = `nkS${runSuffix()}`;
const nodeNs = `${tag}-node`;
const cgroupParent = `${tag}-pods`;
const log = createLogger({ component: 'test', level: 'silent', pretty: false });

function collect(): { stream: Writable; text: () => string } {
  let buf = '';
  return { stream: new Writable({ write(chunk: Buffer, _e, cb) { buf += chunk.toString(); cb(); } }), text: () => buf };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000, seen?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${seen ? `; saw ${JSON.stringify(seen())}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A WebSocket v5 client of the kubelet's /attach and /exec. */
class StreamClient {
  readonly output: string[] = [];
  readonly stderr: string[] = [];
  status = '';
  readonly closed: Promise<void>;
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (d: Buffer) => {
      if (d[0] === 1) this.output.push(d.subarray(1).toString());
      if (d[0] === 2) this.stderr.push(d.subarray(1).toString());
      if (d[0] === 3) this.status = d.subarray(1).toString();
    });
    this.closed = new Promise((r) => ws.once('close', () => r()));
  }
  static async open(port: number, path: string): Promise<StreamClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, ['v5.channel.k8s.io']);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new StreamClient(ws);
  }
  text(): string {
    return this.output.join('');
  }
  send(ch: number, body: string | Buffer): void {
    this.ws.send(Buffer.concat([Buffer.from([ch]), Buffer.from(body)]));
  }
  stdin(text: string): void {
    this.send(0, text);
  }
  resize(width: number, height: number): void {
    this.send(4, JSON.stringify({ Width: width, Height: height }));
  }
  closeStdin(): void {
    this.ws.send(Buffer.from([255, 0]));
  }
  close(): void {
    this.ws.close();
  }
}

describe.skipIf(!enabled)('runc: stdin, tty, resize, OOM and hostPath', () => {
  let tmp: string;
  let images: LocalImageService;
  let net: HostGwNetwork;
  let rt: RuncRuntime;
  let busybox: ImageInfo;
  let server: Server;
  let port = 0;
  const uid = `${tag}-0000-4000-8000-000000000051`;
  const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bb', namespace: 'default', uid }, spec: { containers: [{ name: 'sh', image: 'busybox' }] } };
  let sbConfig: PodSandboxConfig;
  let sandboxId = '';

  const config = (name: string, argv: string[], extra: Partial<ContainerConfig> = {}): ContainerConfig => ({
    name,
    attempt: 0,
    image: busybox,
    imageRef: 'busybox',
    argv,
    env: [],
    mounts: [],
    logPath: join(tmp, 'logs', name, '0.log'),
    stdin: false,
    stdinOnce: false,
    tty: false,
    labels: {},
    annotations: {},
    spec: { name, image: 'busybox' },
    ...extra,
  });

  const open = () =>
    RuncRuntime.open({ rootDir: join(tmp, 'root'), runcRoot: join(tmp, 'runc'), cgroupParent, network: net, rootfs: images, exitScanMs: 200 });

  const start = async (cfg: ContainerConfig): Promise<string> => {
    const id = await rt.createContainer(sandboxId, cfg, sbConfig);
    await rt.startContainer(id);
    return id;
  };

  const state = async (id: string) => (await rt.listContainers({ podUid: uid })).find((c) => c.id === id);

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'nk-stdio-'));
    await sh(['ip', 'netns', 'add', nodeNs]);
    await sh(['ip', '-n', nodeNs, 'link', 'set', 'lo', 'up']);
    net = new HostGwNetwork({ nodeName: 's1', stateDir: join(tmp, 'network'), runner: netnsRunner(execRunner(), nodeNs) });
    await net.configure({ podCIDR: '10.244.79.0/24' });
    images = await LocalImageService.open({ root: join(tmp, 'images') });
    await images.importArchive(join(imagesDir, 'busybox.tar'));
    busybox = (await images.status('busybox:latest')) as ImageInfo;
    rt = await open();
    sbConfig = { metadata: { name: 'bb', namespace: 'default', uid, attempt: 0 }, hostname: 'bb', logDirectory: join(tmp, 'logs'), hostNetwork: false, labels: {}, annotations: {}, pod };
    sandboxId = await rt.runPodSandbox(sbConfig);
    // The kubelet's streaming endpoints over plain HTTP, on whatever runtime instance is current.
    const kubelet = { findPod: () => pod, get runtime() { return rt; } } as unknown as Kubelet;
    const streaming = new KubeletStreaming(kubelet, log);
    server = createServer((_req, res) => res.writeHead(404).end());
    server.on('upgrade', (req, socket, head) => streaming.handleUpgrade(req, socket, head));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  }, 60_000);

  afterAll(async () => {
    server?.close();
    if (rt && sandboxId) await rt.removePodSandbox(sandboxId).catch(() => undefined);
    rt?.close();
    await net?.removeNode().catch(() => undefined);
    await sh(['ip', 'netns', 'del', nodeNs]).catch(() => undefined);
    await images?.close();
    for (const h of await readdir('/sys/fs/cgroup').catch(() => [] as string[])) await sh(['rmdir', join('/sys/fs/cgroup', h, cgroupParent)]).catch(() => undefined);
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }, 60_000);

  it('attaches stdin and a TTY to `sh` after a kubelet restart; stdinOnce closes stdin when the attach ends', async () => {
    const id = await start(config('sh', ['sh'], { stdin: true, stdinOnce: true, tty: true }));
    // A kubelet restart: the shim keeps the container's stdin; a new runtime instance attaches to it.
    rt.close();
    rt = await open();
    expect((await state(id))?.state).toBe('running');
    const c = await StreamClient.open(port, '/attach/default/bb/sh?stdin=true&stdout=true&tty=true');
    c.resize(91, 27);
    c.stdin('\n');
    await until('a prompt', () => c.text().includes('# '), 15_000, () => c.text());
    c.stdin('echo h""i; stty size; tty\n');
    await until('the output', () => /\r\nhi\r\n27 91\r\n\/dev\/pts\/0/.test(c.text()), 15_000, () => c.text());
    c.resize(120, 40);
    await new Promise((r) => setTimeout(r, 300));
    c.stdin('stty size\n');
    await until('the new size', () => c.text().includes('40 120'));
    // The client goes away: stdinOnce closes the container's stdin, and sh ends on the end of its input.
    c.close();
    await c.closed;
    await until('sh to exit', async () => (await state(id))?.state === 'exited');
    expect(await state(id)).toMatchObject({ exitCode: 0, reason: 'Completed' });
    const logs = collect();
    await rt.logs(id, { follow: false, timestamps: false }, logs.stream);
    expect(logs.text()).toContain('hi\r\n');
    await rt.removeContainer(id);
  });

  it('keeps stdin open across attaches without stdinOnce, and ends the session at the end of the client input', async () => {
    const id = await start(config('cat', ['sh', '-c', 'while read l; do echo "got $l"; done; echo eof'], { stdin: true }));
    const first = await StreamClient.open(port, '/attach/default/bb/cat?stdin=true&stdout=true&stderr=true');
    first.stdin('one\n');
    await until('one', () => first.text().includes('got one\n'));
    first.closeStdin();
    await first.closed;
    expect(JSON.parse(first.status)).toMatchObject({ status: 'Success' });
    const second = await StreamClient.open(port, '/attach/default/bb/cat?stdin=true&stdout=true&stderr=true');
    second.stdin('two\n');
    await until('two', () => second.text().includes('got two\n'));
    expect(second.text()).not.toContain('eof');
    second.close();
    await second.closed;
    expect((await state(id))?.state).toBe('running');
    await rt.stopContainer(id, 0);
    await rt.removeContainer(id);
  });

  it('closes a stdinOnce container\'s stdin (no TTY) at the end of the client input and streams the output to the end', async () => {
    const id = await start(config('once', ['sh', '-c', 'cat; echo after-eof'], { stdin: true, stdinOnce: true }));
    const c = await StreamClient.open(port, '/attach/default/bb/once?stdin=true&stdout=true&stderr=true');
    c.stdin('line\n');
    c.closeStdin();
    await c.closed;
    expect(c.text()).toBe('line\nafter-eof\n');
    expect(await state(id)).toMatchObject({ state: 'exited', exitCode: 0 });
    await rt.removeContainer(id);
  });

  it('resizes the TTY of exec -t: `stty size` prints the new rows and columns', async () => {
    const id = await start(config('sleeper', ['sleep', '1000']));
    const q = new URLSearchParams([['command', 'sh'], ['command', '-c'], ['command', 'stty size; sleep 1; stty size'], ['stdin', 'true'], ['stdout', 'true'], ['tty', 'true']]);
    const c = await StreamClient.open(port, `/exec/default/bb/sleeper?${q}`);
    c.resize(100, 30);
    await until('the first size', () => c.text().includes('30 100'));
    c.resize(132, 43);
    await c.closed;
    expect(c.text()).toMatch(/30 100\r\n43 132\r\n/);
    await rt.stopContainer(id, 0);
    await rt.removeContainer(id);
  });

  it('keeps an exec -t session running when the client closes its input at once (kubectl exec -it < /dev/null)', async () => {
    const id = await start(config('sleeper2', ['sleep', '1000']));
    const q = new URLSearchParams([['command', 'sh'], ['command', '-c'], ['command', 'sleep 0.5; stty size'], ['stdin', 'true'], ['stdout', 'true'], ['tty', 'true']]);
    const c = await StreamClient.open(port, `/exec/default/bb/sleeper2?${q}`);
    c.resize(101, 41);
    c.closeStdin();
    await c.closed;
    expect(c.text()).toBe('41 101\r\n');
    expect(JSON.parse(c.status)).toMatchObject({ status: 'Success' });
    await rt.stopContainer(id, 0);
    await rt.removeContainer(id);
  });

  it('reports a container killed for exceeding its memory limit as OOMKilled with exit code 137', async () => {
    const id = await start(
      config('hog', ['sh', '-c', 'exec tail /dev/zero'], { spec: { name: 'hog', image: 'busybox', resources: { limits: { memory: '16Mi' } } } }),
    );
    await until('the OOM kill', async () => (await state(id))?.state === 'exited', 30_000);
    expect(await state(id)).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
    // A restarted kubelet reads it again from the container's cgroup.
    rt.close();
    rt = await open();
    expect(await state(id)).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
    await rt.removeContainer(id);
    expect(existsSync(`/sys/fs/cgroup/memory/${cgroupParent}/pod${uid}/${id}`)).toBe(false);
  });

  it('creates a missing hostPath bind source as a 0755 folder, as containerd does', async () => {
    const hostDir = join(tmp, 'host', 'made', 'here');
    const id = await start(config('hp', ['sh', '-c', 'echo x > /data/f; sleep 1000'], { mounts: [{ containerPath: '/data', hostPath: hostDir, readOnly: false }] }));
    await until('the file', () => existsSync(join(hostDir, 'f')));
    expect((await stat(hostDir)).mode & 0o7777).toBe(0o755);
    await rt.stopContainer(id, 0);
    await rt.removeContainer(id);
  });

  it('attach without stdin streams output only (stdout and stderr apart)', async () => {
    const id = await start(config('talk', ['sh', '-c', 'sleep 1; echo out; echo err >&2; sleep 1000']));
    const c = await StreamClient.open(port, '/attach/default/bb/talk?stdout=true&stderr=true');
    await until('both streams', () => c.text() === 'out\n' && c.stderr.join('') === 'err\n');
    c.close();
    await c.closed;
    await rt.stopContainer(id, 0);
    await rt.removeContainer(id);
  });
});
