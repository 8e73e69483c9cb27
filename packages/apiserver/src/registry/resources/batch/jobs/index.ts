/** The `jobs` resource (batch/v1): generated selector and labels, upstream's 1.32 printer with Status. */
import { randomUUID } from 'node:crypto';
import type { Job, JobCondition } from 'kubernetes-types/batch/v1.js';
import type { KubeObject } from '../../../types.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { humanDuration } from '../../shared/humanize.js';
import { defaultPodTemplate } from '../../shared/pod-spec/defaults.js';
import { defineStatusStrategy, defineStrategy } from '../../shared/strategy.js';
import { col } from '../../shared/table.js';
import { deepEqual, rec, setDefault } from '../../shared/util.js';
import type { FieldError } from '../../shared/validation.js';
import { fieldImmutable, goLabelSelector, invalid, notSupported, validateNonNegative, validatePositive } from '../../shared/validation.js';
import { validateSelectorAndTemplate } from '../../shared/workload.js';
import { labelSelectorCell, workloadTable } from '../../shared/workload-table.js';

const j = (o: KubeObject): Job => o as unknown as Job;

/** generateSelector sets the controller-uid selector and template labels, as upstream's job strategy does. */
export function generateSelector(job: Job): void {
  const meta = (job.metadata ??= {});
  // The registry may assign the uid after prepareForCreate; assign it here so the selector can use it.
  if (!meta.uid) rec(meta)['uid'] = randomUUID();
  const spec = job.spec;
  if (!spec || spec.manualSelector === true) return;
  const uid = meta.uid ?? '';
  const name = meta.name ?? '';
  const template = (spec.template ??= {});
  const tmeta = (template.metadata ??= {});
  tmeta.labels = {
    ...(tmeta.labels ?? {}),
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': name,
    'controller-uid': uid,
    'job-name': name,
  };
  spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
}

/** defaultJob applies SetDefaults_Job. */
export function defaultJob(job: Job): void {
  const spec = job.spec;
  if (!spec) return;
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setDefault(spec, 'parallelism', 1);
  setDefault(spec, 'backoffLimit', spec.backoffLimitPerIndex !== undefined ? 2147483647 : 6);
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'podReplacementPolicy', spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed');
  const labels = spec.template?.metadata?.labels;
  const meta = (job.metadata ??= {});
  if (labels && Object.keys(meta.labels ?? {}).length === 0) meta.labels = { ...labels };
  defaultPodTemplate(spec.template);
}

function validateJob(job: Job): FieldError[] {
  const spec = job.spec;
  const errs: FieldError[] = [];
  errs.push(...validateNonNegative(spec?.parallelism, 'spec.parallelism'));
  errs.push(...validateNonNegative(spec?.completions, 'spec.completions'));
  errs.push(...validateNonNegative(spec?.backoffLimit, 'spec.backoffLimit'));
  errs.push(...validatePositive(spec?.activeDeadlineSeconds, 'spec.activeDeadlineSeconds'));
  errs.push(...validateNonNegative(spec?.ttlSecondsAfterFinished, 'spec.ttlSecondsAfterFinished'));
  const mode = spec?.completionMode;
  if (mode && mode !== 'NonIndexed' && mode !== 'Indexed') errs.push(notSupported('spec.completionMode', mode, ['NonIndexed', 'Indexed']));
  if (mode === 'Indexed' && spec?.completions === undefined) {
    errs.push({ type: 'FieldValueRequired', field: 'spec.completions', detail: 'Required value: when completion mode is Indexed' });
  }
  errs.push(...validateSelectorAndTemplate(spec, { restartPolicies: ['OnFailure', 'Never'] }));
  return errs;
}

function validateJobUpdate(job: Job, old: Job): FieldError[] {
  const errs: FieldError[] = [];
  if (!deepEqual(job.spec?.selector, old.spec?.selector)) errs.push(fieldImmutable('spec.selector', goLabelSelector(job.spec?.selector)));
  if (!deepEqual(job.spec?.template, old.spec?.template) && !old.spec?.suspend) {
    errs.push(fieldImmutable('spec.template', 'core.PodTemplateSpec{...}'));
  }
  if (job.spec?.completions !== old.spec?.completions && job.spec?.completionMode !== 'Indexed') {
    errs.push(invalid('spec.completions', job.spec?.completions ?? null, 'field is immutable'));
  }
  if (job.spec?.completionMode !== old.spec?.completionMode) errs.push(fieldImmutable('spec.completionMode', JSON.stringify(job.spec?.completionMode ?? '')));
  return errs;
}

export const jobStrategy = defineStrategy<Job>({
  hasStatus: true,
  trackGeneration: true,
  prepareForCreate: generateSelector,
  defaults: defaultJob,
  validate: validateJob,
  validateUpdate: validateJobUpdate,
});

function has(conds: JobCondition[] | undefined, type: string): boolean {
  return (conds ?? []).some((c) => c.type === type && c.status === 'True');
}

/** jobStatus is the 1.32 Status cell: Complete, Failed, Terminating, Suspended, FailureTarget, SuccessCriteriaMet or Running. */
export function jobStatus(job: Job): string {
  const c = job.status?.conditions;
  if (has(c, 'Complete')) return 'Complete';
  if (has(c, 'Failed')) return 'Failed';
  if (job.metadata?.deletionTimestamp) return 'Terminating';
  if (has(c, 'Suspended')) return 'Suspended';
  if (has(c, 'FailureTarget')) return 'FailureTarget';
  if (has(c, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

function completions(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  if (job.spec?.completions !== undefined) return `${succeeded}/${job.spec.completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function duration(job: Job, now: Date): string {
  const start = job.status?.startTime;
  if (!start) return '';
  const end = job.status?.completionTime;
  return humanDuration((end ? Date.parse(end) : now.getTime()) - Date.parse(start));
}

export const jobTable = workloadTable<Job>({
  columns: [
    col('Status', 'Status of the job.'),
    col('Completions', 'The number of pods which reached phase Succeeded.'),
    col('Duration', 'Time required to complete the job.'),
  ],
  cells: (job, now) => [jobStatus(job), completions(job), duration(job, now)],
  selector: { description: 'A label query over pods that should match the pod count.', cell: labelSelectorCell },
});

export const jobs: NanoResourceDefinition = {
  group: 'batch',
  versions: ['v1'],
  resource: 'jobs',
  singular: 'job',
  kind: 'Job',
  namespaced: true,
  categories: ['all'],
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  strategy: jobStrategy,
  statusStrategy: defineStatusStrategy<Job>(),
  table: jobTable,
  fieldSelectors: { 'status.successful': (o) => String(j(o).status?.succeeded ?? 0) },
};
