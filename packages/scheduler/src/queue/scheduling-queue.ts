/**
 * SchedulingQueue is upstream's PriorityQueue: three sub-queues holding pods waiting to be scheduled.
 *   - activeQ: pods to try now, highest priority first, then the longest waiting (PrioritySort).
 *   - backoffQ: pods that failed and wait out their backoff (1 s doubling per attempt up to 10 s).
 *   - unschedulable: pods no node fitted; they stay until a cluster event that may help (node added or
 *     changed, a pod deleted, ...) moves them back, or for at most 5 minutes.
 * A pod that fails while a move request happened during its cycle goes to backoffQ rather than
 * unschedulable, so the event that might have helped it is not missed.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { realClock, type Clock } from '@nanokube/client';
import { podKey, podPriority } from '../framework/pod-info.js';
import { Heap } from './heap.js';

/** A pod in the queue with its scheduling history. */
export interface QueuedPodInfo {
  pod: Pod;
  key: string;
  /** When the pod was last added (or re-added after a failure); orders pods of equal priority. */
  timestamp: number;
  /** When the pod was first popped. */
  initialAttemptTimestamp?: number;
  attempts: number;
  /** Plugins that rejected the pod in its last attempt. */
  unschedulablePlugins: Set<string>;
}

/** Cluster events that may make unschedulable pods schedulable. */
export type ClusterEvent =
  | 'NodeAdd'
  | 'NodeUpdate'
  | 'AssignedPodAdd'
  | 'AssignedPodUpdate'
  | 'AssignedPodDelete'
  | 'UnschedulableTimeout'
  | 'ForceActivate';

/** Options of {@link SchedulingQueue}. */
export interface SchedulingQueueOptions {
  clock?: Clock;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** How long a pod may stay in unschedulable before it is retried anyway. */
  maxInUnschedulableMs?: number;
}

/** SchedulingQueue holds the pods waiting for a node. */
export class SchedulingQueue {
  private readonly clock: Clock;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxInUnschedulableMs: number;
  private readonly activeQ = new Heap<QueuedPodInfo>(
    (p) => p.key,
    (a, b) => {
      const pa = podPriority(a.pod);
      const pb = podPriority(b.pod);
      return pa !== pb ? pa > pb : a.timestamp < b.timestamp;
    },
  );
  private readonly backoffQ = new Heap<QueuedPodInfo>(
    (p) => p.key,
    (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b),
  );
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  /** Popped pods still being scheduled: the latest version of each, or null once deleted. */
  private readonly inFlight = new Map<string, Pod | null>();
  private readonly waiters: ((p: QueuedPodInfo | undefined) => void)[] = [];
  private cycle = 0;
  private moveRequestCycle = -1;
  private closed = false;
  private backoffTimer: { at: number; cancel(): void } | undefined;
  private flushTimer: { cancel(): void } | undefined;

  constructor(opts: SchedulingQueueOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.initialBackoffMs = opts.initialBackoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.maxInUnschedulableMs = opts.maxInUnschedulableMs ?? 5 * 60_000;
  }

  /** schedulingCycle is the number of pods popped so far. */
  schedulingCycle(): number {
    return this.cycle;
  }

  /** add puts a new pending pod in activeQ (removing any older entry of it). */
  add(pod: Pod): void {
    const key = podKey(pod);
    if (this.inFlight.has(key)) {
      this.inFlight.set(key, pod);
      return;
    }
    const existing = this.unschedulable.get(key) ?? this.backoffQ.get(key) ?? this.activeQ.get(key);
    this.unschedulable.delete(key);
    this.backoffQ.delete(key);
    const qp: QueuedPodInfo = existing ? { ...existing, pod } : { pod, key, timestamp: this.clock.now(), attempts: 0, unschedulablePlugins: new Set() };
    this.pushActive(qp);
  }

  /**
   * update replaces a pending pod's object. A pod waiting in unschedulable whose spec or labels changed
   * is moved out (to backoffQ if still backing off), since the change may make it schedulable.
   */
  update(oldPod: Pod, newPod: Pod): void {
    const key = podKey(newPod);
    if (this.inFlight.has(key)) {
      this.inFlight.set(key, newPod);
      return;
    }
    const active = this.activeQ.get(key);
    if (active) return this.activeQ.addOrUpdate({ ...active, pod: newPod });
    const backoff = this.backoffQ.get(key);
    if (backoff) return this.backoffQ.addOrUpdate({ ...backoff, pod: newPod });
    const unsched = this.unschedulable.get(key);
    if (!unsched) return this.add(newPod);
    const updated = { ...unsched, pod: newPod };
    if (!isPodUpdated(oldPod, newPod)) {
      this.unschedulable.set(key, updated);
      return;
    }
    this.unschedulable.delete(key);
    this.requeue(updated);
  }

  /** delete drops the pod from every sub-queue. */
  delete(pod: Pod): void {
    const key = podKey(pod);
    if (this.inFlight.has(key)) this.inFlight.set(key, null);
    this.activeQ.delete(key);
    this.backoffQ.delete(key);
    this.unschedulable.delete(key);
  }

  /** pop resolves with the next pod to schedule, waiting while activeQ is empty; undefined once closed. */
  pop(): Promise<QueuedPodInfo | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const qp = this.activeQ.pop();
    if (qp) return Promise.resolve(this.startAttempt(qp));
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** done marks the end of a pod's scheduling attempt (whatever its outcome). */
  done(key: string): void {
    this.inFlight.delete(key);
  }

  /**
   * addUnschedulableIfNotPresent puts back a pod whose attempt failed. `backoffOnly` (errors, failed
   * bindings) skips the unschedulable sub-queue. Pods deleted or re-added meanwhile are not put back.
   */
  addUnschedulableIfNotPresent(qp: QueuedPodInfo, podSchedulingCycle: number, backoffOnly = false): void {
    const latest = this.inFlight.get(qp.key);
    this.inFlight.delete(qp.key);
    if (latest === null || this.closed) return;
    if (this.activeQ.has(qp.key) || this.backoffQ.has(qp.key) || this.unschedulable.has(qp.key)) return;
    const info: QueuedPodInfo = { ...qp, pod: latest ?? qp.pod, timestamp: this.clock.now() };
    if (backoffOnly || this.moveRequestCycle >= podSchedulingCycle) this.pushBackoff(info);
    else this.unschedulable.set(info.key, info);
  }

  /**
   * moveAllToActiveOrBackoff moves unschedulable pods (those `filter` accepts) back, to backoffQ when
   * they are still backing off. Pods in flight will go to backoffQ if they fail.
   */
  moveAllToActiveOrBackoff(_event: ClusterEvent, filter?: (qp: QueuedPodInfo) => boolean): void {
    for (const [key, qp] of this.unschedulable) {
      if (filter && !filter(qp)) continue;
      this.unschedulable.delete(key);
      this.requeue(qp);
    }
    this.moveRequestCycle = this.cycle;
  }

  /** pendingPods returns the pods of each sub-queue (for metrics, debugging and tests). */
  pendingPods(): { active: Pod[]; backoff: Pod[]; unschedulable: Pod[] } {
    return {
      active: this.activeQ.list().map((p) => p.pod),
      backoff: this.backoffQ.list().map((p) => p.pod),
      unschedulable: [...this.unschedulable.values()].map((p) => p.pod),
    };
  }

  /** run starts the periodic flush of long-unschedulable pods (every 30 s). */
  run(): void {
    const tick = (): void => {
      if (this.closed) return;
      this.flushUnschedulableLeftover();
      this.flushTimer = this.clock.setTimeout(tick, 30_000);
    };
    this.flushTimer = this.clock.setTimeout(tick, 30_000);
  }

  /** close wakes every waiting pop with undefined and stops the timers. */
  close(): void {
    this.closed = true;
    this.backoffTimer?.cancel();
    this.flushTimer?.cancel();
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  /** flushUnschedulableLeftover retries pods that waited in unschedulable longer than the limit. */
  flushUnschedulableLeftover(): void {
    const now = this.clock.now();
    const stale = [...this.unschedulable.values()].filter((qp) => now - qp.timestamp > this.maxInUnschedulableMs);
    if (stale.length === 0) return;
    const keys = new Set(stale.map((qp) => qp.key));
    this.moveAllToActiveOrBackoff('UnschedulableTimeout', (qp) => keys.has(qp.key));
  }

  /** flushBackoffCompleted moves pods whose backoff has expired to activeQ. */
  flushBackoffCompleted(): void {
    const now = this.clock.now();
    for (;;) {
      const head = this.backoffQ.peek();
      if (!head || this.backoffExpiry(head) > now) break;
      this.backoffQ.pop();
      this.pushActive(head);
    }
    this.armBackoffTimer();
  }

  /** backoffDuration is 1 s doubled per further attempt, capped at 10 s. */
  backoffDuration(qp: QueuedPodInfo): number {
    let d = this.initialBackoffMs;
    for (let i = 1; i < qp.attempts; i++) {
      d *= 2;
      if (d >= this.maxBackoffMs) return this.maxBackoffMs;
    }
    return d;
  }

  private backoffExpiry(qp: QueuedPodInfo): number {
    return qp.timestamp + this.backoffDuration(qp);
  }

  private requeue(qp: QueuedPodInfo): void {
    if (this.backoffExpiry(qp) > this.clock.now()) this.pushBackoff(qp);
    else this.pushActive(qp);
  }

  private startAttempt(qp: QueuedPodInfo): QueuedPodInfo {
    this.cycle++;
    const started: QueuedPodInfo = { ...qp, attempts: qp.attempts + 1, initialAttemptTimestamp: qp.initialAttemptTimestamp ?? this.clock.now() };
    this.inFlight.set(qp.key, started.pod);
    return started;
  }

  private pushActive(qp: QueuedPodInfo): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(this.startAttempt(qp));
    else this.activeQ.addOrUpdate(qp);
  }

  private pushBackoff(qp: QueuedPodInfo): void {
    this.backoffQ.addOrUpdate(qp);
    this.armBackoffTimer();
  }

  private armBackoffTimer(): void {
    const head = this.backoffQ.peek();
    if (!head || this.closed) return;
    const at = this.backoffExpiry(head);
    if (this.backoffTimer && this.backoffTimer.at <= at) return;
    this.backoffTimer?.cancel();
    const t = this.clock.setTimeout(() => {
      this.backoffTimer = undefined;
      this.flushBackoffCompleted();
    }, Math.max(0, at - this.clock.now()));
    this.backoffTimer = { at, cancel: () => t.cancel() };
  }
}

/** isPodUpdated ignores changes of status and resourceVersion-like metadata (upstream isPodUpdated). */
function isPodUpdated(oldPod: Pod, newPod: Pod): boolean {
  const strip = (p: Pod): unknown => ({
    spec: p.spec,
    labels: p.metadata?.labels,
    annotations: p.metadata?.annotations,
    ownerReferences: p.metadata?.ownerReferences,
  });
  return JSON.stringify(strip(oldPod)) !== JSON.stringify(strip(newPod));
}
