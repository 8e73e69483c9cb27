/**
 * RuncRuntime runs pods as real containers with Debian's `runc`, CRI-style:
 *
 * - A sandbox is the pod's network namespace (`/run/netns/nk-<uid>`, made and wired by the
 *   {@link PodNetwork}) and the pod folder `<root>/pods/<uid>/` holding `etc-hosts`, `resolv.conf` and
 *   `hostname`. There is no pause container: containers join the namespace by path. Host-network pods
 *   share the kubelet's namespace.
 * - A container is an OCI bundle `<root>/pods/<uid>/containers/<name>-<attempt>/` (`config.json` built by
 *   `oci-spec.ts`, `rootfs/` an overlay from the image store) run by a detached shim (`shim.ts`) that
 *   writes the CRI log and `exit.json`. Cgroup: `/<cgroupParent>/pod<uid>/<container id>` (cgroupfs
 *   paths, v1 or v2 alike, as runc handles both).
 *
 * All state is files (`sandbox-<id>.json`, `container.json`, runc's `pid` file, the shim's `exit.json`),
 * so containers outlive the kubelet and a new RuncRuntime finds them in {@link RuncRuntime.open}. Exits
 * are noticed from the shim's process exit (containers started by this process) or a 2 s scan of
 * `exit.json` files (containers adopted after a restart); `runc state` is never polled.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Duplex, Writable } from 'node:stream';
import { constants as osConstants } from 'node:os';
import type { Logger } from '@nanokube/component-base';
import {
  RuntimeError,
  type ContainerConfig,
  type ContainerRuntimeStatus,
  type ContainerStats,
  type LogOptions,
  type PodNetwork,
  type PodSandboxConfig,
  type PodSandboxMetadata,
  type PodSandboxStatus,
  type RuntimeEvent,
  type RuntimeService,
  type StreamSession,
} from '../types.js';
import { normalizeImageRef } from '../simulated/images.js';
import { fileExists, writeCriLog } from './cri-log.js';
import { buildOciSpec, mergeEnv, resolveUser, resourcesOf } from './oci-spec.js';
import { formatResolvConf, hostsFile, parseResolvConf, podDns, type ClusterDns } from './pod-files.js';
import { spawnShim, type ShimExit } from './shim.js';
import { removeCgroupDir, runCommand } from './exec-util.js';

/** Container root filesystems (the image service's `prepareRootfs`). */
export interface RootfsService {
  prepareRootfs(image: string, containerDir: string): Promise<{ rootfs: string; cleanup(): Promise<void> }>;
}

/** Options of {@link RuncRuntime.open}. */
export interface RuncRuntimeOptions {
  /** The kubelet's root folder: pods live in `<rootDir>/pods/<uid>/`. */
  rootDir: string;
  /** runc's state folder (`runc --root`). */
  runcRoot: string;
  /** Cgroup under which every pod gets `pod<uid>`; default `nanokube`. */
  cgroupParent?: string;
  network: PodNetwork;
  rootfs: RootfsService;
  /** Cluster DNS servers and domain; default 10.96.0.10 and cluster.local. */
  clusterDns?: ClusterDns;
  /** The runc binary; default `runc` on PATH. */
  runc?: string;
  log?: Logger;
  /** How often adopted containers are checked for exits; default 2000 ms. */
  exitScanMs?: number;
}

interface SandboxRecord {
  id: string;
  metadata: PodSandboxMetadata;
  createdAt: number;
  state: 'ready' | 'notready';
  ip?: string;
  netnsPath?: string;
  hostNetwork: boolean;
  hostname: string;
  logDirectory: string;
}

interface ContainerRecord {
  id: string;
  sandboxId: string;
  podUid: string;
  name: string;
  attempt: number;
  createdAt: number;
  image: string;
  imageId: string;
  logPath: string;
  dir: string;
  stopSignal: string;
  memoryLimited: boolean;
  shimPid?: number;
}

interface Live {
  rec: ContainerRecord;
  exit?: ShimExit;
  startedAt?: number;
  /** Set while this process's shim child runs. */
  watched?: boolean;
  cleanup?: () => Promise<void>;
}

/** The runtime version runc nodes report: `containerRuntimeVersion: runc://<version>`. */
export async function runcVersion(runc = 'runc'): Promise<string> {
  const { stdout } = await runCommand(runc, ['--version']);
  return /runc version (\S+)/.exec(stdout)?.[1] ?? 'unknown';
}

function newId(): string {
  return randomBytes(32).toString('hex');
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

async function writeJson(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, JSON.stringify(value));
  await rename(tmp, path);
}

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** RuncRuntime implements RuntimeService with runc; see the module comment. */
export class RuncRuntime implements RuntimeService {
  private readonly sandboxes = new Map<string, SandboxRecord>();
  private readonly containers = new Map<string, Live>();
  private readonly listeners = new Set<(ev: RuntimeEvent) => void>();
  private readonly runc: string;
  private readonly cgroupParent: string;
  private readonly dns: ClusterDns;
  private scanTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly opts: RuncRuntimeOptions,
    private readonly runtimeVersion: string,
  ) {
    this.runc = opts.runc ?? 'runc';
    this.cgroupParent = (opts.cgroupParent ?? 'nanokube').replace(/^\/+|\/+$/g, '');
    this.dns = opts.clusterDns ?? { servers: ['10.96.0.10'], domain: 'cluster.local' };
  }

  /** open checks runc, loads every sandbox and container left on disk, and starts the exit scan. */
  static async open(opts: RuncRuntimeOptions): Promise<RuncRuntime> {
    const version = await runcVersion(opts.runc).catch((err: unknown) => {
      throw new RuntimeError('MK_ERR_RUNTIME_FAILED', `runc is not usable: ${(err as Error).message}`, { cause: err });
    });
    await mkdir(join(opts.rootDir, 'pods'), { recursive: true });
    await mkdir(opts.runcRoot, { recursive: true });
    const rt = new RuncRuntime(opts, version);
    await rt.load();
    rt.scanTimer = setInterval(() => void rt.scanExits(), opts.exitScanMs ?? 2_000);
    rt.scanTimer.unref();
    return rt;
  }

  /** close stops the exit scan; containers keep running. */
  close(): void {
    if (this.scanTimer) clearInterval(this.scanTimer);
  }

  private podDir(uid: string): string {
    return join(this.opts.rootDir, 'pods', uid);
  }

  private async load(): Promise<void> {
    const uids = await readdir(join(this.opts.rootDir, 'pods')).catch(() => [] as string[]);
    for (const uid of uids) {
      const dir = this.podDir(uid);
      for (const f of await readdir(dir).catch(() => [] as string[])) {
        if (!/^sandbox-[0-9a-f]+\.json$/.test(f)) continue;
        const sb = await readJson<SandboxRecord>(join(dir, f));
        if (sb) this.sandboxes.set(sb.id, sb);
      }
      for (const c of await readdir(join(dir, 'containers')).catch(() => [] as string[])) {
        const rec = await readJson<ContainerRecord>(join(dir, 'containers', c, 'container.json'));
        if (rec) this.containers.set(rec.id, { rec });
      }
    }
    for (const live of this.containers.values()) await this.refresh(live);
    this.opts.log?.info({ sandboxes: this.sandboxes.size, containers: this.containers.size }, 'Loaded runc runtime state');
  }

  version(): { runtimeName: string; runtimeVersion: string } {
    return { runtimeName: 'runc', runtimeVersion: this.runtimeVersion };
  }

  status(): { runtimeReady: boolean; networkReady: boolean; message?: string } {
    const net = this.opts.network.status();
    return { runtimeReady: true, networkReady: net.ready, ...(net.message ? { message: net.message } : {}) };
  }

  async updateRuntimeConfig(opts: { podCIDR: string }): Promise<void> {
    await this.opts.network.configure(opts);
  }

  // -------------------------------------------------------------------------------------------------
  // Sandboxes

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    const id = newId();
    const uid = config.metadata.uid;
    const dir = this.podDir(uid);
    await mkdir(join(dir, 'containers'), { recursive: true });
    await mkdir(config.logDirectory, { recursive: true });
    const rec: SandboxRecord = {
      id,
      metadata: config.metadata,
      createdAt: Date.now(),
      state: 'ready',
      hostNetwork: config.hostNetwork,
      hostname: config.hostname,
      logDirectory: config.logDirectory,
    };
    // Recorded before the network is wired, so a failure half-way is still torn down by stop/remove.
    await writeJson(join(dir, `sandbox-${id}.json`), rec);
    this.sandboxes.set(id, rec);
    if (!config.hostNetwork) {
      const res = (await this.opts.network.setUp({ ...config.metadata, netnsPath: '' })) as { ip: string; netnsPath?: string };
      rec.ip = res.ip;
      rec.netnsPath = res.netnsPath ?? `/run/netns/nk-${uid}`;
    }
    const hostResolv = parseResolvConf(await readFile('/etc/resolv.conf', 'utf8').catch(() => ''));
    const hosts = config.hostNetwork ? await readFile('/etc/hosts', 'utf8').catch(() => '') : hostsFile(config.pod, rec.ip, config.hostname, this.dns.domain);
    await writeFile(join(dir, 'etc-hosts'), hosts);
    await writeFile(join(dir, 'resolv.conf'), formatResolvConf(podDns(config.pod, this.dns, hostResolv)));
    await writeFile(join(dir, 'hostname'), `${config.hostname}\n`);
    await writeJson(join(dir, `sandbox-${id}.json`), rec);
    return id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    await Promise.all([...this.containers.values()].filter((c) => c.rec.sandboxId === id).map((c) => this.stopContainer(c.rec.id, 0)));
    if (sb.state === 'ready') {
      if (!sb.hostNetwork) await this.opts.network.tearDown({ ...sb.metadata, netnsPath: '' });
      sb.state = 'notready';
      await writeJson(join(this.podDir(sb.metadata.uid), `sandbox-${id}.json`), sb);
    }
  }

  async removePodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    await this.stopPodSandbox(id);
    for (const c of [...this.containers.values()]) if (c.rec.sandboxId === id) await this.removeContainer(c.rec.id);
    const dir = this.podDir(sb.metadata.uid);
    await rm(join(dir, `sandbox-${id}.json`), { force: true });
    this.sandboxes.delete(id);
    if (![...this.sandboxes.values()].some((s) => s.metadata.uid === sb.metadata.uid)) {
      await rm(dir, { recursive: true, force: true });
      await rm(sb.logDirectory, { recursive: true, force: true });
      await removeCgroupDir(`${this.cgroupParent}/pod${sb.metadata.uid}`);
    }
  }

  async listPodSandboxes(filter: { podUid?: string } = {}): Promise<PodSandboxStatus[]> {
    const out: PodSandboxStatus[] = [];
    for (const sb of this.sandboxes.values()) {
      if (filter.podUid !== undefined && sb.metadata.uid !== filter.podUid) continue;
      out.push({
        id: sb.id,
        metadata: sb.metadata,
        state: sb.state,
        createdAt: sb.createdAt,
        ...(sb.ip && sb.state === 'ready' ? { ip: sb.ip } : {}),
        ...(sb.netnsPath ? { netnsPath: sb.netnsPath } : {}),
      });
    }
    return out.sort((a, b) => b.createdAt - a.createdAt);
  }

  // -------------------------------------------------------------------------------------------------
  // Containers

  async createContainer(sandboxId: string, config: ContainerConfig, sandbox: PodSandboxConfig): Promise<string> {
    const sb = this.sandboxes.get(sandboxId);
    if (!sb) throw new RuntimeError('MK_ERR_RUNTIME_NOT_FOUND', `pod sandbox ${sandboxId} not found`);
    const id = newId();
    const podDir = this.podDir(sb.metadata.uid);
    let dir = join(podDir, 'containers', `${config.name}-${config.attempt}`);
    if (await fileExists(dir)) dir = `${dir}-${id.slice(0, 8)}`;
    await mkdir(dir, { recursive: true });
    const fail = (message: string, cause?: unknown): RuntimeError =>
      new RuntimeError('MK_ERR_RUNTIME_FAILED', message, cause === undefined ? undefined : { cause });
    const prepared = await this.opts.rootfs.prepareRootfs(config.image.id, dir).catch((err: unknown) => {
      throw fail(`failed to prepare the root filesystem of ${config.name}: ${(err as Error).message}`, err);
    });
    try {
      const etc = async (f: string) => readFile(join(prepared.rootfs, 'etc', f), 'utf8').catch(() => '');
      const sc = { ...sandbox.pod.spec?.securityContext, ...config.spec.securityContext };
      const user = resolveUser({
        ...(config.image.config.user ? { imageUser: config.image.config.user } : {}),
        ...(sc.runAsUser !== undefined ? { runAsUser: sc.runAsUser } : {}),
        ...(sc.runAsGroup !== undefined ? { runAsGroup: sc.runAsGroup } : {}),
        supplementalGroups: sandbox.pod.spec?.securityContext?.supplementalGroups ?? [],
        passwd: await etc('passwd'),
        group: await etc('group'),
      });
      const resources = resourcesOf(config.spec);
      const spec = buildOciSpec({
        argv: config.argv,
        env: mergeEnv(config.image.config.env ?? [], [{ name: 'HOSTNAME', value: sb.hostname }, ...config.env]),
        cwd: config.workingDir ?? config.image.config.workingDir ?? '/',
        user,
        spec: config.spec,
        rootfs: prepared.rootfs,
        hostname: sb.hostname,
        ...(sb.hostNetwork ? {} : { netnsPath: sb.netnsPath ?? `/run/netns/nk-${sb.metadata.uid}` }),
        podFiles: {
          hosts: join(podDir, 'etc-hosts'),
          resolvConf: join(podDir, 'resolv.conf'),
          ...(sb.hostNetwork ? {} : { hostname: join(podDir, 'hostname') }),
        },
        mounts: config.mounts,
        cgroupsPath: `/${this.cgroupParent}/pod${sb.metadata.uid}/${id}`,
        resources,
        annotations: { ...config.annotations, 'io.kubernetes.cri.container-name': config.name, 'io.kubernetes.cri.sandbox-id': sandboxId },
      });
      if (spec.process.args.length === 0) throw fail(`no command specified for container ${config.name}`);
      await writeFile(join(dir, 'config.json'), JSON.stringify(spec, null, 2));
      await mkdir(join(config.logPath, '..'), { recursive: true });
      const rec: ContainerRecord = {
        id,
        sandboxId,
        podUid: sb.metadata.uid,
        name: config.name,
        attempt: config.attempt,
        createdAt: Date.now(),
        image: normalizeImageRef(config.imageRef),
        imageId: config.image.repoDigests[0] ?? config.image.id,
        logPath: config.logPath,
        dir,
        stopSignal: config.image.config.stopSignal ?? 'SIGTERM',
        memoryLimited: resources.memoryLimit !== undefined,
      };
      await writeJson(join(dir, 'container.json'), rec);
      this.containers.set(id, { rec, cleanup: prepared.cleanup });
      return id;
    } catch (err) {
      await prepared.cleanup().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
      if (err instanceof RuntimeError) throw err;
      throw fail((err as Error).message, err);
    }
  }

  async startContainer(id: string): Promise<void> {
    const live = this.mustGet(id);
    if (live.rec.shimPid !== undefined) return;
    const { rec } = live;
    const files = this.files(rec);
    const child = spawnShim({
      runc: this.runc,
      runcRoot: this.opts.runcRoot,
      bundle: rec.dir,
      id,
      logPath: rec.logPath,
      pidFile: files.pid,
      exitFile: files.exit,
      runcLog: files.runcLog,
    });
    rec.shimPid = child.pid;
    await writeJson(join(rec.dir, 'container.json'), rec);
    live.watched = true;
    child.once('exit', () => {
      live.watched = false;
      void this.refresh(live).then(() => this.emit({ podUid: rec.podUid, containerId: id, type: 'ContainerDied' }));
    });
    // Wait until runc has written the pid file (the container process exists) or the shim has finished.
    const deadline = Date.now() + 60_000;
    for (let delay = 5; Date.now() < deadline; delay = Math.min(delay * 2, 100)) {
      if (await fileExists(files.exit)) break;
      if (await fileExists(files.pid)) break;
      await sleep(delay);
    }
    await this.refresh(live);
    if (!live.startedAt) {
      const why = await this.runcError(rec);
      throw new RuntimeError('MK_ERR_RUNTIME_FAILED', `failed to start container "${rec.name}": ${why || 'the container did not start'}`);
    }
    this.emit({ podUid: rec.podUid, containerId: id, type: 'ContainerStarted' });
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const live = this.containers.get(id);
    if (!live) return;
    await this.refresh(live);
    if (live.exit) return;
    if (!live.startedAt) {
      // Created and never started (or its start failed): nothing runs.
      if (!alive(live.rec.shimPid)) return;
    }
    if (timeoutSeconds > 0) {
      await this.kill(live, live.rec.stopSignal);
      if (await this.waitExit(live, timeoutSeconds * 1000)) return;
    }
    await this.kill(live, 'SIGKILL');
    if (!(await this.waitExit(live, 10_000))) {
      this.opts.log?.warn({ containerId: id }, 'Container did not exit after SIGKILL');
    }
  }

  async removeContainer(id: string): Promise<void> {
    const live = this.containers.get(id);
    if (!live) return;
    await this.stopContainer(id, 0);
    await runCommand(this.runc, ['--root', this.opts.runcRoot, 'delete', '--force', id]).catch(() => undefined);
    const cleanup = live.cleanup ?? (await this.opts.rootfs.prepareRootfs(live.rec.imageId, live.rec.dir).catch(() => undefined))?.cleanup;
    await cleanup?.().catch((err: unknown) => this.opts.log?.warn({ err, containerId: id }, 'Could not unmount the container root filesystem'));
    await rm(live.rec.dir, { recursive: true, force: true });
    await rm(live.rec.logPath, { force: true });
    this.containers.delete(id);
    this.emit({ podUid: live.rec.podUid, containerId: id, type: 'ContainerRemoved' });
  }

  async listContainers(filter: { podSandboxId?: string; podUid?: string } = {}): Promise<ContainerRuntimeStatus[]> {
    const out: ContainerRuntimeStatus[] = [];
    for (const live of this.containers.values()) {
      const { rec } = live;
      if (filter.podSandboxId !== undefined && rec.sandboxId !== filter.podSandboxId) continue;
      if (filter.podUid !== undefined && rec.podUid !== filter.podUid) continue;
      if (!live.exit) await this.refresh(live);
      out.push(this.statusOf(live));
    }
    return out;
  }

  private statusOf(live: Live): ContainerRuntimeStatus {
    const { rec, exit } = live;
    const started = live.startedAt ?? 0;
    const reason = exit ? (exit.exitCode === 137 && rec.memoryLimited && this.oomKilled(live) ? 'OOMKilled' : exit.exitCode === 0 ? 'Completed' : 'Error') : undefined;
    return {
      id: rec.id,
      podSandboxId: rec.sandboxId,
      name: rec.name,
      attempt: rec.attempt,
      state: exit ? 'exited' : started ? 'running' : 'created',
      createdAt: rec.createdAt,
      startedAt: started || (exit ? exit.finishedAt : 0),
      finishedAt: exit?.finishedAt ?? 0,
      exitCode: exit?.exitCode ?? 0,
      ...(reason ? { reason } : {}),
      image: rec.image,
      imageId: rec.imageId,
    };
  }

  private oomKilled(_live: Live): boolean {
    // runc removes the container's cgroup (and its OOM counters) on exit; exit 137 under a memory limit is
    // reported as OOMKilled only when the shim saw the kernel's OOM kill, which it cannot yet.
    return false;
  }

  // -------------------------------------------------------------------------------------------------
  // Streams

  async logs(containerId: string, opts: LogOptions, out: Writable): Promise<void> {
    let live = this.mustGet(containerId);
    if (opts.previous) {
      const prev = [...this.containers.values()]
        .filter((c) => c.rec.podUid === live.rec.podUid && c.rec.name === live.rec.name && c.rec.attempt < live.rec.attempt)
        .sort((a, b) => b.rec.attempt - a.rec.attempt)[0];
      if (!prev) throw new RuntimeError('MK_ERR_RUNTIME_NOT_FOUND', `previous terminated container "${live.rec.name}" not found`);
      live = prev;
    }
    const target = live;
    await writeCriLog(target.rec.logPath, opts, out, async () => {
      await this.refresh(target);
      return target.exit !== undefined || !this.containers.has(target.rec.id);
    });
  }

  async exec(containerId: string, cmd: string[], session: StreamSession): Promise<number> {
    const live = this.mustGet(containerId);
    await this.refresh(live);
    if (!live.startedAt || live.exit) throw new RuntimeError('MK_ERR_RUNTIME_FAILED', `container ${containerId} is not running`);
    const runcArgs = ['--root', this.opts.runcRoot, 'exec', ...(session.tty ? ['--tty'] : []), containerId, ...cmd];
    // TTY sessions: runc exec --tty in the foreground needs a terminal on its own stdin, which `script`
    // provides (a pty whose other side we pipe); stdout and stderr are then one stream, as with any TTY.
    const [bin, args] = session.tty
      ? ['script', ['-q', '-e', '-c', [this.runc, ...runcArgs].map(shellQuote).join(' '), '/dev/null']]
      : [this.runc, runcArgs];
    const child = spawn(bin, args as string[], { stdio: ['pipe', 'pipe', 'pipe'] });
    if (session.stdin) session.stdin.pipe(child.stdin);
    else child.stdin.end();
    if (session.stdout) child.stdout.pipe(session.stdout, { end: false });
    else child.stdout.resume();
    if (session.stderr) child.stderr.pipe(session.stderr, { end: false });
    else child.stderr.resume();
    const onAbort = () => child.kill('SIGKILL');
    session.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await new Promise<number>((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (code, sig) => resolve(code ?? 128 + (sig ? (osConstants.signals[sig] ?? 0) : 0)));
      });
    } finally {
      session.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** attach streams the container's output from now on (the shim keeps no stdin: attach is output-only). */
  async attach(containerId: string, session: StreamSession): Promise<void> {
    const live = this.mustGet(containerId);
    const out = session.stdout;
    if (!out) return;
    await writeCriLog(live.rec.logPath, { follow: true, timestamps: false, tailLines: 0, ...(session.signal ? { signal: session.signal } : {}) }, out, async () => {
      await this.refresh(live);
      return live.exit !== undefined;
    });
  }

  /**
   * portForward connects to 127.0.0.1:port inside the pod's network namespace with a tiny node proxy
   * started there by `nsenter --net` (Node cannot switch its own namespace), piping stream through it.
   */
  async portForward(sandboxId: string, port: number, stream: Duplex): Promise<void> {
    const sb = this.sandboxes.get(sandboxId);
    if (!sb || sb.state !== 'ready') throw new RuntimeError('MK_ERR_RUNTIME_NOT_FOUND', `pod sandbox ${sandboxId} is not ready`);
    const script =
      "const s=require('node:net').connect(Number(process.argv[1]),'127.0.0.1');" +
      "s.on('error',e=>{process.stderr.write(String(e.message));process.exit(1)});" +
      'process.stdin.pipe(s);s.pipe(process.stdout);';
    const node = [process.execPath, '-e', script, String(port)];
    const [bin, ...args] = sb.hostNetwork || !sb.netnsPath ? node : ['nsenter', `--net=${sb.netnsPath}`, ...node];
    const child = spawn(bin as string, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    stream.pipe(child.stdin);
    child.stdout.pipe(stream);
    stream.on('close', () => child.kill());
    const code = await new Promise<number>((resolve) => child.once('close', (c) => resolve(c ?? 1)));
    if (code !== 0) {
      throw new RuntimeError('MK_ERR_RUNTIME_FAILED', `failed to connect to localhost:${port} inside namespace "${sandboxId}": ${err.trim()}`);
    }
  }

  /** stats reads cpu and memory usage of running containers from their cgroups (v1 or v2). */
  async stats(): Promise<ContainerStats[]> {
    const out: ContainerStats[] = [];
    for (const live of this.containers.values()) {
      if (!live.startedAt || live.exit) continue;
      const path = `${this.cgroupParent}/pod${live.rec.podUid}/${live.rec.id}`;
      const u = await cgroupUsage(path);
      if (u) out.push({ containerId: live.rec.id, timestamp: Date.now(), ...u });
    }
    return out;
  }

  subscribe(listener: (ev: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // -------------------------------------------------------------------------------------------------
  // Internals

  private files(rec: ContainerRecord) {
    return { pid: join(rec.dir, 'pid'), exit: join(rec.dir, 'exit.json'), runcLog: join(rec.dir, 'runc.log') };
  }

  /** refresh reads the container's pid and exit files (once each: both are written once). */
  private async refresh(live: Live): Promise<void> {
    if (live.exit) return;
    const f = this.files(live.rec);
    if (live.startedAt === undefined) {
      const st = await stat(f.pid).catch(() => undefined);
      if (st) live.startedAt = st.mtimeMs;
    }
    const exit = await readJson<ShimExit>(f.exit);
    if (exit) {
      live.exit = exit;
      return;
    }
    // The shim is gone without a word (killed): the exit status is lost, as runc's detached one would be.
    if (live.rec.shimPid !== undefined && !live.watched && !alive(live.rec.shimPid)) {
      const pid = Number((await readFile(f.pid, 'utf8').catch(() => '')).trim());
      if (!pid || !alive(pid)) {
        live.exit = { exitCode: 255, finishedAt: Date.now() };
        await writeJson(f.exit, live.exit).catch(() => undefined);
      }
    }
  }

  /** scanExits notices the exits of containers this process did not start (adopted after a restart). */
  private async scanExits(): Promise<void> {
    for (const live of this.containers.values()) {
      if (live.exit || live.watched || live.rec.shimPid === undefined) continue;
      await this.refresh(live);
      if (live.exit) this.emit({ podUid: live.rec.podUid, containerId: live.rec.id, type: 'ContainerDied' });
    }
  }

  private async kill(live: Live, signal: string): Promise<void> {
    const sig = signal.replace(/^SIG/, '');
    try {
      await runCommand(this.runc, ['--root', this.opts.runcRoot, 'kill', live.rec.id, sig]);
    } catch {
      // Not known to runc (any more): signal the container's process directly, if it still exists.
      const pid = Number((await readFile(this.files(live.rec).pid, 'utf8').catch(() => '')).trim());
      if (pid && alive(pid)) {
        try {
          process.kill(pid, `SIG${sig}` as NodeJS.Signals);
        } catch {
          // gone meanwhile
        }
      }
    }
  }

  private async waitExit(live: Live, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
      await this.refresh(live);
      if (live.exit) return true;
      if (Date.now() >= deadline) return false;
      await sleep(delay);
    }
  }

  private async runcError(rec: ContainerRecord): Promise<string> {
    const text = await readFile(this.files(rec).runcLog, 'utf8').catch(() => '');
    const msgs: string[] = [];
    for (const line of text.split('\n')) {
      try {
        const e = JSON.parse(line) as { level?: string; msg?: string };
        if ((e.level === 'error' || e.level === 'fatal') && e.msg) msgs.push(e.msg);
      } catch {
        // not JSON
      }
    }
    return msgs.join('; ');
  }

  private emit(ev: RuntimeEvent): void {
    for (const l of this.listeners) l(ev);
  }

  private mustGet(id: string): Live {
    const c = this.containers.get(id);
    if (!c) throw new RuntimeError('MK_ERR_RUNTIME_NOT_FOUND', `container "${id}" not found`);
    return c;
  }
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./=:@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** cgroupUsage reads cumulative CPU time and the memory working set of cgroup path (v1 or v2). */
export async function cgroupUsage(path: string): Promise<{ cpuUsageCoreNanoSeconds: number; memoryWorkingSetBytes: number } | undefined> {
  const read = (p: string) => readFile(p, 'utf8').catch(() => undefined);
  const statOf = (text: string | undefined, key: string): number => Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(text ?? '')?.[1] ?? 0);
  const v1cpu = await read(`/sys/fs/cgroup/cpuacct/${path}/cpuacct.usage`);
  if (v1cpu !== undefined) {
    const usage = Number(await read(`/sys/fs/cgroup/memory/${path}/memory.usage_in_bytes`)) || 0;
    const inactive = statOf(await read(`/sys/fs/cgroup/memory/${path}/memory.stat`), 'total_inactive_file');
    return { cpuUsageCoreNanoSeconds: Number(v1cpu) || 0, memoryWorkingSetBytes: Math.max(0, usage - inactive) };
  }
  const v2 = await read(`/sys/fs/cgroup/${path}/cpu.stat`);
  if (v2 === undefined) return undefined;
  const usage = Number(await read(`/sys/fs/cgroup/${path}/memory.current`)) || 0;
  const inactive = statOf(await read(`/sys/fs/cgroup/${path}/memory.stat`), 'inactive_file');
  return { cpuUsageCoreNanoSeconds: statOf(v2, 'usage_usec') * 1000, memoryWorkingSetBytes: Math.max(0, usage - inactive) };
}
