/**
 * The `simulated` container runtime (as kwok does it): sandboxes and containers are records in memory,
 * nothing runs. Containers of pods whose restartPolicy is not Always "exit 0" after the job duration;
 * init containers exit 0 at once; everything else runs until stopped. Pod IPs come from the
 * {@link SimulatedPodNetwork}. State lives in memory only; after a kubelet restart `adoptPod` rebuilds it
 * from the status the kubelet reported before, so running pods keep their IP, start time and counts.
 */
import { randomBytes } from 'node:crypto';
import type { Duplex, Writable } from 'node:stream';
import type { ContainerStatus, Pod } from 'kubernetes-types/core/v1.js';
import { tryParseQuantity, toNumber } from '@nanokube/api';
import { realClock, type Clock } from '@nanokube/client';
import {
  RuntimeError,
  type ContainerConfig,
  type ContainerRuntimeStatus,
  type ContainerStats,
  type LogOptions,
  type PodSandboxConfig,
  type PodSandboxStatus,
  type RuntimeEvent,
  type RuntimeService,
  type StreamSession,
} from '../types.js';
import { runSimulatedCommand, simulatedAttach, simulatedPortForward } from './exec.js';
import { normalizeImageRef } from './images.js';
import type { SimulatedPodNetwork } from './network.js';

/** The runtime version simulated nodes report: `containerRuntimeVersion: simulated://0.1.0`. */
export const simulatedRuntimeVersion = { runtimeName: 'simulated', runtimeVersion: '0.1.0' };

/** Pod annotation setting the CPU each container of a simulated pod uses (a quantity, e.g. `250m`). */
export const simulatedCpuUsageAnnotation = 'simulated.nanokube.io/cpu-usage';
/** Pod annotation setting the memory working set of each container of a simulated pod (e.g. `64Mi`). */
export const simulatedMemoryUsageAnnotation = 'simulated.nanokube.io/memory-usage';

/** Usage of a simulated container without annotations: an idle process. */
const defaultNanoCores = 1_000_000;
const defaultMemoryBytes = 4 << 20;
/** What a simulated node's system (kubelet, runtime, kernel) uses besides containers. */
const systemNanoCores = 40_000_000;
const systemMemoryBytes = 320 << 20;

/** simulatedUsage reads a pod's usage annotations (per container); bad or missing values use the defaults. */
export function simulatedUsage(pod: Pod | undefined): { nanoCores: number; memoryBytes: number } {
  const a = pod?.metadata?.annotations ?? {};
  const cpu = tryParseQuantity(a[simulatedCpuUsageAnnotation] ?? '');
  const mem = tryParseQuantity(a[simulatedMemoryUsageAnnotation] ?? '');
  return {
    nanoCores: cpu && toNumber(cpu) >= 0 ? Math.round(toNumber(cpu) * 1e9) : defaultNanoCores,
    memoryBytes: mem && toNumber(mem) >= 0 ? Math.round(toNumber(mem)) : defaultMemoryBytes,
  };
}

interface Sandbox {
  status: PodSandboxStatus;
  pod: Pod;
}

interface SimContainer {
  status: ContainerRuntimeStatus;
  podUid: string;
  init: boolean;
  timer?: { cancel(): void };
  /** CPU time used up to `cpuAt` (the rate can change, so usage is integrated). */
  cpuNanoSeconds: number;
  cpuAt: number;
}

/** Options of {@link SimulatedRuntime}. */
export interface SimulatedRuntimeOptions {
  network: SimulatedPodNetwork;
  /** How long a container of a Job-like pod (restartPolicy Never/OnFailure) runs before exiting 0. */
  jobDurationMs: number;
  clock?: Clock;
}

function newId(): string {
  return randomBytes(32).toString('hex');
}

/** SimulatedRuntime implements RuntimeService without running anything. */
export class SimulatedRuntime implements RuntimeService {
  private readonly sandboxes = new Map<string, Sandbox>();
  private readonly containers = new Map<string, SimContainer>();
  private readonly listeners = new Set<(ev: RuntimeEvent) => void>();
  private readonly clock: Clock;

  private readonly bootedAt: number;

  constructor(private readonly opts: SimulatedRuntimeOptions) {
    this.clock = opts.clock ?? realClock;
    this.bootedAt = this.clock.now();
  }

  /** systemUsage is a steady 40m CPU and 320 MiB for the node itself, so idle nodes do not show zero. */
  systemUsage(): { timestamp: number; cpuUsageCoreNanoSeconds: number; usageNanoCores: number; memoryWorkingSetBytes: number } {
    const now = this.clock.now();
    return { timestamp: now, cpuUsageCoreNanoSeconds: Math.round(((now - this.bootedAt) / 1000) * systemNanoCores), usageNanoCores: systemNanoCores, memoryWorkingSetBytes: systemMemoryBytes };
  }

  version(): { runtimeName: string; runtimeVersion: string } {
    return simulatedRuntimeVersion;
  }

  status(): { runtimeReady: boolean; networkReady: boolean; message?: string } {
    const net = this.opts.network.status();
    return { runtimeReady: true, networkReady: net.ready, ...(net.message ? { message: net.message } : {}) };
  }

  async updateRuntimeConfig(opts: { podCIDR: string }): Promise<void> {
    await this.opts.network.configure(opts);
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    const id = newId();
    const { ip } = config.hostNetwork
      ? { ip: undefined }
      : await this.opts.network.setUp({ ...config.metadata, netnsPath: '' });
    const status: PodSandboxStatus = { id, metadata: config.metadata, state: 'ready', createdAt: this.clock.now(), ...(ip ? { ip } : {}) };
    this.sandboxes.set(id, { status, pod: config.pod });
    return id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    for (const c of this.containers.values()) if (c.status.podSandboxId === id) this.exit(c, 0, 'Completed', false);
    if (sb.status.state === 'ready') {
      sb.status.state = 'notready';
      await this.opts.network.tearDown({ ...sb.status.metadata, netnsPath: '' });
    }
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.stopPodSandbox(id);
    for (const [cid, c] of this.containers) if (c.status.podSandboxId === id) this.containers.delete(cid);
    this.sandboxes.delete(id);
  }

  async listPodSandboxes(filter: { podUid?: string } = {}): Promise<PodSandboxStatus[]> {
    const out: PodSandboxStatus[] = [];
    for (const sb of this.sandboxes.values()) {
      if (filter.podUid === undefined || sb.status.metadata.uid === filter.podUid) out.push({ ...sb.status });
    }
    return out.sort((a, b) => b.createdAt - a.createdAt);
  }

  async createContainer(sandboxId: string, config: ContainerConfig, sandbox: PodSandboxConfig): Promise<string> {
    if (!this.sandboxes.has(sandboxId)) throw new RuntimeError('MK_ERR_RUNTIME_NOT_FOUND', `pod sandbox ${sandboxId} not found`);
    const id = newId();
    const init = (sandbox.pod.spec?.initContainers ?? []).some((c) => c.name === config.name && c.restartPolicy !== 'Always');
    this.containers.set(id, {
      podUid: sandbox.metadata.uid,
      init,
      cpuNanoSeconds: 0,
      cpuAt: 0,
      status: {
        id,
        podSandboxId: sandboxId,
        name: config.name,
        attempt: config.attempt,
        state: 'created',
        createdAt: this.clock.now(),
        startedAt: 0,
        finishedAt: 0,
        exitCode: 0,
        image: normalizeImageRef(config.imageRef),
        imageId: config.image.repoDigests[0] ?? config.image.id,
      },
    });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.mustGet(id);
    if (c.status.state !== 'created') return;
    c.status.state = 'running';
    c.status.startedAt = this.clock.now();
    c.cpuAt = c.status.startedAt;
    const policy = this.sandboxes.get(c.status.podSandboxId)?.pod.spec?.restartPolicy ?? 'Always';
    if (c.init) c.timer = this.clock.setTimeout(() => this.exit(c, 0, 'Completed', true), 0);
    else if (policy !== 'Always') c.timer = this.clock.setTimeout(() => this.exit(c, 0, 'Completed', true), this.opts.jobDurationMs);
    this.emit({ podUid: c.podUid, containerId: id, type: 'ContainerStarted' });
  }

  async stopContainer(id: string, _timeoutSeconds: number): Promise<void> {
    const c = this.containers.get(id);
    if (c) this.exit(c, 0, 'Completed', false);
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    this.exit(c, 0, 'Completed', false);
    this.containers.delete(id);
  }

  async listContainers(filter: { podSandboxId?: string; podUid?: string } = {}): Promise<ContainerRuntimeStatus[]> {
    const out: ContainerRuntimeStatus[] = [];
    for (const c of this.containers.values()) {
      if (filter.podSandboxId !== undefined && c.status.podSandboxId !== filter.podSandboxId) continue;
      if (filter.podUid !== undefined && c.podUid !== filter.podUid) continue;
      out.push({ ...c.status });
    }
    return out;
  }

  async logs(containerId: string, opts: LogOptions, out: Writable): Promise<void> {
    const c = this.mustGet(containerId);
    const lines = [
      `simulated container ${c.status.name} started (image ${c.status.image})`,
      'this container is simulated: nothing runs, so it writes no output of its own',
    ];
    const startedAt = new Date(c.status.startedAt || c.status.createdAt).toISOString();
    const tail = opts.tailLines !== undefined && opts.tailLines >= 0 ? lines.slice(Math.max(0, lines.length - opts.tailLines)) : lines;
    for (const line of tail) out.write(`${opts.timestamps ? `${startedAt} ` : ''}${line}\n`);
  }

  /** exec runs one of a few built-in commands (see `exec.ts`): `echo`, `cat`, `hostname`, `sh -c 'exit N'`. */
  async exec(containerId: string, cmd: string[], session: StreamSession): Promise<number> {
    const c = this.mustGet(containerId);
    if (c.status.state !== 'running') throw new RuntimeError('MK_ERR_RUNTIME_FAILED', `container ${containerId} is not running`);
    const pod = this.sandboxes.get(c.status.podSandboxId)?.pod;
    return runSimulatedCommand(cmd, session, pod?.spec?.hostname ?? pod?.metadata?.name ?? 'simulated');
  }

  async attach(containerId: string, session: StreamSession): Promise<void> {
    this.mustGet(containerId);
    return simulatedAttach(session);
  }

  /** portForward answers any HTTP request with a fixed `simulated pod NAME port P` reply. */
  async portForward(sandboxId: string, port: number, stream: Duplex): Promise<void> {
    const sb = this.sandboxes.get(sandboxId);
    if (!sb) throw new RuntimeError('MK_ERR_RUNTIME_NOT_FOUND', `pod sandbox ${sandboxId} not found`);
    return simulatedPortForward(sb.status.metadata.name, port, stream);
  }

  /**
   * stats reports each running container's usage: by default an idle 1m CPU and 4 MiB, or what the
   * pod's `simulated.nanokube.io/cpu-usage` / `memory-usage` annotations say (the latest pod seen by
   * {@link observePods}). Cumulative CPU time integrates the rate, so a rate computed from two samples
   * agrees with `usageNanoCores`.
   */
  async stats(): Promise<ContainerStats[]> {
    const now = this.clock.now();
    const out: ContainerStats[] = [];
    for (const c of this.containers.values()) {
      if (c.status.state !== 'running') continue;
      const usage = simulatedUsage(this.sandboxes.get(c.status.podSandboxId)?.pod);
      this.accumulate(c, now, usage.nanoCores);
      out.push({
        containerId: c.status.id,
        timestamp: now,
        cpuUsageCoreNanoSeconds: Math.round(c.cpuNanoSeconds),
        usageNanoCores: usage.nanoCores,
        memoryWorkingSetBytes: usage.memoryBytes,
      });
    }
    return out;
  }

  /** observePods refreshes the pod objects of running sandboxes (annotation changes steer usage). */
  observePods(pods: readonly Pod[]): void {
    const byUid = new Map(pods.map((p) => [p.metadata?.uid ?? '', p]));
    for (const sb of this.sandboxes.values()) {
      const pod = byUid.get(sb.status.metadata.uid);
      if (!pod || pod === sb.pod) continue;
      const before = simulatedUsage(sb.pod).nanoCores;
      if (simulatedUsage(pod).nanoCores !== before) {
        // Close the interval at the old rate before the new one applies.
        const now = this.clock.now();
        for (const c of this.containers.values()) if (c.status.podSandboxId === sb.status.id && c.status.state === 'running') this.accumulate(c, now, before);
      }
      sb.pod = pod;
    }
  }

  private accumulate(c: SimContainer, now: number, nanoCores: number): void {
    const from = c.cpuAt || c.status.startedAt || now;
    if (now > from) c.cpuNanoSeconds += ((now - from) / 1000) * nanoCores;
    c.cpuAt = Math.max(now, from);
  }

  subscribe(listener: (ev: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async adoptPod(pod: Pod): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    if (!uid || !statuses.some((s) => s.containerID?.startsWith('simulated://'))) return;
    if ((await this.listPodSandboxes({ podUid: uid })).length > 0) return;
    const terminal = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
    const sandboxId = newId();
    const created = Date.parse(pod.status?.startTime ?? '') || this.clock.now();
    const ip = pod.spec?.hostNetwork ? undefined : pod.status?.podIP;
    if (ip && !terminal) this.opts.network.adopt(uid, ip);
    const metadata = { name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '', uid, attempt: 0 };
    const status: PodSandboxStatus = { id: sandboxId, metadata, state: terminal ? 'notready' : 'ready', createdAt: created, ...(ip ? { ip } : {}) };
    this.sandboxes.set(sandboxId, { status, pod });
    const initNames = new Set((pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy !== 'Always').map((c) => c.name));
    for (const s of statuses) this.adoptContainer(pod, s, sandboxId, initNames.has(s.name));
  }

  private adoptContainer(pod: Pod, s: ContainerStatus, sandboxId: string, init: boolean): void {
    const id = s.containerID?.replace(/^simulated:\/\//, '');
    if (!id || !s.containerID?.startsWith('simulated://')) return;
    const running = s.state?.running;
    const term = s.state?.terminated;
    if (!running && !term) return;
    const startedAt = Date.parse(running?.startedAt ?? term?.startedAt ?? '') || this.clock.now();
    const c: SimContainer = {
      podUid: pod.metadata?.uid ?? '',
      init,
      cpuNanoSeconds: 0,
      cpuAt: startedAt,
      status: {
        id,
        podSandboxId: sandboxId,
        name: s.name,
        attempt: s.restartCount,
        state: running ? 'running' : 'exited',
        createdAt: startedAt,
        startedAt,
        finishedAt: term ? Date.parse(term.finishedAt ?? '') || this.clock.now() : 0,
        exitCode: term?.exitCode ?? 0,
        ...(term?.reason ? { reason: term.reason } : {}),
        image: s.image,
        imageId: s.imageID,
      },
    };
    this.containers.set(id, c);
    const policy = pod.spec?.restartPolicy ?? 'Always';
    if (running && (init || policy !== 'Always')) {
      const left = Math.max(0, startedAt + (init ? 0 : this.opts.jobDurationMs) - this.clock.now());
      c.timer = this.clock.setTimeout(() => this.exit(c, 0, 'Completed', true), left);
    }
  }

  private exit(c: SimContainer, exitCode: number, reason: string, notify: boolean): void {
    c.timer?.cancel();
    delete c.timer;
    if (c.status.state === 'exited') return;
    const now = this.clock.now();
    c.status.state = 'exited';
    c.status.exitCode = exitCode;
    c.status.reason = reason;
    c.status.finishedAt = now;
    if (!c.status.startedAt) c.status.startedAt = now;
    if (notify) this.emit({ podUid: c.podUid, containerId: c.status.id, type: 'ContainerDied' });
  }

  private emit(ev: RuntimeEvent): void {
    for (const l of this.listeners) l(ev);
  }

  private mustGet(id: string): SimContainer {
    const c = this.containers.get(id);
    if (!c) throw new RuntimeError('MK_ERR_RUNTIME_NOT_FOUND', `container "${id}" not found`);
    return c;
  }
}
