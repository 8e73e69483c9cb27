import type { ResourceQuota } from 'kubernetes-types/core/v1.js';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../registry/types.js';
import { resourceQuotaAdmission } from './resource-quota.js';
import { admissionRequest, def } from './testing.test-helper.js';

const pods = def('', 'pods');
const quotasDef = def('', 'resourcequotas');

function fixture(hard: Record<string, string>, existing: KubeObject[]) {
  const quota: ResourceQuota = { metadata: { name: 'q', namespace: 'default' }, spec: { hard } };
  const writes: unknown[] = [];
  const plugin = resourceQuotaAdmission({
    listQuotas: async () => [quota],
    listAllQuotas: async () => [quota],
    listObjects: async (d) => (d.resource === 'pods' ? existing : []),
    writeStatus: async (_q, status) => void writes.push(status),
    resources: [pods, quotasDef],
    log: pino({ level: 'silent' }),
  });
  return { plugin, writes };
}

const pod = (name: string, cpu?: string, phase?: string): KubeObject =>
  ({
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'x', ...(cpu ? { resources: { requests: { cpu }, limits: { cpu } } } : {}) }] },
    ...(phase ? { status: { phase } } : {}),
  }) as unknown as KubeObject;

describe('ResourceQuota admission', () => {
  it('refuses the pod beyond the count with upstream wording', async () => {
    const { plugin } = fixture({ pods: '2' }, [pod('a'), pod('b')]);
    const req = admissionRequest({ operation: 'CREATE', def: pods, object: pod('c') });
    await expect(plugin.validate?.(req)).rejects.toThrow('pods "c" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2');
    await plugin.afterWrite?.(req, undefined);
  });

  it('does not count finished pods', async () => {
    const { plugin } = fixture({ pods: '2' }, [pod('a'), pod('b', undefined, 'Succeeded')]);
    const req = admissionRequest({ operation: 'CREATE', def: pods, object: pod('c') });
    await plugin.validate?.(req);
    await plugin.afterWrite?.(req, req.object);
  });

  it('sums compute requests', async () => {
    const { plugin } = fixture({ 'requests.cpu': '1' }, [pod('a', '600m')]);
    const req = admissionRequest({ operation: 'CREATE', def: pods, object: pod('b', '500m') });
    await expect(plugin.validate?.(req)).rejects.toThrow('exceeded quota: q, requested: requests.cpu=500m, used: requests.cpu=600m, limited: requests.cpu=1');
    await plugin.afterWrite?.(req, undefined);
  });

  it('requires pods to state quota-limited compute resources', async () => {
    const { plugin } = fixture({ 'limits.memory': '1Gi' }, []);
    const req = admissionRequest({ operation: 'CREATE', def: pods, object: pod('a') });
    await expect(plugin.validate?.(req)).rejects.toThrow('failed quota: q: must specify limits.memory for: c');
    await plugin.afterWrite?.(req, undefined);
  });

  it('writes status.used after a successful create', async () => {
    const { plugin, writes } = fixture({ pods: '5', 'requests.cpu': '2' }, [pod('a', '250m')]);
    const req = admissionRequest({ operation: 'CREATE', def: pods, object: pod('b', '250m') });
    await plugin.validate?.(req);
    await plugin.afterWrite?.(req, req.object);
    expect(writes).toEqual([{ hard: { pods: '5', 'requests.cpu': '2' }, used: { pods: '1', 'requests.cpu': '250m' } }]);
  });

  it('serialises creates in a namespace until the first one finished', async () => {
    const { plugin } = fixture({ pods: '5' }, []);
    const first = admissionRequest({ operation: 'CREATE', def: pods, object: pod('a') });
    const second = admissionRequest({ operation: 'CREATE', def: pods, object: pod('b') });
    await plugin.validate?.(first);
    let secondDone = false;
    const p = plugin.validate?.(second).then(() => (secondDone = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(secondDone).toBe(false);
    await plugin.afterWrite?.(first, undefined);
    await p;
    expect(secondDone).toBe(true);
    await plugin.afterWrite?.(second, undefined);
  });
});
