import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { newControllerRef, podFromTemplate } from '../../shared/index.js';

/** The owner kind written into pods' controller references. */
export const jobKind = { apiVersion: 'batch/v1', kind: 'Job' };
/** Annotation and label carrying an Indexed Job pod's completion index. */
export const completionIndexKey = 'batch.kubernetes.io/job-completion-index';

/** isIndexed reports whether the Job runs in Indexed completion mode. */
export function isIndexed(job: Job): boolean {
  return job.spec?.completionMode === 'Indexed';
}

/** completionIndex reads a pod's completion index, if it has a valid one. */
export function completionIndex(pod: Pod): number | undefined {
  const v = pod.metadata?.annotations?.[completionIndexKey] ?? pod.metadata?.labels?.[completionIndexKey];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

/**
 * newJobPod builds a pod of the Job: the template with a controller reference and `generateName`
 * `<job>-` (`<job>-<index>-` plus the index annotation, label and hostname in Indexed mode).
 */
export function newJobPod(job: Job, index?: number): Pod {
  const name = job.metadata?.name ?? '';
  const pod = podFromTemplate({
    template: job.spec?.template,
    namespace: job.metadata?.namespace ?? '',
    generateName: index === undefined ? `${name}-` : `${name}-${index}-`,
    controllerRef: newControllerRef(job, jobKind),
  });
  const meta = pod.metadata ?? {};
  // The apiserver puts the job labels on the template; a Job created before that still selects its pods.
  meta.labels = { 'batch.kubernetes.io/controller-uid': job.metadata?.uid ?? '', 'batch.kubernetes.io/job-name': name, ...meta.labels };
  if (index !== undefined) {
    meta.annotations = { ...meta.annotations, [completionIndexKey]: String(index) };
    meta.labels = { ...meta.labels, [completionIndexKey]: String(index) };
    const spec = pod.spec ?? { containers: [] };
    return { ...pod, metadata: meta, spec: { ...spec, hostname: spec.hostname ?? `${name}-${index}` } };
  }
  return { ...pod, metadata: meta };
}

/** formatIndexes renders a sorted index set as `0-2,5` (status.completedIndexes). */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] as number) + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
