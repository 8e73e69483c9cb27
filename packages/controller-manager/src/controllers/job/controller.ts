import type { Job, JobStatus } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isNotFound, selectorFromLabelSelector } from '@nanokube/api';
import { metaNamespaceKey, resources, splitMetaNamespaceKey, type ResourceClient, type SharedInformer } from '@nanokube/client';
import {
  claimObjects,
  ControllerExpectations,
  controllerOwnerLookup,
  expectationsObserver,
  isPodActive,
  isPodReady,
  ownerReferencesPatch,
  podKey,
  QueueController,
  type ControllerContext,
  type Syncable,
  type ControllerDescriptor,
} from '../../shared/index.js';
import { completionIndex, formatIndexes, isIndexed, jobKind } from './pods.js';
import { manageJobPods } from './manage.js';
import { finishedAt, isJobFinished, restartsOf, rfc3339, setCondition } from './status.js';

/**
 * JobController runs a Job's pods to completion (upstream job controller): it keeps up to `parallelism`
 * pods running until `completions` succeeded (or, without completions, until one succeeded and the rest
 * stopped), recreates failed pods with backoff until `backoffLimit` is passed, fails the Job after
 * `activeDeadlineSeconds`, honours `suspend`, keeps `status.active/ready/succeeded/failed/terminating`,
 * start and completion times and the `Complete`/`Failed`/`Suspended` conditions, and deletes finished
 * Jobs `ttlSecondsAfterFinished` later (upstream's ttl-after-finished controller, folded in).
 */
export class JobController extends QueueController {
  readonly expectations: ControllerExpectations;
  readonly jobInformer: SharedInformer<Job>;
  readonly podInformer: SharedInformer<Pod>;
  readonly jobClient: ResourceClient<Job>;
  readonly podClient: ResourceClient<Pod>;

  private readonly ownerOf: (pod: Pod) => Job | undefined;

  constructor(ctx: ControllerContext) {
    super(ctx, 'job');
    this.expectations = new ControllerExpectations(ctx.clock);
    this.jobInformer = ctx.informers.informerFor<Job>(resources.jobs);
    this.podInformer = ctx.informers.informerFor<Pod>(resources.pods);
    this.jobClient = ctx.client<Job>(resources.jobs);
    this.podClient = ctx.client<Pod>(resources.pods);
    this.ownerOf = controllerOwnerLookup('Job', this.jobInformer);
    const observe = expectationsObserver(this.expectations, this.queue, this.ownerOf);
    this.jobInformer.addEventHandler({
      onAdd: (j) => this.enqueue(j),
      onUpdate: (_o, j) => this.enqueue(j),
      onDelete: observe.ownerDeleted,
    });
    this.podInformer.addEventHandler({
      onAdd: (pod) => (pod.metadata?.deletionTimestamp ? observe.deleted(pod) : observe.created(pod)),
      onUpdate: (oldPod, pod) => {
        if (oldPod.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
        const job = this.ownerOf(pod);
        if (job && pod.metadata?.deletionTimestamp) this.expectations.deletionObserved(metaNamespaceKey(job), podKey(pod));
        if (job) this.enqueue(job);
        const oldJob = this.ownerOf(oldPod);
        if (oldJob && oldJob !== job) this.enqueue(oldJob);
      },
      onDelete: observe.deleted,
    });
  }

  protected informersToSync(): Syncable[] {
    return [this.jobInformer, this.podInformer];
  }

  /** sync reconciles one Job by key from the caches. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const cached = this.jobInformer.store.getByName(namespace, name);
    if (!cached) {
      this.expectations.deleteExpectations(key);
      return;
    }
    if (isJobFinished(cached)) {
      await this.deleteIfExpired(cached, key);
      return;
    }
    let selector;
    try {
      selector = selectorFromLabelSelector(cached.spec?.selector ?? { matchLabels: { 'batch.kubernetes.io/controller-uid': cached.metadata?.uid ?? '' } });
    } catch (err) {
      this.ctx.recorder.event(eventTarget(cached), 'Warning', 'InvalidSelector', (err as Error).message);
      return;
    }
    const pods = await claimObjects<Pod>(this.podInformer.store.listNamespace(namespace), {
      owner: cached,
      ownerKind: jobKind,
      selector,
      patchOwnerReferences: (pod, refs) => this.podClient.inNamespace(namespace).patch(pod.metadata?.name ?? '', 'merge', ownerReferencesPatch(pod, refs)),
    });
    // Copy first: the cached object is shared with the informer.
    const job = structuredClone(cached) as Job;
    const now = this.ctx.clock.now();
    const active = pods.filter(isPodActive);
    const succeededPods = pods.filter((p) => p.status?.phase === 'Succeeded');
    const failedPods = pods.filter((p) => p.status?.phase === 'Failed');
    let status: JobStatus = { ...(job.status ?? {}) };
    // Counters never go down: a finished pod deleted by someone else still counted.
    const doneIndexes = isIndexed(job) ? new Set(succeededPods.map(completionIndex).filter((i): i is number => i !== undefined && i < (job.spec?.completions ?? 0))) : undefined;
    const succeeded = Math.max(status.succeeded ?? 0, doneIndexes ? doneIndexes.size : succeededPods.length);
    if (doneIndexes && doneIndexes.size > 0) status.completedIndexes = formatIndexes(doneIndexes);
    const failed = Math.max(status.failed ?? 0, failedPods.length);
    const suspended = job.spec?.suspend === true;
    if (!status.startTime && !suspended) status.startTime = rfc3339(now);

    const failure = this.failureReason(job, status, active, failed, now);
    let activeCount = active.length;
    let manageErr: unknown;
    if (failure) {
      await this.deletePods(job, key, active);
      activeCount = 0;
      status = setCondition(status, 'Failed', 'True', failure.reason, failure.message, now);
      this.ctx.recorder.event(eventTarget(job), 'Warning', failure.reason, failure.message);
    } else if (this.isComplete(job, succeeded, active)) {
      status = setCondition(status, 'Complete', 'True', '', '', now);
      status.completionTime = rfc3339(now);
      this.ctx.recorder.event(eventTarget(job), 'Normal', 'Completed', 'Job completed');
    } else {
      status = this.suspendCondition(job, status, now);
      if (this.expectations.satisfiedExpectations(key)) {
        try {
          activeCount = await manageJobPods(this, { job, key, active, succeededPods, failedPods, succeeded, now });
        } catch (err) {
          manageErr = err;
        }
      }
      this.requeueForDeadline(job, status, key, now);
    }
    const next: JobStatus = {
      ...status,
      active: activeCount,
      ready: active.filter(isPodReady).length,
      succeeded,
      failed,
      terminating: pods.filter((p) => p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').length,
      uncountedTerminatedPods: {},
    };
    if (JSON.stringify(next) !== JSON.stringify(job.status ?? {})) {
      const updated = await this.jobClient.inNamespace(namespace).updateStatus({ ...job, status: next });
      if (isJobFinished(updated)) await this.deleteIfExpired(updated, key);
    }
    if (manageErr !== undefined) throw manageErr;
  }

  private failureReason(job: Job, status: JobStatus, active: Pod[], failed: number, now: number): { reason: string; message: string } | undefined {
    const backoffLimit = job.spec?.backoffLimit ?? 6;
    const onFailure = job.spec?.template?.spec?.restartPolicy === 'OnFailure';
    const restarts = onFailure ? restartsOf(active) : 0;
    const pastOnFailure = onFailure && (backoffLimit === 0 ? restarts > 0 : restarts >= backoffLimit);
    if (failed > backoffLimit || pastOnFailure) {
      return { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    }
    const deadline = job.spec?.activeDeadlineSeconds;
    if (deadline !== undefined && status.startTime && job.spec?.suspend !== true && now - Date.parse(status.startTime) >= deadline * 1000) {
      return { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
    }
    return undefined;
  }

  private isComplete(job: Job, succeeded: number, active: Pod[]): boolean {
    const completions = job.spec?.completions;
    if (completions !== undefined && completions !== null) return succeeded >= completions;
    return succeeded > 0 && active.length === 0;
  }

  private suspendCondition(job: Job, status: JobStatus, now: number): JobStatus {
    const wasSuspended = (status.conditions ?? []).some((c) => c.type === 'Suspended' && c.status === 'True');
    if (job.spec?.suspend === true && !wasSuspended) {
      this.ctx.recorder.event(eventTarget(job), 'Normal', 'Suspended', 'Job suspended');
      return setCondition(status, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now);
    }
    if (job.spec?.suspend !== true && wasSuspended) {
      this.ctx.recorder.event(eventTarget(job), 'Normal', 'Resumed', 'Job resumed');
      // The deadline counts from the resume, as upstream resets startTime.
      return { ...setCondition(status, 'Suspended', 'False', 'JobResumed', 'Job resumed', now), startTime: rfc3339(now) };
    }
    return status;
  }

  private requeueForDeadline(job: Job, status: JobStatus, key: string, now: number): void {
    const deadline = job.spec?.activeDeadlineSeconds;
    if (deadline === undefined || !status.startTime || job.spec?.suspend === true) return;
    this.queue.addAfter(key, Math.max(0, Date.parse(status.startTime) + deadline * 1000 - now));
  }

  /** deletePods deletes pods of a failed Job (expectations make the next sync wait for them). */
  async deletePods(job: Job, key: string, pods: Pod[]): Promise<void> {
    if (pods.length === 0) return;
    this.expectations.expectDeletions(key, pods.map(podKey));
    const client = this.podClient.inNamespace(job.metadata?.namespace ?? '');
    const errors: unknown[] = [];
    await Promise.all(
      pods.map(async (pod) => {
        try {
          await client.delete(pod.metadata?.name ?? '');
          this.ctx.recorder.event(eventTarget(job), 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata?.name ?? ''}`);
        } catch (err) {
          this.expectations.deletionObserved(key, podKey(pod));
          if (!isNotFound(err)) errors.push(err);
        }
      }),
    );
    if (errors.length > 0) throw errors[0];
  }

  /** deleteIfExpired deletes a finished Job once its ttlSecondsAfterFinished passed, or requeues for then. */
  private async deleteIfExpired(job: Job, key: string): Promise<void> {
    const ttl = job.spec?.ttlSecondsAfterFinished;
    const done = finishedAt(job);
    if (ttl === undefined || ttl === null || done === undefined) return;
    const wait = done + ttl * 1000 - this.ctx.clock.now();
    if (wait > 0) {
      this.queue.addAfter(key, wait);
      return;
    }
    try {
      await this.jobClient.inNamespace(job.metadata?.namespace ?? '').delete(job.metadata?.name ?? '', {
        propagationPolicy: 'Foreground',
        preconditions: { uid: job.metadata?.uid ?? '' },
      });
      this.ctx.log.info({ job: key }, 'Deleted finished job after its TTL');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/** eventTarget is the involvedObject of events about a Job. */
export function eventTarget(job: Job): Job {
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: job.metadata ?? {} } as Job;
}

/** descriptor registers the job controller (upstream `job-controller`). */
export const jobControllerDescriptor: ControllerDescriptor = {
  name: 'job-controller',
  aliases: ['job'],
  create: (ctx) => new JobController(ctx),
};
