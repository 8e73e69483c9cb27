/**
 * The runtime-independent part of running a pod (upstream's kuberuntime manager: computePodActions +
 * SyncPod + KillPod) over the CRI-shaped {@link RuntimeService}: create the sandbox, run init containers
 * one by one, start the regular containers, restart exited ones as the restart policy says with
 * CrashLoopBackOff, pull images with ImagePullBackOff, and kill everything when the pod ends.
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
  /** Containers whose liveness (or startup) probe failed and must be restarted. */
  livenessFailed?(podUid: string, containerId: string): boolean;
}

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
      if (!this.deps.livenessFailed?.(pod.metadata?.uid ?? '', latest.id)) return undefined;
      this.deps.recorder.event(podTarget(pod), 'Normal', 'Killing', `Container ${spec.name} failed liveness probe, will be restarted`, fieldPath(pod, spec.name));
      await this.deps.runtime.stopContainer(latest.id, pod.spec?.terminationGracePeriodSeconds ?? 30);
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
    const config = buildContainerConfig({ pod, spec, image, attempt, sandbox, logDirectory: sbConfig.logDirectory });
    const path = fieldPath(pod, spec.name);
    try {
      const id = await this.deps.runtime.createContainer(sandbox.id, config, sbConfig);
      this.deps.recorder.event(podTarget(pod), 'Normal', 'Created', `Created container: ${spec.name}`, path);
      await this.deps.runtime.startContainer(id);
      this.deps.recorder.event(podTarget(pod), 'Normal', 'Started', `Started container ${spec.name}`, path);
      reasons.delete(spec.name);
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
        await this.deps.runtime.stopContainer(c.id, pod.spec?.terminationGracePeriodSeconds ?? 30);
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
        .map(async (c) => {
          this.deps.recorder.event(podTarget(pod), 'Normal', 'Killing', `Stopping container ${c.name}`, fieldPath(pod, c.name));
          await this.deps.runtime.stopContainer(c.id, gracePeriodSeconds);
        }),
    );
    for (const sb of status.sandboxes) if (sb.state === 'ready') await this.deps.runtime.stopPodSandbox(sb.id);
  }

  /** removePod removes every trace of a pod from the runtime and the backoff and reason caches. */
  async removePod(uid: string): Promise<void> {
    for (const sb of await this.deps.runtime.listPodSandboxes({ podUid: uid })) await this.deps.runtime.removePodSandbox(sb.id);
    this.deps.backoff.forgetPrefix(`${uid}/`);
    for (const k of this.lastPullFailure.keys()) if (k.startsWith(`${uid}/`)) this.lastPullFailure.delete(k);
    this.deps.reasons.delete(uid);
  }
}
