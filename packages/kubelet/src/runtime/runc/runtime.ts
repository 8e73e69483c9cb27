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
 *   paths, v1 or v2 alike, as runc handles both). The shim runs `runc run --keep`, so an exited
 *   container's cgroup stays until removeContainer (`runc delete`): its OOM kill count (memory.oom_control
 *   on v1, memory.events on v2; neither survives the cgroup) makes the reason `OOMKilled`.
 * - `stdin: true` containers get two FIFOs in their folder, `stdin` and `control`, held open by the shim:
 *   attach writes the client's input to `stdin` (also after a kubelet restart) and stdinOnce closes it
 *   through `control`. `tty: true` containers run under `script` (see tty.ts for resizing).
 *
 * All state is files (`sandbox-<id>.json`, `container.json`, runc's `pid` file, the shim's `exit.json`),
 * so containers outlive the kubelet and a new RuncRuntime finds them in {@link RuncRuntime.open}. Exits
 * are noticed from the shim's process exit (containers started by this process) or a 2 s scan of
 * `exit.json` files (containers adopted after a restart); `runc state` is never polled.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, open as openFd } from 'node:fs';
import { chmod, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { join } from 'node:path';
import type { Duplex, Readable, Writable } from 'node:stream';
import { constants as osConstants } from 'node:os';
import type { Logger } from '@nanokube/component-base';
import {
  RuntimeError,
  type ContainerConfig,
  type ContainerRuntimeStatus,
  type ContainerStats,
  type LogOptions,
  type Mount,
  type PodNetwork,
  type PodSandboxConfig,
  type PodSandboxMetadata,
  type PodSandboxStatus,
  type RuntimeEvent,
  type RuntimeService,
  type StreamSession,
} from '../types.js';
import { normalizeImageRef } from '../simulated/images.js';
import { fileExists, followCriLogRaw, writeCriLog } from './cri-log.js';
import { buildOciSpec, mergeEnv, resolveUser, resourcesOf } from './oci-spec.js';
import { formatResolvConf, hostsFile, parseResolvConf, podDns, type ClusterDns } from './pod-files.js';
import { closeStdinMessage, spawnShim, type ShimExit } from './shim.js';
import { removeCgroupDir, runCommand } from './exec-util.js';
import { firstSize, followResizes } from './tty.js';

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
  /** stdin, stdinOnce and tty of the container spec (absent in records of older kubelets: false). */
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  /**
   * Set when the shim runs `runc run --keep`: runc then leaves the container (and its cgroup, with the
   * kernel's OOM kill count) in place after it exits, until `runc delete` in removeContainer. Absent in
   * records of older kubelets, whose runc removed the cgroup at exit.
   */
  keep?: boolean;
}

interface Live {
  rec: ContainerRecord;
  exit?: ShimExit;
  startedAt?: number;
  /** Set while this process's shim child runs. */
  watched?: boolean;
  /** Read once the container has exited: the kernel OOM-killed a process of it. */
  oomKilled?: boolean;
  /** The container's stdin was closed for good (stdinOnce after its first attach). */
  stdinClosed?: boolean;
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
      await ensureMountSources(config.mounts);
      // containerd sets TERM for containers with a terminal.
      const termEnv = config.tty ? [{ name: 'TERM', value: 'xterm' }] : [];
      const spec = buildOciSpec({
        argv: config.argv,
        env: mergeEnv(config.image.config.env ?? [], [{ name: 'HOSTNAME', value: sb.hostname }, ...termEnv, ...config.env]),
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
        terminal: config.tty,
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
        stdin: config.stdin,
        stdinOnce: config.stdinOnce,
        tty: config.tty,
        keep: true,
      };
      if (config.stdin) {
        await runCommand('mkfifo', ['-m', '600', join(dir, 'stdin'), join(dir, 'control')]);
      }
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
      ...(rec.stdin ? { stdinPath: files.stdin, controlPath: files.control } : {}),
      ...(rec.tty ? { tty: true } : {}),
      ...(rec.keep ? { keep: true } : {}),
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
    await removeCgroupDir(this.cgroupOf(live.rec));
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
    // As containerd: an OOM kill in the container's cgroup makes the reason OOMKilled whatever the exit code.
    const reason = exit ? (live.oomKilled ? 'OOMKilled' : exit.exitCode === 0 ? 'Completed' : 'Error') : undefined;
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
    // Resizes set the size of script's pty; runc passes it on to the container's (see tty.ts). The first
    // size (kubectl sends it at once) is set before runc starts, so the command starts at the right size.
    const sizes = session.tty && session.resize ? await firstSize(session.resize, 1_000) : undefined;
    const initial = sizes?.size && sizes.size.width > 0 && sizes.size.height > 0 ? `stty rows ${Math.floor(sizes.size.height)} cols ${Math.floor(sizes.size.width)} 2>/dev/null; ` : '';
    const [bin, args] = session.tty
      ? ['script', ['-q', '-e', '-c', `${initial}exec ${[this.runc, ...runcArgs].map(shellQuote).join(' ')}`, '/dev/null']]
      : [this.runc, runcArgs];
    const child = spawn(bin, args as string[], { stdio: ['pipe', 'pipe', 'pipe'] });
    if (sizes) void followResizes(sizes.rest, () => child.pid).catch(() => undefined);
    // With a TTY the end of the client's input is not passed on (as containerd's shim, which only closes
    // its FIFO): `script` would turn it into an end-of-file character typed into the terminal.
    if (session.stdin) session.stdin.pipe(child.stdin, { end: !session.tty });
    else if (!session.tty) child.stdin.end();
    child.stdin.on('error', () => undefined);
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

  /**
   * attach streams the container's output from now on (what the shim logs, pieces included, so prompts
   * show) and, for `stdin: true` containers, writes the client's stdin to the container's stdin FIFO. As
   * containerd: when the client's stdin ends, a stdinOnce container's stdin is closed and the output keeps
   * flowing until the container ends; otherwise the session ends and the container's stdin stays open.
   * A stdinOnce container's stdin is closed after the first attach that used it, however it ends.
   * Terminal resizes of a `tty: true` container go to the pty of its shim's `script`.
   */
  async attach(containerId: string, session: StreamSession): Promise<void> {
    const live = this.mustGet(containerId);
    const { rec } = live;
    await this.refresh(live);
    if (live.exit) return;
    // Output from now on: taken before any input reaches the container, so no reply to it is missed.
    const from = (await stat(rec.logPath).catch(() => undefined))?.size ?? 0;
    const detach = new AbortController();
    const onAbort = (): void => detach.abort();
    if (session.signal?.aborted) detach.abort();
    session.signal?.addEventListener('abort', onAbort, { once: true });
    if (live.stdinClosed === undefined) live.stdinClosed = await fileExists(this.files(rec).stdinClosed);
    const useStdin = session.stdin !== undefined && rec.stdin === true && !live.stdinClosed;
    if (session.stdin && !useStdin) session.stdin.resume();
    if (session.stdin && useStdin) {
      await this.attachStdin(live, session.stdin, detach.signal, () => {
        if (rec.stdinOnce) void this.closeStdin(live);
        else detach.abort();
      });
    }
    if (session.resize && rec.tty) void followResizes(session.resize, () => rec.shimPid).catch(() => undefined);
    const write = (stream: 'stdout' | 'stderr', text: string): void => {
      const out = stream === 'stderr' && !rec.tty ? session.stderr : session.stdout;
      out?.write(text);
    };
    try {
      await followCriLogRaw(rec.logPath, from, write, async () => {
        await this.refresh(live);
        return live.exit !== undefined;
      }, detach.signal);
    } finally {
      session.signal?.removeEventListener('abort', onAbort);
      detach.abort();
      if (useStdin && rec.stdinOnce) await this.closeStdin(live);
    }
  }

  /** attachStdin copies input to the container's stdin FIFO until signal aborts; onEnd runs at input's end. */
  private async attachStdin(live: Live, input: Readable, signal: AbortSignal, onEnd: () => void): Promise<void> {
    // A raw descriptor (not a FileHandle, which would close it when collected): the socket owns it.
    const fd = await new Promise<number | undefined>((resolve) =>
      openFd(this.files(live.rec).stdin, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK, (err, n) => resolve(err ? undefined : n)),
    );
    if (fd === undefined) {
      // No shim holds the FIFO (the container is ending): the input goes nowhere.
      input.resume();
      return;
    }
    const fifo = new Socket({ fd, readable: false, writable: true });
    fifo.on('error', () => input.unpipe(fifo));
    input.pipe(fifo, { end: false });
    const onInputEnd = (): void => {
      if (!signal.aborted) onEnd();
    };
    input.once('end', onInputEnd);
    const stop = (): void => {
      input.off('end', onInputEnd);
      input.unpipe(fifo);
      input.resume();
      fifo.end();
    };
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  }

  /** closeStdin ends the container's stdin for good (the shim's control FIFO) and remembers it on disk. */
  private async closeStdin(live: Live): Promise<void> {
    if (live.stdinClosed) return;
    live.stdinClosed = true;
    const files = this.files(live.rec);
    await writeFile(files.stdinClosed, '').catch(() => undefined);
    const fh = await open(files.control, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK).catch(() => undefined);
    if (!fh) return;
    try {
      await fh.write(closeStdinMessage);
    } catch {
      // The shim is gone: its container's stdin went with it.
    } finally {
      await fh.close();
    }
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
      const u = await cgroupUsage(this.cgroupOf(live.rec));
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
    return {
      pid: join(rec.dir, 'pid'),
      exit: join(rec.dir, 'exit.json'),
      runcLog: join(rec.dir, 'runc.log'),
      stdin: join(rec.dir, 'stdin'),
      control: join(rec.dir, 'control'),
      stdinClosed: join(rec.dir, 'stdin-closed'),
    };
  }

  /** cgroupOf is the container's cgroup (relative to the hierarchy roots). */
  private cgroupOf(rec: ContainerRecord): string {
    return `${this.cgroupParent}/pod${rec.podUid}/${rec.id}`;
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
      live.oomKilled = live.rec.keep ? (await cgroupOomKills(this.cgroupOf(live.rec))) > 0 : false;
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

/**
 * cgroupOomKills reads how many processes the kernel OOM-killed in cgroup path: `oom_kill` of
 * memory.oom_control (v1) or memory.events (v2); 0 when the cgroup is gone.
 */
export async function cgroupOomKills(path: string): Promise<number> {
  const count = (text: string | undefined): number => Number(/^oom_kill (\d+)$/m.exec(text ?? '')?.[1] ?? 0);
  const v1 = await readFile(`/sys/fs/cgroup/memory/${path}/memory.oom_control`, 'utf8').catch(() => undefined);
  if (v1 !== undefined) return count(v1);
  return count(await readFile(`/sys/fs/cgroup/${path}/memory.events`, 'utf8').catch(() => undefined));
}

/**
 * ensureMountSources creates the missing host paths of bind mounts as folders (0755), as containerd does
 * for every bind source: a hostPath volume of type "" that names nothing yet becomes an empty folder.
 */
export async function ensureMountSources(mounts: readonly Mount[]): Promise<void> {
  for (const m of mounts) {
    if (await fileExists(m.hostPath)) continue;
    const first = await mkdir(m.hostPath, { recursive: true, mode: 0o755 });
    // Folders made here get 0755 whatever the kubelet's umask.
    if (first) {
      let dir = m.hostPath;
      for (;;) {
        await chmod(dir, 0o755);
        if (dir === first) break;
        dir = join(dir, '..');
      }
    }
  }
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
