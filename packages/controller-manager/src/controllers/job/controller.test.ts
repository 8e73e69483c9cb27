import { describe, expect, it } from 'vitest';
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { resources } from '@nanokube/client';
import { newTestContext } from '../../__tests__/fixture.js';
import { JobController } from './controller.js';
import { formatIndexes } from './pods.js';

function job(spec: Partial<Job['spec']> = {}, status: Job['status'] = {}): Job {
  return {
    metadata: { name: 'pi', namespace: 'default', uid: 'job-uid', resourceVersion: '1' },
    spec: {
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'job-uid' } },
      template: {
        metadata: { labels: { 'batch.kubernetes.io/controller-uid': 'job-uid', 'job-name': 'pi' } },
        spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl' }] },
      },
      ...spec,
    },
    status,
  };
}

function pod(name: string, phase: string, extra: { index?: number } = {}): Pod {
  return {
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      creationTimestamp: '2023-12-31T23:00:00Z',
      labels: { 'batch.kubernetes.io/controller-uid': 'job-uid', ...(extra.index !== undefined ? { 'batch.kubernetes.io/job-completion-index': String(extra.index) } : {}) },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: 'job-uid', controller: true }],
    },
    spec: { containers: [] },
    status: { phase },
  };
}

function setup(j: Job, pods: Pod[] = []): ReturnType<typeof newTestContext> & { c: JobController } {
  const t = newTestContext();
  const c = new JobController(t.ctx);
  c.jobInformer.store.set(t.rest.seed(resources.jobs, j));
  for (const p of pods) c.podInformer.store.set(t.rest.seed(resources.pods, p));
  return { ...t, c };
}

/** refresh shows the job as the server now has it, as the informer would. */
function refresh(t: ReturnType<typeof setup>): void {
  t.c.jobInformer.store.set(t.rest.get<Job>('jobs', 'default', 'pi')!);
}

function lastStatus(t: ReturnType<typeof setup>): Job['status'] {
  const w = t.rest.writes().filter((a) => a.resource === 'jobs' && a.subresource === 'status');
  return (w.at(-1)?.body as Job | undefined)?.status;
}

describe('JobController', () => {
  it('creates parallelism pods named after the job and records the start time', async () => {
    const t = setup(job({ parallelism: 2, completions: 5 }));
    await t.c.sync('default/pi');
    const creates = t.rest.writes().filter((w) => w.verb === 'create' && w.resource === 'pods');
    expect(creates).toHaveLength(2);
    const p = creates[0]!.body as Pod;
    expect(p.metadata?.generateName).toBe('pi-');
    expect(p.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Job', name: 'pi', uid: 'job-uid', controller: true });
    expect(lastStatus(t)).toMatchObject({ active: 2, succeeded: 0, failed: 0, ready: 0, startTime: '2024-01-01T00:00:00Z' });
  });

  it('waits for its expectations before creating more', async () => {
    const t = setup(job({ parallelism: 2, completions: 5 }));
    await t.c.sync('default/pi');
    refresh(t);
    await t.c.sync('default/pi');
    expect(t.rest.writes().filter((w) => w.verb === 'create' && w.resource === 'pods')).toHaveLength(2);
  });

  it('completes when enough pods succeeded', async () => {
    const t = setup(job({ completions: 2, parallelism: 1 }, { startTime: '2024-01-01T00:00:00Z' }), [pod('pi-a', 'Succeeded'), pod('pi-b', 'Succeeded')]);
    await t.c.sync('default/pi');
    const st = lastStatus(t)!;
    expect(st).toMatchObject({ succeeded: 2, active: 0, completionTime: '2024-01-01T00:00:00Z' });
    expect(st.conditions).toEqual([expect.objectContaining({ type: 'Complete', status: 'True' })]);
    expect(t.rest.writes().some((w) => w.verb === 'create' && w.resource === 'pods')).toBe(false);
  });

  it('fails with BackoffLimitExceeded after more failures than the limit', async () => {
    const t = setup(job({ backoffLimit: 1, completions: 1 }), [pod('pi-a', 'Failed'), pod('pi-b', 'Failed'), pod('pi-c', 'Running')]);
    await t.c.sync('default/pi');
    expect(t.rest.writes().filter((w) => w.verb === 'delete').map((w) => w.name)).toEqual(['pi-c']);
    const st = lastStatus(t)!;
    expect(st).toMatchObject({ failed: 2, active: 0 });
    expect(st.conditions).toEqual([expect.objectContaining({ type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' })]);
  });

  it('fails with DeadlineExceeded past activeDeadlineSeconds', async () => {
    const t = setup(job({ activeDeadlineSeconds: 30 }, { startTime: '2023-12-31T23:59:00Z' }), [pod('pi-a', 'Running')]);
    await t.c.sync('default/pi');
    expect(lastStatus(t)!.conditions).toEqual([expect.objectContaining({ type: 'Failed', reason: 'DeadlineExceeded' })]);
  });

  it('delays the replacement of a failed pod by the failure backoff', async () => {
    const failed = pod('pi-a', 'Failed');
    failed.status = { phase: 'Failed', containerStatuses: [{ name: 'pi', image: 'perl', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, finishedAt: '2023-12-31T23:59:55Z' } } }] };
    const t = setup(job({ completions: 1 }), [failed]);
    await t.c.sync('default/pi');
    expect(t.rest.writes().some((w) => w.verb === 'create' && w.resource === 'pods')).toBe(false);
    t.clock.ms += 6_000;
    refresh(t);
    await t.c.sync('default/pi');
    expect(t.rest.writes().filter((w) => w.verb === 'create' && w.resource === 'pods')).toHaveLength(1);
  });

  it('runs one pod per missing completion index in Indexed mode', async () => {
    const t = setup(job({ completionMode: 'Indexed', completions: 3, parallelism: 3 }), [pod('pi-0-x', 'Succeeded', { index: 0 })]);
    await t.c.sync('default/pi');
    const created = t.rest.writes().filter((w) => w.verb === 'create' && w.resource === 'pods').map((w) => w.body as Pod);
    expect(created.map((p) => p.metadata?.generateName)).toEqual(['pi-1-', 'pi-2-']);
    expect(created[0]!.metadata?.annotations?.['batch.kubernetes.io/job-completion-index']).toBe('1');
    expect(created[0]!.spec?.hostname).toBe('pi-1');
    expect(lastStatus(t)).toMatchObject({ succeeded: 1, completedIndexes: '0', active: 2 });
  });

  it('deletes a finished job once ttlSecondsAfterFinished passed', async () => {
    const done = job({ ttlSecondsAfterFinished: 10 }, { completionTime: '2023-12-31T23:59:40Z', conditions: [{ type: 'Complete', status: 'True' }] });
    const t = setup(done);
    await t.c.sync('default/pi');
    expect(t.rest.writes()).toEqual([expect.objectContaining({ verb: 'delete', resource: 'jobs', name: 'pi', body: { propagationPolicy: 'Foreground', preconditions: { uid: 'job-uid' } } })]);
  });

  it('formats completed indexes as ranges', () => {
    expect(formatIndexes([5, 0, 1, 2, 7, 8])).toBe('0-2,5,7-8');
  });
});
