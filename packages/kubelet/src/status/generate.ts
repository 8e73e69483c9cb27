/**
 * generatePodStatus turns what the runtime reports about a pod into the pod's API status, following
 * upstream's `generateAPIPodStatus`, `getPhase` and the `Generate*Condition` helpers of pkg/kubelet/status:
 * phase, the kubelet-owned conditions, container and init container states, restart counts and the
 * waiting reasons of containers that could not start (ErrImagePull, CrashLoopBackOff, ...).
 */
import type { Container, ContainerState, ContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import type { ContainerRuntimeStatus, PodRuntimeStatus } from '../runtime/types.js';
import { podQosClass } from './qos.js';

/** Why a container is waiting (from its last start attempt), as upstream's reason cache holds it. */
export interface WaitingReason {
  reason: string;
  message?: string;
}

/** What {@link generatePodStatus} needs besides the pod. */
export interface PodStatusInput {
  pod: Pod;
  runtime: PodRuntimeStatus;
  /** `<name>` of `<name>://<id>` container ids. */
  runtimeName: string;
  nodeIp: string;
  /** Waiting reasons by container name, set by the last sync. */
  reasons: ReadonlyMap<string, WaitingReason>;
  /** Readiness probe verdict of a running container; undefined = no readiness probe (ready once running). */
  ready(containerName: string, containerId: string): boolean | undefined;
  /** Startup probe verdict; undefined = no startup probe (started once running). */
  started(containerName: string, containerId: string): boolean | undefined;
  /** True once the kubelet has stopped every container of a pod being deleted or finished. */
  podIsTerminal: boolean;
  /** Epoch milliseconds, for startTime and condition transitions. */
  now: number;
}

/** toApiTime renders epoch milliseconds as the API's RFC 3339 seconds timestamp. */
export function toApiTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function byNewest(a: ContainerRuntimeStatus, b: ContainerRuntimeStatus): number {
  return b.attempt - a.attempt || b.createdAt - a.createdAt;
}

function terminatedState(c: ContainerRuntimeStatus, runtimeName: string): ContainerState {
  return {
    terminated: {
      exitCode: c.exitCode,
      reason: c.reason ?? (c.exitCode === 0 ? 'Completed' : 'Error'),
      ...(c.message ? { message: c.message } : {}),
      startedAt: toApiTime(c.startedAt || c.createdAt),
      finishedAt: toApiTime(c.finishedAt || c.startedAt || c.createdAt),
      containerID: `${runtimeName}://${c.id}`,
    },
  };
}

function containerStatus(spec: Container, input: PodStatusInput, defaultWaiting: string): ContainerStatus {
  const instances = input.runtime.containers.filter((c) => c.name === spec.name).sort(byNewest);
  const [latest, previous] = instances;
  const reason = input.reasons.get(spec.name);
  const base = { name: spec.name, image: spec.image ?? '', imageID: '', restartCount: 0, ready: false, started: false };
  if (!latest) {
    return { ...base, state: { waiting: { reason: reason?.reason ?? defaultWaiting, ...(reason?.message ? { message: reason.message } : {}) } }, lastState: {} };
  }
  const status: ContainerStatus = {
    ...base,
    image: latest.image,
    imageID: latest.imageId,
    containerID: `${input.runtimeName}://${latest.id}`,
    restartCount: latest.attempt,
    state: {},
    lastState: previous ? terminatedState(previous, input.runtimeName) : {},
  };
  if (latest.state === 'running') {
    status.state = { running: { startedAt: toApiTime(latest.startedAt) } };
    status.started = input.started(spec.name, latest.id) ?? true;
    status.ready = status.started && (input.ready(spec.name, latest.id) ?? true);
  } else if (latest.state === 'exited' && reason && !input.podIsTerminal) {
    // Waiting to be restarted (CrashLoopBackOff) or failing to restart: the dead one is the last state.
    status.state = { waiting: { reason: reason.reason, ...(reason.message ? { message: reason.message } : {}) } };
    status.lastState = terminatedState(latest, input.runtimeName);
  } else if (latest.state === 'exited') {
    status.state = terminatedState(latest, input.runtimeName);
  } else {
    status.state = { waiting: { reason: reason?.reason ?? defaultWaiting, ...(reason?.message ? { message: reason.message } : {}) } };
  }
  return status;
}

/** getPhase is upstream's phase computation from the spec and the container statuses. */
export function getPhase(pod: Pod, init: ContainerStatus[], regular: ContainerStatus[], podIsTerminal: boolean): NonNullable<PodStatus['phase']> {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  let pendingInit = 0;
  let failedInit = 0;
  for (const c of pod.spec?.initContainers ?? []) {
    if (c.restartPolicy === 'Always') continue;
    const s = init.find((x) => x.name === c.name);
    if (!s || s.state?.running) pendingInit++;
    else if (s.state?.terminated) failedInit += s.state.terminated.exitCode !== 0 ? 1 : 0;
    else if (s.state?.waiting && s.lastState?.terminated) failedInit += s.lastState.terminated.exitCode !== 0 ? 1 : 0;
    else pendingInit++;
  }
  let unknown = 0, running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const c of pod.spec?.containers ?? []) {
    const s = regular.find((x) => x.name === c.name);
    if (!s) unknown++;
    else if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }
  if (failedInit > 0 && policy === 'Never') return 'Failed';
  if (pendingInit > 0 || waiting > 0) return podIsTerminal && running === 0 ? 'Failed' : 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (podIsTerminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function condition(type: string, ok: boolean, reason?: string, message?: string): PodCondition {
  return { type, status: ok ? 'True' : 'False', ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
}

function readinessConditions(pod: Pod, regular: ContainerStatus[], phase: string): [PodCondition, PodCondition] {
  const unknown: string[] = [];
  const unready: string[] = [];
  for (const c of pod.spec?.containers ?? []) {
    const s = regular.find((x) => x.name === c.name);
    if (!s) unknown.push(c.name);
    else if (!s.ready) unready.push(c.name);
  }
  let cr: PodCondition;
  if (phase === 'Succeeded' && unknown.length === 0) cr = condition('ContainersReady', false, 'PodCompleted');
  else if (phase === 'Failed') cr = condition('ContainersReady', false, 'PodFailed');
  else {
    const msgs = [
      ...(unknown.length ? [`containers with unknown status: [${unknown.join(' ')}]`] : []),
      ...(unready.length ? [`containers with unready status: [${unready.join(' ')}]`] : []),
    ];
    cr = msgs.length ? condition('ContainersReady', false, 'ContainersNotReady', msgs.join(', ')) : condition('ContainersReady', true);
  }
  return [{ ...cr, type: 'Ready' }, cr];
}

function initializedCondition(pod: Pod, init: ContainerStatus[], regular: ContainerStatus[], phase: string): PodCondition {
  const incomplete: string[] = [];
  for (const c of pod.spec?.initContainers ?? []) {
    if (c.restartPolicy === 'Always') continue;
    const s = init.find((x) => x.name === c.name);
    if (!s?.state?.terminated || s.state.terminated.exitCode !== 0) incomplete.push(c.name);
  }
  if (phase === 'Succeeded') return condition('Initialized', true, 'PodCompleted');
  // A regular container that ran means initialization finished before (init containers may be gone since).
  if (incomplete.length === 0 || regular.some((s) => s.state?.running || s.lastState?.terminated || s.state?.terminated)) {
    return condition('Initialized', true);
  }
  return condition('Initialized', false, 'ContainersNotInitialized', `containers with incomplete status: [${incomplete.join(' ')}]`);
}

/** generatePodStatus computes the status the kubelet reports for a pod (conditions without timestamps yet). */
export function generatePodStatus(input: PodStatusInput): PodStatus {
  const { pod } = input;
  const old = pod.status ?? {};
  const initSpecs = pod.spec?.initContainers ?? [];
  const init = initSpecs.map((c) => containerStatus(c, input, 'PodInitializing'));
  const pendingInit = initSpecs.some((c) => c.restartPolicy !== 'Always' && !init.find((s) => s.name === c.name)?.state?.terminated);
  const regular = (pod.spec?.containers ?? [])
    .map((c) => containerStatus(c, input, pendingInit ? 'PodInitializing' : 'ContainerCreating'))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let phase = getPhase(pod, init, regular, input.podIsTerminal);
  // A pod never leaves a terminal phase.
  if (old.phase === 'Succeeded' || old.phase === 'Failed') phase = old.phase;
  const sandbox = input.runtime.sandboxes[0];
  const hostNetwork = pod.spec?.hostNetwork === true;
  const podIp = hostNetwork ? input.nodeIp : (sandbox?.ip ?? old.podIP);
  const sandboxReady = sandbox?.state === 'ready' && (hostNetwork || sandbox.ip !== undefined);
  const [ready, containersReady] = readinessConditions(pod, regular, phase);
  const conditions: PodCondition[] = [
    ...(old.conditions ?? []).filter((c) => !kubeletConditions.has(c.type)),
    condition('PodReadyToStartContainers', sandboxReady),
    initializedCondition(pod, init, regular, phase),
    ready,
    containersReady,
    condition('PodScheduled', true),
  ];
  return {
    phase,
    conditions,
    hostIP: input.nodeIp,
    hostIPs: [{ ip: input.nodeIp }],
    ...(podIp ? { podIP: podIp, podIPs: [{ ip: podIp }] } : {}),
    startTime: old.startTime ?? toApiTime(input.now),
    ...(init.length ? { initContainerStatuses: init } : {}),
    containerStatuses: regular,
    qosClass: old.qosClass ?? podQosClass(pod),
  };
}

const kubeletConditions = new Set(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);

/**
 * stampConditions fills lastTransitionTime (kept from the previous status while a condition's status is
 * unchanged) and a null lastProbeTime, as the status manager does before writing.
 */
export function stampConditions(next: PodCondition[], previous: PodCondition[] | undefined, now: number): PodCondition[] {
  return next.map((c) => {
    const before = previous?.find((p) => p.type === c.type);
    const lastTransitionTime = before && before.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : toApiTime(now);
    return { ...c, lastProbeTime: null as unknown as string, lastTransitionTime };
  });
}
