/**
 * scheduleOne is one pass of the scheduler loop: pop a pod, run the scheduling cycle synchronously
 * (filter, score, select, assume, reserve), then start the binding cycle without waiting for it, so the
 * next pod is scheduled while this one's binding is in flight. Failures are reported as upstream does:
 * a `FailedScheduling` event, the PodScheduled=False condition, and the pod back in the queue.
 */
import type { Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import { isConflict, isNotFound } from '@nanokube/api';
import type { Logger } from '@nanokube/component-base';
import type { SchedulerCache } from './cache/cache.js';
import { CycleState } from './framework/cycle-state.js';
import { FitError } from './framework/fit-error.js';
import { newPodInfo, podInfoStateKey } from './framework/pod-info.js';
import type { Framework } from './framework/runtime.js';
import type { QueuedPodInfo, SchedulingQueue } from './queue/scheduling-queue.js';
import type { ScheduleAlgorithm } from './schedule-algorithm.js';

/** The API writes a scheduling cycle makes besides binding (a fake in tests). */
export interface SchedulerApi {
  /** patchPodStatus sends a strategic merge patch to `pods/<name>/status`. */
  patchPodStatus(namespace: string, name: string, patch: unknown): Promise<void>;
  /** deletePod evicts a preemption victim. */
  deletePod(namespace: string, name: string, uid?: string): Promise<void>;
}

/** EventSink is the part of EventRecorder the scheduler uses. */
export interface EventSink {
  event(target: { apiVersion?: string; kind?: string; metadata?: Pod['metadata'] }, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** Everything scheduleOne works with. */
export interface ScheduleOneDeps {
  queue: SchedulingQueue;
  cache: SchedulerCache;
  framework: Framework;
  algorithm: ScheduleAlgorithm;
  recorder: EventSink;
  api: SchedulerApi;
  /** getPod returns the informer's current copy of a pod (`namespace/name`), if it still exists. */
  getPod(key: string): Pod | undefined;
  log: Logger;
  /** Bindings in flight; scheduleOne adds each and removes it when it settles. */
  bindings?: Set<Promise<void>>;
  /** Records each attempt's result and duration (`scheduler_schedule_attempts_total`...). */
  metrics?: { attempt(result: 'scheduled' | 'unschedulable' | 'error', seconds: number): void };
}

function podRef(pod: Pod): { apiVersion: string; kind: string; metadata: Pod['metadata'] } {
  return { apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata };
}

/** scheduleOne schedules the next pod; resolves false once the queue is closed. */
export async function scheduleOne(deps: ScheduleOneDeps): Promise<boolean> {
  const qp = await deps.queue.pop();
  if (!qp) return false;
  const pod = qp.pod;
  const log = deps.log.child({ pod: qp.key });
  if (pod.metadata?.deletionTimestamp || deps.cache.isAssumed(pod)) {
    deps.queue.done(qp.key);
    return true;
  }
  const cycle = deps.queue.schedulingCycle();
  const started = performance.now();
  const observe = (result: 'scheduled' | 'unschedulable' | 'error'): void => deps.metrics?.attempt(result, (performance.now() - started) / 1000);
  const state = new CycleState();
  state.write(podInfoStateKey, newPodInfo(pod));
  const fwk = deps.framework;
  let host: string;
  try {
    host = deps.algorithm.schedulePod(fwk, state, pod, deps.cache).suggestedHost;
  } catch (err) {
    if (!(err instanceof FitError)) {
      observe('error');
      handleFailure(deps, qp, cycle, { reason: 'SchedulerError', message: (err as Error).message, backoffOnly: true }, log);
      return true;
    }
    const pf = fwk.runPostFilterPlugins(state, pod, err.diagnosis.nodeToStatus);
    let nominatedNodeName: string | undefined;
    if (pf?.status.isSuccess() && pf.nominatedNodeName) {
      nominatedNodeName = pf.nominatedNodeName;
      evictVictims(deps, pod, pf.nominatedNodeName, pf.victims ?? [], log);
    } else if (pf && pf.status.message()) err.diagnosis.postFilterMsg = pf.status.message();
    qp.unschedulablePlugins = err.diagnosis.unschedulablePlugins;
    observe('unschedulable');
    handleFailure(deps, qp, cycle, { reason: 'Unschedulable', message: err.describe(), backoffOnly: false, nominatedNodeName }, log);
    return true;
  }
  const assumed: Pod = { ...pod, spec: { containers: [], ...pod.spec, nodeName: host } };
  deps.cache.assumePod(assumed);
  const reserved = fwk.runReservePluginsReserve(state, assumed, host);
  if (reserved) {
    fwk.runReservePluginsUnreserve(state, assumed, host);
    deps.cache.forgetPod(assumed);
    observe('error');
    handleFailure(deps, qp, cycle, { reason: 'SchedulerError', message: reserved.message(), backoffOnly: true }, log);
    return true;
  }
  const binding = bindingCycle(deps, state, qp, assumed, host, cycle, log).then((ok) => observe(ok ? 'scheduled' : 'error'));
  deps.bindings?.add(binding);
  void binding.finally(() => deps.bindings?.delete(binding));
  return true;
}

async function bindingCycle(
  deps: ScheduleOneDeps,
  state: CycleState,
  qp: QueuedPodInfo,
  assumed: Pod,
  host: string,
  cycle: number,
  log: Logger,
): Promise<boolean> {
  const fwk = deps.framework;
  const status = await fwk.runBindPlugins(state, assumed, host);
  if (!status) {
    deps.queue.done(qp.key);
    deps.recorder.event(podRef(assumed), 'Normal', 'Scheduled', `Successfully assigned ${qp.key} to ${host}`);
    log.debug({ node: host }, 'Bound pod');
    return true;
  }
  fwk.runReservePluginsUnreserve(state, assumed, host);
  deps.cache.forgetPod(assumed);
  // The assumed pod's resources are free again: pods waiting for them may fit now.
  deps.queue.moveAllToActiveOrBackoff('AssignedPodDelete');
  if (isConflict(status.cause) || isNotFound(status.cause)) {
    log.info({ node: host, err: status.cause }, 'Dropped pod whose binding was refused');
    deps.queue.done(qp.key);
    return false;
  }
  log.warn({ node: host, err: status.cause ?? status.message() }, 'Could not bind pod');
  handleFailure(deps, qp, cycle, { reason: 'SchedulerError', message: `Binding rejected: ${status.message()}`, backoffOnly: true }, log);
  return false;
}

interface Failure {
  /** PodScheduled condition reason: `Unschedulable` or `SchedulerError`. */
  reason: string;
  message: string;
  backoffOnly: boolean;
  nominatedNodeName?: string | undefined;
}

function handleFailure(deps: ScheduleOneDeps, qp: QueuedPodInfo, cycle: number, f: Failure, log: Logger): void {
  const latest = deps.getPod(qp.key);
  if (!latest || latest.spec?.nodeName || latest.metadata?.uid !== qp.pod.metadata?.uid) {
    // Deleted, or bound by someone else, while we were trying: nothing to retry or report.
    deps.queue.done(qp.key);
    return;
  }
  deps.queue.addUnschedulableIfNotPresent(qp, cycle, f.backoffOnly);
  log.debug({ reason: f.reason, message: f.message }, 'Unable to schedule pod');
  deps.recorder.event(podRef(latest), 'Warning', 'FailedScheduling', f.message);
  void updatePodStatus(deps, latest, f).catch((err: unknown) => log.debug({ err }, 'Could not update pod status'));
}

async function updatePodStatus(deps: ScheduleOneDeps, pod: Pod, f: Failure): Promise<void> {
  const old = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  const nominatedChanged = f.nominatedNodeName !== undefined && pod.status?.nominatedNodeName !== f.nominatedNodeName;
  if (!nominatedChanged && old?.status === 'False' && old.reason === f.reason && old.message === f.message) return;
  const condition: PodCondition = {
    type: 'PodScheduled',
    status: 'False',
    reason: f.reason,
    message: f.message,
    lastTransitionTime: old?.status === 'False' && old.lastTransitionTime ? old.lastTransitionTime : new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
  const status: Record<string, unknown> = { conditions: [{ ...condition, lastProbeTime: null }] };
  if (nominatedChanged) status['nominatedNodeName'] = f.nominatedNodeName;
  await deps.api.patchPodStatus(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', { status });
}

function evictVictims(deps: ScheduleOneDeps, preemptor: Pod, nodeName: string, victims: Pod[], log: Logger): void {
  for (const v of victims) {
    const ns = v.metadata?.namespace ?? '';
    const name = v.metadata?.name ?? '';
    deps.recorder.event(podRef(v), 'Normal', 'Preempted', `Preempted by pod ${preemptor.metadata?.uid ?? ''} on node ${nodeName}`);
    void deps.api.deletePod(ns, name, v.metadata?.uid).catch((err: unknown) => {
      if (!isNotFound(err)) log.warn({ err, victim: `${ns}/${name}` }, 'Could not preempt pod');
    });
  }
  log.info({ node: nodeName, victims: victims.length }, 'Preempted pods for pod');
}
