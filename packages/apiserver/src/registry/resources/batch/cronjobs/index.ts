/** The `cronjobs` resource (batch/v1). */
import type { CronJob } from 'kubernetes-types/batch/v1.js';
import type { KubeObject } from '../../../types.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { since } from '../../shared/humanize.js';
import { defaultPodTemplate } from '../../shared/pod-spec/defaults.js';
import { defineStatusStrategy, defineStrategy } from '../../shared/strategy.js';
import {
  ageColumn,
  ageOf,
  col,
  containersColumn,
  formatLabelSelector,
  imagesColumn,
  layoutContainerCells,
  nameColumn,
  selectorColumn,
  table,
} from '../../shared/table.js';
import { setDefault } from '../../shared/util.js';
import type { FieldError } from '../../shared/validation.js';
import { invalid, notSupported, required, validateNonNegative } from '../../shared/validation.js';
import { validatePodTemplate } from '../../shared/workload.js';

const cj = (o: KubeObject): CronJob => o as unknown as CronJob;

const macros = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/** cronScheduleError checks a standard 5-field cron schedule (or a macro) and returns upstream's parser message. */
export function cronScheduleError(schedule: string): string | undefined {
  const s = schedule.trim();
  if (s.startsWith('@')) {
    if (macros.has(s) || s.startsWith('@every ')) return undefined;
    return `unrecognized descriptor: ${s}`;
  }
  const body = s.replace(/^(CRON_)?TZ=\S+\s+/, '');
  const fields = body.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) return `Expected exactly 5 fields, found ${fields.length}: ${s}`;
  const ok = /^(\*|\?|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/[0-9]+)?(,(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/[0-9]+)?)*$/;
  for (const f of fields) if (!ok.test(f)) return `failed to parse int from ${f}: strconv.Atoi: parsing ${JSON.stringify(f)}: invalid syntax`;
  return undefined;
}

function defaultCronJob(c: CronJob): void {
  const spec = c.spec;
  if (!spec) return;
  setDefault(spec, 'concurrencyPolicy', 'Allow');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'successfulJobsHistoryLimit', 3);
  setDefault(spec, 'failedJobsHistoryLimit', 1);
  defaultPodTemplate(spec.jobTemplate?.spec?.template);
}

function validateCronJob(c: CronJob): FieldError[] {
  const spec = c.spec;
  const errs: FieldError[] = [];
  if (!spec?.schedule) errs.push(required('spec.schedule'));
  else {
    const e = cronScheduleError(spec.schedule);
    if (e) errs.push(invalid('spec.schedule', spec.schedule, e));
  }
  const cp = spec?.concurrencyPolicy;
  if (cp && !['Allow', 'Forbid', 'Replace'].includes(cp)) errs.push(notSupported('spec.concurrencyPolicy', cp, ['Allow', 'Forbid', 'Replace']));
  errs.push(...validateNonNegative(spec?.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'));
  errs.push(...validateNonNegative(spec?.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit'));
  errs.push(...validateNonNegative(spec?.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit'));
  const template = spec?.jobTemplate?.spec?.template;
  if (!template) errs.push(required('spec.jobTemplate.spec.template'));
  else errs.push(...validatePodTemplate(template, 'spec.jobTemplate.spec.template', { restartPolicies: ['OnFailure', 'Never'] }));
  if ((c.metadata?.name?.length ?? 0) > 52) {
    errs.push(invalid('metadata.name', c.metadata?.name ?? '', 'must be no more than 52 characters'));
  }
  return errs;
}

export const cronjobs: NanoResourceDefinition = {
  group: 'batch',
  versions: ['v1'],
  resource: 'cronjobs',
  singular: 'cronjob',
  kind: 'CronJob',
  namespaced: true,
  shortNames: ['cj'],
  categories: ['all'],
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  strategy: defineStrategy<CronJob>({ hasStatus: true, trackGeneration: true, defaults: defaultCronJob, validate: validateCronJob }),
  statusStrategy: defineStatusStrategy<CronJob>(),
  table: table(
    [
      nameColumn,
      col('Schedule', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
      col('Timezone', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'),
      col('Suspend', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.', { type: 'boolean' }),
      col('Active', 'A list of pointers to currently running jobs.', { type: 'integer' }),
      col('Last Schedule', 'Information when was the last time the job was successfully scheduled.'),
      ageColumn,
      containersColumn,
      imagesColumn,
      selectorColumn('A label query over pods that should match the pod count.'),
    ],
    (o, now) => {
      const c = cj(o);
      const [containers, images] = layoutContainerCells(c.spec?.jobTemplate?.spec?.template?.spec?.containers);
      const suspend = c.spec?.suspend;
      return [
        o.metadata.name ?? '',
        c.spec?.schedule ?? '',
        c.spec?.timeZone ?? '<none>',
        suspend === undefined ? '<unset>' : suspend ? 'True' : 'False',
        c.status?.active?.length ?? 0,
        c.status?.lastScheduleTime ? since(c.status.lastScheduleTime, now) : '<none>',
        ageOf(o, now),
        containers,
        images,
        formatLabelSelector(c.spec?.jobTemplate?.spec?.selector),
      ];
    },
  ),
};
