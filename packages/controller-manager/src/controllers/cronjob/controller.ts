import type { CronJob, CronJobStatus, Job } from 'kubernetes-types/batch/v1.js';
import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists, isNotFound } from '@nanokube/api';
import { resources, splitMetaNamespaceKey, type ResourceClient, type SharedInformer } from '@nanokube/client';
import {
  enqueueObject,
  enqueueOwnerOf,
  isControlledBy,
  newControllerRef,
  QueueController,
  type ControllerContext,
  type ControllerDescriptor,
  type Syncable,
} from '../../shared/index.js';
import { finishedAt, isJobFinished, rfc3339 } from '../job/status.js';
import { next, parseSchedule, type Schedule } from './schedule.js';

const cronJobKind = { apiVersion: 'batch/v1', kind: 'CronJob' };
/** Annotation with the scheduled time a Job was created for. */
export const scheduledTimestampAnnotation = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

/**
 * CronJobController creates a Job for every scheduled time of a CronJob (upstream cronjob controller v2):
 * Jobs are named `<cronjob>-<scheduled time in minutes since the epoch>`, missed times are caught up
 * only within startingDeadlineSeconds (and only the latest), concurrencyPolicy Allow/Forbid/Replace
 * decides about overlaps, `suspend` stops new Jobs, and finished Jobs beyond the history limits go.
 * `status.active` and `lastScheduleTime`/`lastSuccessfulTime` are kept.
 */
export class CronJobController extends QueueController {
  readonly cronJobInformer: SharedInformer<CronJob>;
  readonly jobInformer: SharedInformer<Job>;
  readonly cronJobClient: ResourceClient<CronJob>;
  readonly jobClient: ResourceClient<Job>;

  constructor(ctx: ControllerContext) {
    super(ctx, 'cronjob');
    this.cronJobInformer = ctx.informers.informerFor<CronJob>(resources.cronjobs);
    this.jobInformer = ctx.informers.informerFor<Job>(resources.jobs);
    this.cronJobClient = ctx.client<CronJob>(resources.cronjobs);
    this.jobClient = ctx.client<Job>(resources.jobs);
    const { onAdd, onUpdate } = enqueueObject<CronJob>(this.queue);
    this.cronJobInformer.addEventHandler({ onAdd, onUpdate });
    this.jobInformer.addEventHandler(enqueueOwnerOf('CronJob', this.cronJobInformer, this.queue));
  }

  protected informersToSync(): Syncable[] {
    return [this.cronJobInformer, this.jobInformer];
  }

  /** sync reconciles one CronJob: tidy its active list, maybe start a Job, prune history, requeue. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const cached = this.cronJobInformer.store.getByName(namespace, name);
    if (!cached) return;
    // Copy first: the cached object is shared with the informer.
    const cj = structuredClone(cached) as CronJob;
    const jobs = this.jobInformer.store.listNamespace(namespace).filter((j) => isControlledBy(j, cj));
    const status: CronJobStatus = { ...(cj.status ?? {}) };
    this.refreshActive(cj, status, jobs);
    if (!cj.metadata?.deletionTimestamp) {
      const schedule = this.schedule(cj);
      if (schedule) await this.maybeStart(cj, status, jobs, schedule, key);
    }
    await this.pruneHistory(cj, jobs);
    if (JSON.stringify(status) !== JSON.stringify(cj.status ?? {})) {
      await this.cronJobClient.inNamespace(namespace).updateStatus({ ...cj, status });
    }
  }

  /** refreshActive keeps status.active in step with the owned Jobs that are still running. */
  private refreshActive(cj: CronJob, status: CronJobStatus, jobs: Job[]): void {
    const active = new Map((status.active ?? []).map((r) => [r.uid ?? '', r]));
    for (const job of jobs) {
      const uid = job.metadata?.uid ?? '';
      const finished = isJobFinished(job);
      if (!finished) {
        if (!active.has(uid)) active.set(uid, jobRef(job));
        continue;
      }
      if (active.delete(uid)) {
        this.ctx.recorder.event(target(cj), 'Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata?.name ?? ''}, status: ${finished}`);
      }
      const done = finishedAt(job);
      if (finished === 'Complete' && done !== undefined && (!status.lastSuccessfulTime || Date.parse(status.lastSuccessfulTime) < done)) {
        status.lastSuccessfulTime = rfc3339(done);
      }
    }
    // Jobs gone from the cache (deleted) leave the list too.
    const known = new Set(jobs.map((j) => j.metadata?.uid ?? ''));
    for (const uid of [...active.keys()]) if (!known.has(uid)) active.delete(uid);
    if (active.size > 0) status.active = [...active.values()];
    else delete status.active;
  }

  private schedule(cj: CronJob): Schedule | undefined {
    try {
      return parseSchedule(cj.spec?.schedule ?? '', cj.spec?.timeZone ?? undefined);
    } catch (err) {
      const msg = (err as Error).message;
      const reason = msg.startsWith('unknown time zone') ? 'UnknownTimeZone' : 'UnparseableSchedule';
      this.ctx.recorder.event(target(cj), 'Warning', reason, reason === 'UnknownTimeZone' ? `invalid timeZone: "${cj.spec?.timeZone}": ${msg}` : `unparseable schedule: "${cj.spec?.schedule}" : ${msg}`);
      return undefined;
    }
  }

  /** maybeStart creates the Job of the most recent unmet schedule time, if policy allows, and requeues. */
  private async maybeStart(cj: CronJob, status: CronJobStatus, jobs: Job[], schedule: Schedule, key: string): Promise<void> {
    const now = this.ctx.clock.now();
    const upcoming = next(schedule, now);
    if (upcoming !== undefined) this.queue.addAfter(key, upcoming - now + 100);
    if (cj.spec?.suspend) return;
    const scheduled = this.mostRecentTime(cj, status, schedule, now);
    if (scheduled === undefined) return;
    const deadline = cj.spec?.startingDeadlineSeconds;
    if (deadline !== undefined && deadline !== null && scheduled < now - deadline * 1000) {
      this.ctx.recorder.event(target(cj), 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc3339(scheduled)}`);
      return;
    }
    const jobName = `${cj.metadata?.name ?? ''}-${Math.floor(scheduled / 60_000)}`;
    if (jobs.some((j) => j.metadata?.name === jobName)) return;
    const running = status.active ?? [];
    if (running.length > 0 && cj.spec?.concurrencyPolicy === 'Forbid') return;
    const client = this.jobClient.inNamespace(cj.metadata?.namespace ?? '');
    if (running.length > 0 && cj.spec?.concurrencyPolicy === 'Replace') {
      for (const ref of running) {
        try {
          await client.delete(ref.name ?? '', { propagationPolicy: 'Background' });
          this.ctx.recorder.event(target(cj), 'Normal', 'SuccessfulDelete', `Deleted job ${ref.name ?? ''}`);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      delete status.active;
    }
    let created: Job;
    try {
      created = await client.create(this.newJob(cj, jobName, scheduled));
      this.ctx.recorder.event(target(cj), 'Normal', 'SuccessfulCreate', `Created job ${jobName}`);
    } catch (err) {
      if (!isAlreadyExists(err)) {
        this.ctx.recorder.event(target(cj), 'Warning', 'FailedCreate', `Error creating job: ${(err as Error).message}`);
        throw err;
      }
      created = await client.get(jobName);
      if (!isControlledBy(created, cj)) return;
    }
    status.active = [...(status.active ?? []).filter((r) => r.uid !== created.metadata?.uid), jobRef(created)];
    status.lastScheduleTime = rfc3339(scheduled);
  }

  /** mostRecentTime is the latest schedule time in (last scheduled or created, now], warning when many were missed. */
  private mostRecentTime(cj: CronJob, status: CronJobStatus, schedule: Schedule, now: number): number | undefined {
    let earliest = Date.parse(status.lastScheduleTime ?? cj.metadata?.creationTimestamp ?? '') || now;
    const deadline = cj.spec?.startingDeadlineSeconds;
    if (deadline !== undefined && deadline !== null) earliest = Math.max(earliest, now - deadline * 1000);
    let latest: number | undefined;
    let missed = 0;
    for (let t = next(schedule, earliest); t !== undefined && t <= now; t = next(schedule, t)) {
      latest = t;
      if (++missed > 100) {
        this.ctx.recorder.event(target(cj), 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
        // Jump close to now rather than walk every missed minute.
        earliest = now - 3_600_000;
        for (let u = next(schedule, earliest); u !== undefined && u <= now; u = next(schedule, u)) latest = u;
        break;
      }
    }
    return latest;
  }

  /** newJob builds the Job of one scheduled time from the jobTemplate (upstream getJobFromTemplate2). */
  private newJob(cj: CronJob, name: string, scheduled: number): Job {
    const tmpl = cj.spec?.jobTemplate;
    return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name,
        namespace: cj.metadata?.namespace ?? '',
        labels: { ...(tmpl?.metadata?.labels ?? {}) },
        annotations: { ...(tmpl?.metadata?.annotations ?? {}), [scheduledTimestampAnnotation]: rfc3339(scheduled) },
        ownerReferences: [newControllerRef(cj, cronJobKind)],
      },
      spec: structuredClone(tmpl?.spec ?? { template: { spec: { containers: [] } } }),
    };
  }

  /** pruneHistory deletes the oldest finished Jobs beyond the successful and failed history limits. */
  private async pruneHistory(cj: CronJob, jobs: Job[]): Promise<void> {
    const limits = { Complete: cj.spec?.successfulJobsHistoryLimit ?? 3, Failed: cj.spec?.failedJobsHistoryLimit ?? 1 };
    const client = this.jobClient.inNamespace(cj.metadata?.namespace ?? '');
    for (const kind of ['Complete', 'Failed'] as const) {
      const finished = jobs
        .filter((j) => isJobFinished(j) === kind && !j.metadata?.deletionTimestamp)
        .sort((a, b) => (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? ''));
      for (const job of finished.slice(0, Math.max(0, finished.length - limits[kind]))) {
        try {
          await client.delete(job.metadata?.name ?? '', { propagationPolicy: 'Background' });
          this.ctx.recorder.event(target(cj), 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata?.name ?? ''}`);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
    }
  }
}

function jobRef(job: Job): ObjectReference {
  return {
    kind: 'Job',
    namespace: job.metadata?.namespace ?? '',
    name: job.metadata?.name ?? '',
    uid: job.metadata?.uid ?? '',
    apiVersion: 'batch/v1',
    resourceVersion: job.metadata?.resourceVersion ?? '',
  };
}

function target(cj: CronJob): CronJob {
  return { apiVersion: 'batch/v1', kind: 'CronJob', metadata: cj.metadata ?? {} } as CronJob;
}

/** descriptor registers the cronjob controller (upstream `cronjob-controller`). */
export const cronJobControllerDescriptor: ControllerDescriptor = {
  name: 'cronjob-controller',
  aliases: ['cronjob'],
  create: (ctx) => new CronJobController(ctx),
};
