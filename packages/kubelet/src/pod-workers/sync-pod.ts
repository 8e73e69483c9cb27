/**
 * The runtime-independent part of running a pod (upstream's kuberuntime manager: computePodActions +
 * SyncPod + KillPod) over the CRI-shaped {@link RuntimeService}: set up the pod's volumes (`FailedMount`
 * while one cannot be), create the sandbox, run init containers one by one, start the regular containers
 * with their environment and mounts (`CreateContainerConfigError` when a reference is missing) and their
 * postStart hook, restart exited ones as the restart policy says with CrashLoopBackOff, restart those whose
 * liveness or startup probe failed, pull images with ImagePullBackOff, and kill containers (preStop hook
 * within the grace period, then the stop signal) when the pod ends.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { EventTarget } from '@nanokube/client';
import type { Logger } from '@nanokube/component-base';
import type { WaitingReason } from '../status/generate.js';
import { podRef } from '../status/status-manager.js';
import {
  ImagePullError,
  type ContainerRuntimeStatus,
  type ImageService,
  type PodRuntimeStatus,
  type PodSandboxConfig,
  type PodSandboxStatus,
  type PullPolicy,
  type RegistryAuth,
  type RuntimeService,
} from '../runtime/types.js';
import { ContainerConfigError, makeEnvironment, type PodAddresses } from '../envvars/index.js';
import { runHandler, type HandlerAction } from '../probes/index.js';
import { VolumeError, type PodSources, type PodVolumes, type VolumeManager } from '../volumes/index.js';
import { Backoff, formatGoDuration } from './backoff.js';
import { buildContainerConfig } from './container-config.js';

/** Recorder is the event sink sync uses (EventRecorder fits). */
export interface Recorder {
  event(target: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string): void;
}

/** What pod syncing needs; one per node. */
export interface SyncDeps {
  runtime: RuntimeService;
  images: ImageService;
  recorder: Recorder;
  log: Logger;
  now: () => number;
  /** Folder for pod log folders (`/var/log/pods`). */
  podLogsDir: string;
  /** Container restart and image pull backoff (keys `<uid>/<container>` and `<uid>/<container>/image`). */
  backoff: Backoff;
  /** Waiting reasons by pod uid and container name. */
  reasons: Map<string, Map<string, WaitingReason>>;
  /** Registry credentials of the pod's imagePullSecrets. */
  pullSecrets?(pod: Pod): Promise<RegistryAuth[]>;
  /** Which probe (if any) wants a running container restarted (the ProbeManager's `failed`). */
  probeFailed?(podUid: string, containerId: string): 'liveness' | 'startup' | undefined;
  /** Reads the ConfigMaps, Secrets and Services env refers to (absent: every reference is missing). */
  sources?: PodSources;
  /** Sets up pod volumes before the sandbox (absent: volumes are not set up and mounts are empty). */
  volumes?: VolumeManager;
  /** The node's IP: `status.hostIP` for the downward API. */
  nodeIp?: string;
  /** Node allocatable for downward-API limits a container does not set. */
  nodeAllocatable?(): Record<string, string>;
  /** Network lifecycle hooks (httpGet, tcpSocket) succeed without connecting: the simulated runtime. */
  simulatedHooks?: boolean;
}

/** No sources: every ConfigMap, Secret and claim is missing and there are no services. */
const noSources: PodSources = {
  configMap: async () => undefined,
  secret: async () => undefined,
  services: async () => [],
  persistentVolumeClaim: async () => undefined,
  persistentVolume: async () => undefined,
  serviceAccountToken: async () => {
    throw new Error('service account tokens are not available');
  },
};

/** Upstream's minimum grace period left for the stop signal after a preStop hook. */
const minimumGracePeriodSeconds = 2;

/** The result of one sync: when to look at the pod again without an event (undefined = normal resync). */
export interface SyncResult {
  requeueAfterMs?: number;
}

/** getPodRuntimeStatus collects a pod's sandboxes (newest first) and containers. */
export async function getPodRuntimeStatus(runtime: RuntimeService, uid: string): Promise<PodRuntimeStatus> {
  const [sandboxes, containers] = await Promise.all([runtime.listPodSandboxes({ podUid: uid }), runtime.listContainers({ podUid: uid })]);
  return { uid, sandboxes, containers };
}

function newest(list: ContainerRuntimeStatus[], name: string): ContainerRuntimeStatus | undefined {
  let best: ContainerRuntimeStatus | undefined;
  for (const c of list) if (c.name === name && (!best || c.attempt > best.attempt || (c.attempt === best.attempt && c.createdAt > best.createdAt))) best = c;
  return best;
}

function fieldPath(pod: Pod, name: string): string {
  const init = (pod.spec?.initContainers ?? []).some((c) => c.name === name);
  return `spec.${init ? 'initContainers' : 'containers'}{${name}}`;
}

function podTarget(pod: Pod): EventTarget {
  return { apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata ?? {} };
}

/** defaultPullPolicy is upstream's defaulting: Always for `:latest` or untagged images, else IfNotPresent. */
export function defaultPullPolicy(image: string): PullPolicy {
  const last = image.slice(image.lastIndexOf('/') + 1);
  if (image.includes('@')) return 'IfNotPresent';
  return !last.includes(':') || last.endsWith(':latest') ? 'Always' : 'IfNotPresent';
}

/** sandboxConfig builds the CRI sandbox config of a pod. */
export function sandboxConfig(pod: Pod, attempt: number, podLogsDir: string): PodSandboxConfig {
  const m = pod.metadata ?? {};
  const metadata = { name: m.name ?? '', namespace: m.namespace ?? '', uid: m.uid ?? '', attempt };
  return {
    metadata,
    hostname: pod.spec?.hostname ?? m.name ?? '',
    logDirectory: `${podLogsDir}/${metadata.namespace}_${metadata.name}_${metadata.uid}`,
    hostNetwork: pod.spec?.hostNetwork === true,
    labels: { ...(m.labels ?? {}) },
    annotations: { ...(m.annotations ?? {}) },
    pod,
  };
}

/** PodSyncer converges one pod at a time; the pod workers serialise calls per pod. */
export class PodSyncer {
  constructor(private readonly deps: SyncDeps) {}

  private reasonsOf(uid: string): Map<string, WaitingReason> {
    let m = this.deps.reasons.get(uid);
    if (!m) this.deps.reasons.set(uid, (m = new Map()));
    return m;
  }

  /** syncPod converges the runtime towards the pod spec. It never writes the API. */
  async syncPod(pod: Pod): Promise<SyncResult> {
    const uid = pod.metadata?.uid ?? '';
    let status = await getPodRuntimeStatus(this.deps.runtime, uid);
    let sandbox: PodSandboxStatus | undefined = status.sandboxes[0];
    const volumeRetry = await this.setUpVolumes(pod, sandbox?.state === 'ready' ? sandbox.ip : undefined);
    if (volumeRetry !== undefined) return { requeueAfterMs: volumeRetry };
    if (!sandbox || sandbox.state !== 'ready') {
      if (pod.spec?.restartPolicy === 'Never' && status.containers.some((c) => !this.isInit(pod, c.name))) return {};
      const created = await this.createSandbox(pod, status);
      if (!created) return { requeueAfterMs: 1_000 };
      status = await getPodRuntimeStatus(this.deps.runtime, uid);
      sandbox = status.sandboxes[0] as PodSandboxStatus;
    }
    const current = status.containers.filter((c) => c.podSandboxId === sandbox.id);
    const initResult = await this.syncInitContainers(pod, sandbox, current, status.containers);
    if (initResult !== 'done') return initResult;
    let requeue: number | undefined;
    for (const spec of pod.spec?.containers ?? []) {
      const after = await this.syncContainer(pod, spec, sandbox, current, status.containers);
      if (after !== undefined) requeue = Math.min(requeue ?? after, after);
    }
    await this.removeUnknown(pod, current);
    return requeue === undefined ? {} : { requeueAfterMs: requeue };
  }

  private readonly podVolumes = new Map<string, PodVolumes>();
  /** Consecutive volume set-up failures by pod uid (retry after 2 s doubling up to 2 min, as upstream's ~2m2s cap). */
  private readonly volumeFailures = new Map<string, number>();

  private addresses(pod: Pod, ip: string | undefined): PodAddresses {
    const nodeIp = this.deps.nodeIp ?? pod.status?.hostIP ?? '';
    const podIp = pod.spec?.hostNetwork ? nodeIp : (ip ?? pod.status?.podIP);
    return { podIps: podIp ? [podIp] : [], hostIps: nodeIp ? [nodeIp] : [] };
  }

  /**
   * setUpVolumes sets up (or refreshes) the pod's volumes. While one cannot be set up it records a
   * `FailedMount` event and returns when to retry, which keeps the pod's containers in ContainerCreating.
   */
  private async setUpVolumes(pod: Pod, ip: string | undefined): Promise<number | undefined> {
    const uid = pod.metadata?.uid ?? '';
    if (!this.deps.volumes) return undefined;
    try {
      this.podVolumes.set(uid, await this.deps.volumes.setUpPod(pod, this.addresses(pod, ip)));
      this.volumeFailures.delete(uid);
      return undefined;
    } catch (err) {
      if (!(err instanceof VolumeError)) throw err;
      this.deps.recorder.event(podTarget(pod), 'Warning', 'FailedMount', err.message);
      const failures = (this.volumeFailures.get(uid) ?? 0) + 1;
      this.volumeFailures.set(uid, failures);
      return Math.min(2_000 * 2 ** (failures - 1), 120_000);
    }
  }

  private isInit(pod: Pod, name: string): boolean {
    return (pod.spec?.initContainers ?? []).some((c) => c.name === name && c.restartPolicy !== 'Always');
  }

  private async createSandbox(pod: Pod, status: PodRuntimeStatus): Promise<boolean> {
    const rt = this.deps.runtime;
    if (!pod.spec?.hostNetwork && !rt.status().networkReady) {
      this.deps.log.debug({ pod: podRef(pod) }, 'Network is not ready, waiting to create pod sandbox');
      return false;
    }
    for (const old of status.sandboxes) if (old.state === 'ready') await rt.stopPodSandbox(old.id);
    const attempt = status.sandboxes.reduce((n, s) => Math.max(n, s.metadata.attempt + 1), 0);
    try {
      await rt.runPodSandbox(sandboxConfig(pod, attempt, this.deps.podLogsDir));
    } catch (err) {
      this.deps.recorder.event(podTarget(pod), 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(err as Error).message}`);
      throw err;
    }
    return true;
  }

  /** syncInitContainers runs init containers in order; 'done' once every one exited 0. */
  private async syncInitContainers(
    pod: Pod,
    sandbox: PodSandboxStatus,
    current: ContainerRuntimeStatus[],
    all: ContainerRuntimeStatus[],
  ): Promise<'done' | SyncResult> {
    const inits = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy !== 'Always');
    // Regular containers already ran in this sandbox: initialisation finished before.
    if (current.some((c) => !this.isInit(pod, c.name))) return 'done';
    for (const spec of inits) {
      const latest = newest(current, spec.name);
      if (latest?.state === 'exited' && latest.exitCode === 0) continue;
      if (latest?.state === 'running' || latest?.state === 'created') return {};
      if (latest && pod.spec?.restartPolicy === 'Never') return {};
      const after = await this.startWithBackoff(pod, spec, sandbox, latest, newest(all, spec.name));
      return after === undefined ? {} : { requeueAfterMs: after };
    }
    return 'done';
  }

  /** syncContainer keeps one regular container as the restart policy wants it; returns a requeue delay. */
  private async syncContainer(
    pod: Pod,
    spec: Container,
    sandbox: PodSandboxStatus,
    current: ContainerRuntimeStatus[],
    all: ContainerRuntimeStatus[],
  ): Promise<number | undefined> {
    const latest = newest(current, spec.name);
    const policy = pod.spec?.restartPolicy ?? 'Always';
    if (latest?.state === 'running') {
      const failed = this.deps.probeFailed?.(pod.metadata?.uid ?? '', latest.id);
      if (!failed) return undefined;
      const probe = failed === 'liveness' ? spec.livenessProbe : spec.startupProbe;
      const grace = probe?.terminationGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
      await this.killContainer(pod, latest, grace, `Container ${spec.name} failed ${failed} probe, will be restarted`);
      return 0;
    }
    if (latest?.state === 'created') return undefined;
    if (latest?.state === 'exited') {
      const restart = policy === 'Always' || (policy === 'OnFailure' && latest.exitCode !== 0);
      if (!restart) return undefined;
    }
    return this.startWithBackoff(pod, spec, sandbox, latest, newest(all, spec.name));
  }

  /**
   * startWithBackoff starts (or restarts) a container unless its restart backoff is running, in which case
   * the container waits in CrashLoopBackOff. Returns when to look again, if sooner than the resync.
   */
  private async startWithBackoff(
    pod: Pod,
    spec: Container,
    sandbox: PodSandboxStatus,
    latest: ContainerRuntimeStatus | undefined,
    newestAny: ContainerRuntimeStatus | undefined,
  ): Promise<number | undefined> {
    const uid = pod.metadata?.uid ?? '';
    const key = `${uid}/${spec.name}`;
    if (latest?.state === 'exited') {
      const left = this.deps.backoff.remainingSince(key, latest.finishedAt);
      if (left > 0) {
        const m = pod.metadata ?? {};
        const message = `back-off ${formatGoDuration(this.deps.backoff.get(key))} restarting failed container=${spec.name} pod=${m.name}_${m.namespace}(${uid})`;
        this.reasonsOf(uid).set(spec.name, { reason: 'CrashLoopBackOff', message });
        const podName = `${m.name}_${m.namespace}(${uid})`;
        this.deps.recorder.event(podTarget(pod), 'Warning', 'BackOff', `Back-off restarting failed container ${spec.name} in pod ${podName}`, fieldPath(pod, spec.name));
        return left;
      }
      this.deps.backoff.next(key);
    }
    const attempt = newestAny ? newestAny.attempt + 1 : 0;
    return this.startContainer(pod, spec, sandbox, attempt);
  }

  private async startContainer(pod: Pod, spec: Container, sandbox: PodSandboxStatus, attempt: number): Promise<number | undefined> {
    const uid = pod.metadata?.uid ?? '';
    const reasons = this.reasonsOf(uid);
    const image = await this.pullImage(pod, spec);
    if (typeof image === 'number') return image;
    const sbConfig = sandboxConfig(pod, sandbox.metadata.attempt, this.deps.podLogsDir);
    const path = fieldPath(pod, spec.name);
    let env;
    let mounts;
    try {
      env = await makeEnvironment(spec, {
        pod,
        sources: this.deps.sources ?? noSources,
        addresses: this.addresses(pod, sandbox.ip),
        nodeAllocatable: this.deps.nodeAllocatable?.() ?? {},
        warn: (reason, message) => this.deps.recorder.event(podTarget(pod), 'Warning', reason, message, path),
      });
      mounts = this.deps.volumes ? await this.deps.volumes.mountsFor(spec, this.podVolumes.get(uid) ?? new Map(), env) : [];
    } catch (err) {
      if (!(err instanceof ContainerConfigError)) throw err;
      reasons.set(spec.name, { reason: err.reason, message: err.message });
      this.deps.recorder.event(podTarget(pod), 'Warning', 'Failed', `Error: ${err.message}`, path);
      return 10_000;
    }
    const config = buildContainerConfig({ pod, spec, image, attempt, logDirectory: sbConfig.logDirectory, env, mounts });
    try {
      const id = await this.deps.runtime.createContainer(sandbox.id, config, sbConfig);
      this.deps.recorder.event(podTarget(pod), 'Normal', 'Created', `Created container: ${spec.name}`, path);
      await this.deps.runtime.startContainer(id);
      this.deps.recorder.event(podTarget(pod), 'Normal', 'Started', `Started container ${spec.name}`, path);
      reasons.delete(spec.name);
      if (spec.lifecycle?.postStart && !(await this.runPostStart(pod, spec, id, sandbox))) return 0;
      return undefined;
    } catch (err) {
      reasons.set(spec.name, { reason: 'CreateContainerError', message: (err as Error).message });
      this.deps.recorder.event(podTarget(pod), 'Warning', 'Failed', `Error: ${(err as Error).message}`, path);
      throw err;
    }
  }

  /** pullImage makes the container's image present; a number means "image pull backing off, look again then". */
  private async pullImage(pod: Pod, spec: Container): Promise<Awaited<ReturnType<ImageService['ensureImage']>> | number> {
    const uid = pod.metadata?.uid ?? '';
    const ref = spec.image ?? '';
    const key = `${uid}/${spec.name}/image`;
    const reasons = this.reasonsOf(uid);
    const path = fieldPath(pod, spec.name);
    const left = this.deps.backoff.remainingSince(key, this.lastPullFailure.get(key) ?? 0);
    if (left > 0) {
      reasons.set(spec.name, { reason: 'ImagePullBackOff', message: `Back-off pulling image "${ref}"` });
      this.deps.recorder.event(podTarget(pod), 'Normal', 'BackOff', `Back-off pulling image "${ref}"`, path);
      return left;
    }
    const pullPolicy = (spec.imagePullPolicy as PullPolicy | undefined) ?? defaultPullPolicy(ref);
    const present = pullPolicy !== 'Always' ? await this.deps.images.status(ref) : undefined;
    if (present) {
      this.deps.recorder.event(podTarget(pod), 'Normal', 'Pulled', `Container image "${ref}" already present on machine`, path);
      return present;
    }
    const started = this.deps.now();
    this.deps.recorder.event(podTarget(pod), 'Normal', 'Pulling', `Pulling image "${ref}"`, path);
    try {
      const auth = (await this.deps.pullSecrets?.(pod)) ?? [];
      const info = await this.deps.images.ensureImage(ref, { pullPolicy, auth });
      const took = `${((this.deps.now() - started) / 1000).toFixed(3).replace(/\.?0+$/, '')}s`;
      this.deps.recorder.event(
        podTarget(pod),
        'Normal',
        'Pulled',
        `Successfully pulled image "${ref}" in ${took} (${took} including waiting). Image size: ${info.sizeBytes} bytes.`,
        path,
      );
      this.lastPullFailure.delete(key);
      return info;
    } catch (err) {
      if (!(err instanceof ImagePullError)) throw err;
      this.deps.backoff.next(key);
      this.lastPullFailure.set(key, this.deps.now());
      reasons.set(spec.name, { reason: err.reason, message: err.message });
      this.deps.recorder.event(podTarget(pod), 'Warning', 'Failed', err.message, path);
      this.deps.recorder.event(podTarget(pod), 'Warning', 'Failed', `Error: ${err.reason}`, path);
      return this.deps.backoff.get(key);
    }
  }

  private readonly lastPullFailure = new Map<string, number>();

  /** removeUnknown stops containers the spec no longer names, and prunes dead instances beyond the last two. */
  private async removeUnknown(pod: Pod, current: ContainerRuntimeStatus[]): Promise<void> {
    const names = new Set([...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => c.name));
    const byName = new Map<string, ContainerRuntimeStatus[]>();
    for (const c of current) {
      if (!names.has(c.name)) {
        if (c.state === 'running' || c.state === 'created') await this.killContainer(pod, c, pod.spec?.terminationGracePeriodSeconds ?? 30, `Stopping container ${c.name}`);
        await this.deps.runtime.removeContainer(c.id);
        continue;
      }
      byName.set(c.name, [...(byName.get(c.name) ?? []), c]);
    }
    for (const list of byName.values()) {
      list.sort((a, b) => b.attempt - a.attempt);
      for (const dead of list.slice(2)) if (dead.state === 'exited') await this.deps.runtime.removeContainer(dead.id);
    }
  }

  /**
   * killPod stops every container of the pod (grace period in seconds) and its sandboxes. Events name each
   * container stopped, as upstream's `Killing` events do.
   */
  async killPod(pod: Pod, gracePeriodSeconds: number): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    const status = await getPodRuntimeStatus(this.deps.runtime, uid);
    await Promise.all(
      status.containers
        .filter((c) => c.state === 'running' || c.state === 'created')
        .map((c) => this.killContainer(pod, c, gracePeriodSeconds, `Stopping container ${c.name}`)),
    );
    for (const sb of status.sandboxes) if (sb.state === 'ready') await this.deps.runtime.stopPodSandbox(sb.id);
  }

  /**
   * killContainer stops one container as upstream's killContainer does: the `Killing` event, the preStop
   * hook (if the container runs and has one) within the grace period, then the stop signal with what is
   * left of the grace period (at least 2 s) before SIGKILL.
   */
  async killContainer(pod: Pod, c: ContainerRuntimeStatus, gracePeriodSeconds: number, message: string): Promise<void> {
    const path = fieldPath(pod, c.name);
    this.deps.recorder.event(podTarget(pod), 'Normal', 'Killing', message, path);
    const spec = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((x) => x.name === c.name);
    let grace = gracePeriodSeconds;
    const preStop = spec?.lifecycle?.preStop;
    if (spec && preStop && c.state === 'running' && grace > 0) {
      const started = this.deps.now();
      const outcome = await this.runHook(pod, spec, c.id, preStop, grace * 1000);
      if (outcome.result !== 'success') {
        this.deps.log.info({ pod: podRef(pod), container: c.name, message: outcome.message }, 'PreStop hook failed');
        this.deps.recorder.event(podTarget(pod), 'Warning', 'FailedPreStopHook', 'PreStopHook failed', path);
      }
      grace -= Math.floor((this.deps.now() - started) / 1000);
      if (grace < minimumGracePeriodSeconds) grace = minimumGracePeriodSeconds;
    }
    await this.deps.runtime.stopContainer(c.id, grace);
  }

  /** runHook runs a lifecycle handler against a container; sleep handlers just wait. */
  private async runHook(pod: Pod, spec: Container, containerId: string, action: HandlerAction & { sleep?: { seconds: number } }, timeoutMs: number) {
    if (action.sleep) {
      const ms = Math.min(action.sleep.seconds * 1000, timeoutMs);
      await new Promise((r) => setTimeout(r, ms));
      return { result: 'success' as const, message: '' };
    }
    const status = await getPodRuntimeStatus(this.deps.runtime, pod.metadata?.uid ?? '');
    const ip = this.addresses(pod, status.sandboxes[0]?.ip).podIps[0] ?? '';
    return runHandler(action, {
      runtime: this.deps.runtime,
      container: spec,
      containerId,
      podIp: ip,
      timeoutMs,
      simulated: this.deps.simulatedHooks === true,
    });
  }

  /** runPostStart runs the postStart hook; on failure the container is killed (false) as upstream does. */
  private async runPostStart(pod: Pod, spec: Container, id: string, sandbox: PodSandboxStatus): Promise<boolean> {
    const hook = spec.lifecycle?.postStart;
    if (!hook) return true;
    const outcome = await this.runHook(pod, spec, id, hook, 30_000);
    if (outcome.result === 'success') return true;
    const path = fieldPath(pod, spec.name);
    this.deps.log.info({ pod: podRef(pod), container: spec.name, sandbox: sandbox.id, message: outcome.message }, 'PostStart hook failed');
    this.deps.recorder.event(podTarget(pod), 'Warning', 'FailedPostStartHook', 'PostStartHook failed', path);
    const [status] = (await this.deps.runtime.listContainers({ podUid: pod.metadata?.uid ?? '' })).filter((c) => c.id === id);
    if (status) await this.killContainer(pod, status, pod.spec?.terminationGracePeriodSeconds ?? 30, 'FailedPostStartHook');
    this.reasonsOf(pod.metadata?.uid ?? '').set(spec.name, { reason: 'PostStartHookError', message: outcome.message });
    return false;
  }

  /** removePod removes every trace of a pod from the runtime, its volumes, and the backoff and reason caches. */
  async removePod(uid: string): Promise<void> {
    // Volumes go first: the runtime may remove the pod folder they live in.
    await this.deps.volumes?.tearDownPod(uid);
    for (const sb of await this.deps.runtime.listPodSandboxes({ podUid: uid })) await this.deps.runtime.removePodSandbox(sb.id);
    this.podVolumes.delete(uid);
    this.volumeFailures.delete(uid);
    this.deps.backoff.forgetPrefix(`${uid}/`);
    for (const k of this.lastPullFailure.keys()) if (k.startsWith(`${uid}/`)) this.lastPullFailure.delete(k);
    this.deps.reasons.delete(uid);
  }
}
