import type { Job, JobCondition, JobStatus } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';

/** rfc3339 renders a time the way the API stores it (seconds precision). */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** isJobFinished reports whether the Job has a Complete or Failed condition that is True. */
export function isJobFinished(job: Job): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  }
  return undefined;
}

/** finishedAt returns when the Job finished: its completionTime, or its final condition's transition. */
export function finishedAt(job: Job): number | undefined {
  if (job.status?.completionTime) return Date.parse(job.status.completionTime);
  const c = (job.status?.conditions ?? []).find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  return c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) : undefined;
}

/** setCondition adds or refreshes a condition, keeping lastTransitionTime when the status is unchanged. */
export function setCondition(status: JobStatus, type: string, condStatus: 'True' | 'False', reason: string, message: string, nowMs: number): JobStatus {
  const conditions = [...(status.conditions ?? [])];
  const now = rfc3339(nowMs);
  const i = conditions.findIndex((c) => c.type === type);
  const prev = i >= 0 ? conditions[i] : undefined;
  if (prev && prev.status === condStatus && prev.reason === reason && prev.message === message) return status;
  const cond: JobCondition = {
    type,
    status: condStatus,
    reason,
    message,
    lastProbeTime: now,
    lastTransitionTime: prev && prev.status === condStatus ? (prev.lastTransitionTime ?? now) : now,
  };
  if (i >= 0) conditions[i] = cond;
  else conditions.push(cond);
  return { ...status, conditions };
}

/** lastFailureTime is the latest time a failed pod stopped, for the recreate backoff. */
export function lastFailureTime(failed: Pod[]): number | undefined {
  let last: number | undefined;
  for (const pod of failed) {
    const times = (pod.status?.containerStatuses ?? []).map((c) => c.state?.terminated?.finishedAt).filter((t): t is string => !!t);
    const ready = pod.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime;
    for (const t of [...times, ready, pod.status?.startTime, pod.metadata?.creationTimestamp]) {
      const ms = t ? Date.parse(t) : NaN;
      if (!Number.isNaN(ms)) {
        last = Math.max(last ?? 0, ms);
        break;
      }
    }
  }
  return last;
}

/** Upstream's pod failure backoff: 10 s, doubled per failure, capped at 6 min. */
export function failureBackoffMs(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(10_000 * 2 ** (failures - 1), 360_000);
}

/** restartsOf sums the container restarts of pods (backoffLimit counts them under OnFailure). */
export function restartsOf(pods: Pod[]): number {
  let n = 0;
  for (const p of pods) for (const c of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) n += c.restartCount ?? 0;
  return n;
}
