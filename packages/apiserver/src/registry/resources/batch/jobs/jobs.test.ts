import { describe, expect, it } from 'vitest';
import { messages, runCreate } from '../../shared/testing.js';
import { cronjobs } from '../cronjobs/index.js';
import { jobs } from './index.js';

const now = new Date('2024-05-01T12:00:00Z');
const pi = {
  metadata: { name: 'pi', namespace: 'default', uid: 'u-1' },
  spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl:5.34' }] } } },
};

describe('jobs', () => {
  it('generates the selector and labels and applies defaults', () => {
    const { obj, errors } = runCreate(jobs, pi);
    expect(errors).toEqual([]);
    const spec = obj['spec'] as any;
    expect(spec).toMatchObject({
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      completions: 1,
      parallelism: 1,
      podReplacementPolicy: 'TerminatingOrFailed',
      suspend: false,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } },
    });
    expect(spec.manualSelector).toBeUndefined();
    expect(spec.template.metadata.labels).toEqual({
      'batch.kubernetes.io/controller-uid': 'u-1',
      'batch.kubernetes.io/job-name': 'pi',
      'controller-uid': 'u-1',
      'job-name': 'pi',
    });
    expect(obj.metadata.labels).toEqual(spec.template.metadata.labels);
  });

  it('assigns a uid when the registry has not yet', () => {
    const { obj } = runCreate(jobs, { ...pi, metadata: { name: 'pi', namespace: 'default' } });
    expect(obj.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('rejects the default Always restart policy', () => {
    const bad = structuredClone(pi) as any;
    delete bad.spec.template.spec.restartPolicy;
    expect(messages(runCreate(jobs, bad).errors)).toEqual([
      'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
    ]);
  });

  it.each([
    { name: 'running', status: { startTime: '2024-05-01T11:58:00Z', active: 1 }, conds: [], want: ['Running', '0/1', '2m'] },
    {
      name: 'complete',
      status: { startTime: '2024-05-01T11:50:00Z', completionTime: '2024-05-01T11:50:12Z', succeeded: 1 },
      conds: [{ type: 'Complete', status: 'True' }],
      want: ['Complete', '1/1', '12s'],
    },
    { name: 'failed', status: { startTime: '2024-05-01T11:50:00Z', failed: 7 }, conds: [{ type: 'Failed', status: 'True' }], want: ['Failed', '0/1', '10m'] },
    { name: 'suspended', status: {}, conds: [{ type: 'Suspended', status: 'True' }], want: ['Suspended', '0/1', ''] },
  ])('prints a $name job', ({ status, conds, want }) => {
    const { obj } = runCreate(jobs, pi);
    obj.metadata.creationTimestamp = '2024-05-01T11:50:00Z';
    obj['status'] = { ...status, conditions: conds };
    expect(jobs.table.row(obj, now).slice(1, 4)).toEqual(want);
  });
});

describe('cronjobs', () => {
  const cj = {
    metadata: { name: 'hello', namespace: 'default', creationTimestamp: '2024-05-01T11:00:00Z' },
    spec: { schedule: '*/1 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } } },
  };

  it('defaults and prints a cronjob', () => {
    const { obj, errors } = runCreate(cronjobs, cj);
    expect(errors).toEqual([]);
    expect(obj['spec']).toMatchObject({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    obj.metadata.creationTimestamp = '2024-05-01T11:00:00Z';
    expect(cronjobs.table.row(obj, now)).toEqual(['hello', '*/1 * * * *', '<none>', 'False', 0, '<none>', '60m', 'c', 'busybox', '<none>']);
  });

  it('rejects a malformed schedule', () => {
    const bad = structuredClone(cj);
    bad.spec.schedule = 'every minute';
    expect(messages(runCreate(cronjobs, bad).errors)).toEqual(['spec.schedule: Invalid value: "every minute": Expected exactly 5 fields, found 2: every minute']);
  });
});
