import type { LimitRange, Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../registry/types.js';
import { limitRangerAdmission } from './limit-ranger.js';
import { admissionRequest, def } from './testing.test-helper.js';

const pods = def('', 'pods');
const ranges: LimitRange[] = [
  { metadata: { name: 'lr' }, spec: { limits: [{ type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m' }, max: { cpu: '1' }, min: { memory: '64Mi' } }] } },
];
const plugin = limitRangerAdmission({ listLimitRanges: async () => ranges });
const pod = (resources?: Record<string, Record<string, string>>): KubeObject =>
  ({ metadata: { name: 'web' }, spec: { containers: [{ name: 'nginx', image: 'nginx', ...(resources ? { resources } : {}) }] } }) as unknown as KubeObject;

describe('LimitRanger admission', () => {
  it('fills defaults and records them in the annotation', async () => {
    const obj = pod();
    const req = admissionRequest({ operation: 'CREATE', def: pods, object: obj });
    await plugin.admit?.(req);
    await plugin.validate?.(req);
    const p = obj as unknown as Pod;
    expect(p.spec?.containers[0]?.resources).toEqual({ limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '256Mi' } });
    expect(p.metadata?.annotations?.['kubernetes.io/limit-ranger']).toBe('LimitRanger plugin set: cpu, memory request for container nginx; cpu, memory limit for container nginx');
  });

  it('refuses a limit above max with upstream wording', async () => {
    const obj = pod({ limits: { cpu: '2' } });
    const req = admissionRequest({ operation: 'CREATE', def: pods, object: obj });
    await plugin.admit?.(req);
    await expect(plugin.validate?.(req)).rejects.toThrow('pods "web" is forbidden: maximum cpu usage per Container is 1, but limit is 2');
  });

  it('refuses a request below min', async () => {
    const obj = pod({ requests: { memory: '32Mi' }, limits: { memory: '32Mi' } });
    const req = admissionRequest({ operation: 'CREATE', def: pods, object: obj });
    await plugin.admit?.(req);
    await expect(plugin.validate?.(req)).rejects.toThrow('minimum memory usage per Container is 64Mi, but request is 32Mi');
  });
});
