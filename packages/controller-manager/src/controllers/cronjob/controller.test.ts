import { describe, expect, it } from 'vitest';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import { resources } from '@nanokube/client';
import { newTestContext } from '../../__tests__/fixture.js';
import { CronJobController } from './controller.js';
import { next, parseSchedule } from './schedule.js';

const at = (s: string): number => Date.parse(s);
const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('parseSchedule and next', () => {
  it.each([
    { name: 'every 5 minutes', spec: '*/5 * * * *', from: '2024-01-01T00:02:00Z', want: '2024-01-01T00:05:00.000Z' },
    { name: '@hourly', spec: '@hourly', from: '2024-01-01T00:00:00Z', want: '2024-01-01T01:00:00.000Z' },
    { name: 'weekday names', spec: '30 9 * * MON-FRI', from: '2024-01-06T10:00:00Z', want: '2024-01-08T09:30:00.000Z' },
    { name: 'month names and lists', spec: '0 0 1 jan,jul *', from: '2024-01-01T00:00:00Z', want: '2024-07-01T00:00:00.000Z' },
    { name: 'dom or dow when both restricted', spec: '0 0 13 * 5', from: '2024-01-01T00:00:00Z', want: '2024-01-05T00:00:00.000Z' },
    { name: 'a time zone', spec: 'CRON_TZ=Asia/Tokyo 0 9 * * *', from: '2024-01-01T00:00:00Z', want: '2024-01-02T00:00:00.000Z' },
  ])('finds the next time for $name', ({ spec, from, want }) => {
    expect(iso(next(parseSchedule(spec), at(from)))).toBe(want);
  });

  it('rejects malformed schedules and unknown zones', () => {
    expect(() => parseSchedule('* * *')).toThrow(/expected exactly 5 fields/);
    expect(() => parseSchedule('61 * * * *')).toThrow(/above maximum/);
    expect(() => parseSchedule('* * * * *', 'Mars/Olympus')).toThrow(/unknown time zone/);
  });
});

function cronJob(spec: Partial<CronJob['spec']> = {}, status: CronJob['status'] = {}): CronJob {
  return {
    metadata: { name: 'hello', namespace: 'default', uid: 'cj-uid', creationTimestamp: '2023-12-31T23:50:00Z', resourceVersion: '1' },
    spec: {
      schedule: '*/1 * * * *',
      jobTemplate: { metadata: { labels: { team: 'a' } }, spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'hello', image: 'busybox' }] } } } },
      ...spec,
    },
    status,
  };
}

function ownedJob(name: string, finished?: 'Complete' | 'Failed', created = '2023-12-31T23:58:00Z'): Job {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: created, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', uid: 'cj-uid', controller: true }] },
    spec: { template: { spec: { containers: [] } } },
    status: finished ? { conditions: [{ type: finished, status: 'True', lastTransitionTime: created }] } : {},
  };
}

function setup(cj: CronJob, jobs: Job[] = []): ReturnType<typeof newTestContext> & { c: CronJobController } {
  const t = newTestContext();
  const c = new CronJobController(t.ctx);
  c.cronJobInformer.store.set(t.rest.seed(resources.cronjobs, cj));
  for (const j of jobs) c.jobInformer.store.set(t.rest.seed(resources.jobs, j));
  return { ...t, c };
}

describe('CronJobController', () => {
  it('creates the job of the latest missed time named in minutes since the epoch', async () => {
    const t = setup(cronJob({}, { lastScheduleTime: '2023-12-31T23:58:00Z' }));
    await t.c.sync('default/hello');
    const created = t.rest.writes().filter((w) => w.verb === 'create' && w.resource === 'jobs');
    expect(created).toHaveLength(1);
    const job = created[0]!.body as Job;
    expect(job.metadata?.name).toBe(`hello-${Date.parse('2024-01-01T00:00:00Z') / 60_000}`);
    expect(job.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe('2024-01-01T00:00:00Z');
    expect(job.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'CronJob', uid: 'cj-uid', controller: true });
    const status = (t.rest.writes().find((w) => w.subresource === 'status')!.body as CronJob).status!;
    expect(status.lastScheduleTime).toBe('2024-01-01T00:00:00Z');
    expect(status.active?.map((r) => r.name)).toEqual([job.metadata?.name]);
  });

  it('starts nothing with Forbid while a job runs, or when suspended', async () => {
    const running = ownedJob('hello-1');
    const t = setup(cronJob({ concurrencyPolicy: 'Forbid' }, { lastScheduleTime: '2023-12-31T23:58:00Z' }), [running]);
    await t.c.sync('default/hello');
    expect(t.rest.writes().filter((w) => w.resource === 'jobs')).toEqual([]);
    const s = setup(cronJob({ suspend: true }, { lastScheduleTime: '2023-12-31T23:58:00Z' }));
    await s.c.sync('default/hello');
    expect(s.rest.writes().filter((w) => w.resource === 'jobs')).toEqual([]);
  });

  it('replaces the running job with Replace', async () => {
    const t = setup(cronJob({ concurrencyPolicy: 'Replace' }, { lastScheduleTime: '2023-12-31T23:58:00Z' }), [ownedJob('hello-1')]);
    await t.c.sync('default/hello');
    expect(t.rest.writes().filter((w) => w.resource === 'jobs').map((w) => w.verb)).toEqual(['delete', 'create']);
  });

  it('skips a time missed by more than startingDeadlineSeconds', async () => {
    const t = setup(cronJob({ schedule: '0 * * * *', startingDeadlineSeconds: 10 }, { lastScheduleTime: '2023-12-31T22:00:00Z' }));
    t.clock.ms = at('2024-01-01T00:00:30Z');
    await t.c.sync('default/hello');
    expect(t.rest.writes().filter((w) => w.resource === 'jobs')).toEqual([]);
  });

  it('deletes finished jobs beyond the history limits', async () => {
    const jobs = [ownedJob('ok-1', 'Complete', '2023-12-31T23:51:00Z'), ownedJob('ok-2', 'Complete', '2023-12-31T23:52:00Z'), ownedJob('bad-1', 'Failed', '2023-12-31T23:53:00Z'), ownedJob('bad-2', 'Failed', '2023-12-31T23:54:00Z')];
    const t = setup(cronJob({ suspend: true, successfulJobsHistoryLimit: 1 }), jobs);
    await t.c.sync('default/hello');
    expect(t.rest.writes().filter((w) => w.verb === 'delete').map((w) => w.name)).toEqual(['ok-1', 'bad-1']);
  });
});
