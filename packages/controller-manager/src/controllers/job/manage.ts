import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { compareActivePodsForDeletion, slowStartBatch } from '../../shared/index.js';
import type { JobController } from './controller.js';
import { completionIndex, isIndexed, newJobPod } from './pods.js';
import { failureBackoffMs, lastFailureTime } from './status.js';

/** Upper bound of pods created in one sync (upstream's burst limit). */
const maxCreatesPerSync = 500;

/** What {@link manageJobPods} works from. */
export interface ManageArgs {
  job: Job;
  key: string;
  active: Pod[];
  succeededPods: Pod[];
  failedPods: Pod[];
  succeeded: number;
  now: number;
}

/** wantActive is how many pods should run now (upstream manageJob's wantActive). */
export function wantActive(job: Job, active: number, succeeded: number): number {
  if (job.spec?.suspend === true) return 0;
  const parallelism = job.spec?.parallelism ?? 1;
  const completions = job.spec?.completions;
  // Without completions the Job is done once one pod succeeded: start none, let the others finish.
  if (completions === undefined || completions === null) return succeeded > 0 ? active : parallelism;
  return Math.max(0, Math.min(parallelism, completions - succeeded));
}

/**
 * manageJobPods creates or deletes pods towards {@link wantActive} and returns the resulting active count.
 * Surplus pods go least valuable first; new pods wait out the failure backoff and are created in
 * slow-start batches under expectations, so a slow watch cannot cause extra pods.
 */
export async function manageJobPods(c: JobController, a: ManageArgs): Promise<number> {
  const { job, key, active } = a;
  const want = wantActive(job, active.length, a.succeeded);
  if (active.length > want) {
    const victims = [...active].sort(compareActivePodsForDeletion).slice(0, active.length - want);
    await c.deletePods(job, key, victims);
    return want;
  }
  const diff = Math.min(want - active.length, maxCreatesPerSync);
  if (diff <= 0) return active.length;
  const last = lastFailureTime(a.failedPods);
  const readyAt = last === undefined ? 0 : last + failureBackoffMs(a.failedPods.length);
  if (a.now < readyAt) {
    c.queue.addAfter(key, readyAt - a.now);
    return active.length;
  }
  const indexes = isIndexed(job) ? pendingIndexes(job, active, a.succeededPods).slice(0, diff) : undefined;
  const count = indexes ? indexes.length : diff;
  if (count === 0) return active.length;
  const client = c.podClient.inNamespace(job.metadata?.namespace ?? '');
  c.expectations.expectCreations(key, count);
  let attempted = 0;
  const { successes, error } = await slowStartBatch(count, 1, async (i) => {
    attempted++;
    try {
      const pod = await client.create(newJobPod(job, indexes?.[i]));
      c.ctx.recorder.event(target(job), 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata?.name ?? ''}`);
    } catch (err) {
      c.expectations.creationObserved(key);
      c.ctx.recorder.event(target(job), 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
      throw err;
    }
  });
  if (error !== undefined) {
    // Creates never sent will never be observed.
    c.expectations.lowerExpectations(key, count - attempted, 0);
    throw error;
  }
  return active.length + successes;
}

/** pendingIndexes lists the completion indexes with neither a succeeded nor an active pod. */
export function pendingIndexes(job: Job, active: Pod[], succeeded: Pod[]): number[] {
  const taken = new Set([...active, ...succeeded].map(completionIndex).filter((i): i is number => i !== undefined));
  const out: number[] = [];
  for (let i = 0; i < (job.spec?.completions ?? 0); i++) if (!taken.has(i)) out.push(i);
  return out;
}

function target(job: Job): Job {
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: job.metadata ?? {} } as Job;
}
