/**
 * The StatefulSet update algorithm (upstream defaultStatefulSetControl.updateStatefulSet): one pass over
 * the ordinals that should exist ("replicas") and those that should not ("condemned", highest first).
 * OrderedReady ("monotonic") stops at the first pod that is missing, unready, unavailable or terminating,
 * so pods are created 0..N-1 one at a time and removed N-1..0 one at a time; Parallel acts on all of them
 * at once. A RollingUpdate then deletes the highest-ordinal pod not at the update revision, down to the
 * partition, one per pass and only once every pod above it is healthy; the pass that follows re-creates
 * it from the update revision. OnDelete replaces pods only when the user deletes them.
 */
import type { ControllerRevision, StatefulSet, StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { EventRecorder } from '@nanokube/client';
import type { Logger } from '@nanokube/component-base';
import { podKey, slowStartBatch } from '../../shared/index.js';
import {
  applyRevision,
  getOrdinal,
  isHealthy,
  isRunningAndAvailable,
  isRunningAndReady,
  isTerminating,
  newVersionedPod,
  podRevision,
  replicaCount,
  startOrdinal,
  type VersionedSets,
} from './identity.js';
import { eventTarget, type StatefulPodControl } from './pod-control.js';

/** Input of {@link StatefulSetControl.updateStatefulSet}. */
export interface UpdateInput {
  /** A copy of the set (not the cached object). */
  set: StatefulSet;
  /** The pods the set controls. */
  pods: Pod[];
  currentRevision: ControllerRevision;
  updateRevision: ControllerRevision;
  collisionCount: number;
}

/** One pass's view of the set: the wanted slots and the pods to remove. */
interface Pass {
  set: StatefulSet;
  versions: VersionedSets;
  replicas: Pod[];
  condemned: Pod[];
  /** Slots filled with a pod not created yet. */
  placeholders: WeakSet<Pod>;
  firstUnhealthy: Pod | undefined;
  monotonic: boolean;
}

/** A step over one pod; true stops a monotonic pass. */
type Step = (pod: Pod, index: number) => Promise<boolean>;

/** StatefulSetControl runs one reconciliation pass of a StatefulSet. */
export class StatefulSetControl {
  constructor(
    private readonly deps: {
      podControl: StatefulPodControl;
      recorder: EventRecorder;
      log: Logger;
      now(): number;
    },
  ) {}

  /** updateStatefulSet acts on the set's pods and returns the status they add up to, and the first error. */
  async updateStatefulSet(input: UpdateInput): Promise<{ status: StatefulSetStatus; error?: unknown }> {
    const pass = this.newPass(input);
    const status = (): StatefulSetStatus => this.computeStatus(input, pass);
    try {
      if (input.set.metadata?.deletionTimestamp) return { status: status() };
      if (await this.runForAll(pass, pass.replicas, (pod, i) => this.processReplica(pass, pod, i))) return { status: status() };
      if (await this.runForAll(pass, pass.condemned, (pod) => this.fixCondemnedClaims(pass, pod))) return { status: status() };
      if (await this.runForAll(pass, pass.condemned, (pod) => this.processCondemned(pass, pod))) return { status: status() };
      const st = status();
      if (input.set.spec?.updateStrategy?.type === 'OnDelete') return { status: st };
      if (await this.rollOne(pass, input.updateRevision)) st.currentReplicas = Math.max(0, (st.currentReplicas ?? 0) - 1);
      return { status: st };
    } catch (error) {
      return { status: status(), error };
    }
  }

  private newPass(input: UpdateInput): Pass {
    const { set } = input;
    const versions: VersionedSets = {
      currentSet: applyRevision(set, input.currentRevision),
      updateSet: applyRevision(set, input.updateRevision),
      currentRevision: input.currentRevision.metadata?.name ?? '',
      updateRevision: input.updateRevision.metadata?.name ?? '',
    };
    const start = startOrdinal(set);
    const count = replicaCount(set);
    const slots: (Pod | undefined)[] = new Array<Pod | undefined>(count).fill(undefined);
    const condemned: Pod[] = [];
    for (const pod of input.pods) {
      const ordinal = getOrdinal(pod);
      if (ordinal >= start && ordinal < start + count) slots[ordinal - start] = pod;
      else if (ordinal >= 0) condemned.push(pod);
    }
    const placeholders = new WeakSet<Pod>();
    const replicas = slots.map((pod, i) => {
      if (pod) return pod;
      const fresh = newVersionedPod(versions, start + i);
      placeholders.add(fresh);
      return fresh;
    });
    condemned.sort((a, b) => getOrdinal(b) - getOrdinal(a));
    const firstUnhealthy = [...replicas, ...condemned].find((p) => !isHealthy(p));
    return { set, versions, replicas, condemned, placeholders, firstUnhealthy, monotonic: set.spec?.podManagementPolicy !== 'Parallel' };
  }

  /**
   * runForAll applies step to pods in order, stopping at the first that asks to wait when monotonic;
   * with Parallel it runs them all in slow-start batches. It returns true when the pass must end here;
   * a step's error is rethrown.
   */
  private async runForAll(pass: Pass, pods: Pod[], step: Step): Promise<boolean> {
    if (pass.monotonic) {
      for (let i = 0; i < pods.length; i++) if (await step(pods[i] as Pod, i)) return true;
      return false;
    }
    const { error } = await slowStartBatch(pods.length, 1, async (i) => {
      await step(pods[i] as Pod, i);
    });
    if (error !== undefined) throw error;
    return false;
  }

  /** processReplica brings one wanted ordinal closer to a running, ready pod of the right identity. */
  private async processReplica(pass: Pass, pod: Pod, index: number): Promise<boolean> {
    const { set, monotonic } = pass;
    const pc = this.deps.podControl;
    const phase = pod.status?.phase;
    if (!pass.placeholders.has(pod) && (phase === 'Failed' || phase === 'Succeeded')) {
      // Delete it; the pass after its deletion is observed re-creates the ordinal.
      if (!isTerminating(pod)) {
        const [type, reason, what] = phase === 'Failed' ? (['Warning', 'RecreatingFailedPod', 'failed'] as const) : (['Normal', 'RecreatingTerminatedPod', 'terminated'] as const);
        this.deps.recorder.event(eventTarget(set), type, reason, `StatefulSet ${set.metadata?.namespace}/${set.metadata?.name} is recreating ${what} Pod ${pod.metadata?.name}`);
        await pc.deleteStatefulPod(set, pod);
      }
      return true;
    }
    if (pass.placeholders.has(pod)) {
      // A claim still owned by a scaled-down predecessor is about to be garbage collected: wait for it.
      if (pc.podClaimIsStale(set, pod)) return true;
      const created = await pc.createStatefulPod(set, pod);
      return !created || monotonic;
    }
    if (phase === 'Pending') await pc.createMissingClaims(set, pod);
    const minReady = set.spec?.minReadySeconds ?? 0;
    if (monotonic && (isTerminating(pod) || !isRunningAndReady(pod) || !isRunningAndAvailable(pod, minReady, this.deps.now()))) {
      this.deps.log.debug({ pod: podKey(pod), index }, 'StatefulSet is waiting for Pod to be Running and Ready');
      return true;
    }
    await pc.updateStatefulPod(set, pod);
    return false;
  }

  /** fixCondemnedClaims hands the claims of a pod about to be removed to it when whenScaled is Delete. */
  private async fixCondemnedClaims(pass: Pass, pod: Pod): Promise<boolean> {
    const pc = this.deps.podControl;
    if (!pc.claimsMatchRetentionPolicy(pass.versions.updateSet, pod)) await pc.updateClaimsForRetentionPolicy(pass.versions.updateSet, pod);
    return false;
  }

  /** processCondemned deletes one pod above the wanted range; monotonic waits for its successors first. */
  private async processCondemned(pass: Pass, pod: Pod): Promise<boolean> {
    if (isTerminating(pod)) return pass.monotonic;
    const minReady = pass.set.spec?.minReadySeconds ?? 0;
    const healthy = isRunningAndReady(pod) && isRunningAndAvailable(pod, minReady, this.deps.now());
    if (pass.monotonic && !healthy && pod !== pass.firstUnhealthy) return true;
    this.deps.log.debug({ pod: podKey(pod) }, 'Pod of StatefulSet is terminating for scale down');
    await this.deps.podControl.deleteStatefulPod(pass.set, pod);
    return true;
  }

  /**
   * rollOne deletes the highest-ordinal pod at or above the partition that is not at the update
   * revision, once every pod above it is healthy; it returns true if it deleted one.
   */
  private async rollOne(pass: Pass, updateRevision: ControllerRevision): Promise<boolean> {
    const partition = pass.set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
    for (let target = pass.replicas.length - 1; target >= partition; target--) {
      const pod = pass.replicas[target] as Pod;
      if (podRevision(pod) !== updateRevision.metadata?.name && !isTerminating(pod)) {
        this.deps.log.debug({ pod: podKey(pod) }, 'Pod of StatefulSet is terminating for update');
        if (!pass.placeholders.has(pod)) await this.deps.podControl.deleteStatefulPod(pass.set, pod);
        return true;
      }
      if (!isHealthy(pod)) return false;
    }
    return false;
  }

  /** computeStatus counts created pods: ready, available, at the current and at the update revision. */
  private computeStatus(input: UpdateInput, pass: Pass): StatefulSetStatus {
    const minReady = input.set.spec?.minReadySeconds ?? 0;
    const now = this.deps.now();
    const n = { replicas: 0, ready: 0, available: 0, current: 0, updated: 0 };
    for (const pod of [...pass.replicas, ...pass.condemned]) {
      if (pass.placeholders.has(pod)) continue;
      n.replicas++;
      if (isRunningAndReady(pod)) {
        n.ready++;
        if (isRunningAndAvailable(pod, minReady, now)) n.available++;
      }
      if (isTerminating(pod)) continue;
      if (podRevision(pod) === pass.versions.currentRevision) n.current++;
      if (podRevision(pod) === pass.versions.updateRevision) n.updated++;
    }
    return {
      observedGeneration: input.set.metadata?.generation ?? 0,
      replicas: n.replicas,
      readyReplicas: n.ready,
      currentReplicas: n.current,
      updatedReplicas: n.updated,
      availableReplicas: n.available,
      currentRevision: pass.versions.currentRevision,
      updateRevision: pass.versions.updateRevision,
      collisionCount: input.collisionCount,
    };
  }
}
