import { describe, expect, it } from 'vitest';
import { isBadRequest } from '../../errors/status.js';
import { applyStrategicMergePatch } from './merge.js';
import { hasStrategicSchema } from './schema.js';

const deploymentGvk = { group: 'apps', version: 'v1', kind: 'Deployment' };
const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'x', annotations: { a: '1' }, finalizers: ['f1'] },
  spec: {
    replicas: 1,
    template: {
      metadata: { labels: { app: 'x' } },
      spec: {
        containers: [
          { name: 'nginx', image: 'nginx:1.14', ports: [{ containerPort: 80 }], env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
          { name: 'side', image: 'busybox' },
        ],
        tolerations: [{ key: 'a', operator: 'Exists' }],
      },
    },
  },
};

describe('applyStrategicMergePatch', () => {
  it('applies kubectl set image --record (wire contract 8.6)', () => {
    const patch = {
      metadata: { annotations: { 'kubernetes.io/change-cause': 'kubectl set image deployment X nginx=nginx:1.16.0 --record=true' } },
      spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'side' }], containers: [{ image: 'nginx:1.16.0', name: 'nginx' }] } } },
    };
    const got = applyStrategicMergePatch<typeof deployment>(deployment, patch, deploymentGvk);
    expect(got.metadata.annotations).toEqual({ a: '1', 'kubernetes.io/change-cause': patch.metadata.annotations['kubernetes.io/change-cause'] });
    expect(got.spec.template.spec.containers).toEqual([{ ...deployment.spec.template.spec.containers[0], image: 'nginx:1.16.0' }, { name: 'side', image: 'busybox' }]);
  });

  it('applies rollout restart (8.6)', () => {
    const patch = { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' } } } } };
    const got = applyStrategicMergePatch<typeof deployment>(deployment, patch, deploymentGvk);
    expect(got.spec.template.metadata).toEqual({ labels: { app: 'x' }, annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' } });
  });

  it('applies kubectl edit service: keyed by port with $patch delete (8.11)', () => {
    const svc = { kind: 'Service', spec: { ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }], selector: { app: 'x' } } };
    const patch = { spec: { '$setElementOrder/ports': [{ port: 8080 }], ports: [{ port: 8080, protocol: 'TCP', targetPort: 80 }, { $patch: 'delete', port: 80 }] } };
    expect(applyStrategicMergePatch(svc, patch, { kind: 'Service' })).toEqual({
      kind: 'Service',
      spec: { ports: [{ port: 8080, protocol: 'TCP', targetPort: 80 }], selector: { app: 'x' } },
    });
  });

  it('applies cordon and uncordon (8.14)', () => {
    const node = { kind: 'Node', spec: { podCIDR: '10.244.1.0/24' } };
    const cordoned = applyStrategicMergePatch(node, { spec: { unschedulable: true } }, { kind: 'Node' });
    expect(cordoned).toEqual({ kind: 'Node', spec: { podCIDR: '10.244.1.0/24', unschedulable: true } });
    expect(applyStrategicMergePatch(cordoned, { spec: { unschedulable: null } }, { kind: 'Node' })).toEqual(node);
  });

  it('applies a client-side apply 3-way patch that changes replicas and last-applied', () => {
    const patch = { metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}\n' } }, spec: { replicas: 5 } };
    const got = applyStrategicMergePatch<typeof deployment>(deployment, patch, deploymentGvk);
    expect(got.spec.replicas).toBe(5);
    expect(got.metadata.annotations).toEqual({ a: '1', 'kubectl.kubernetes.io/last-applied-configuration': '{}\n' });
  });

  it('applies an apply patch that removes an env var and a field of a container', () => {
    const patch = {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'side' }],
            containers: [{ name: 'nginx', '$setElementOrder/env': [{ name: 'B' }], env: [{ $patch: 'delete', name: 'A' }], ports: null }],
          },
        },
      },
    };
    const got = applyStrategicMergePatch<typeof deployment>(deployment, patch, deploymentGvk);
    expect(got.spec.template.spec.containers[0]).toEqual({ name: 'nginx', image: 'nginx:1.14', env: [{ name: 'B', value: '2' }] });
  });

  it('merges keyed lists: adds new items, merges existing ones, keeps the rest', () => {
    const patch = { spec: { template: { spec: { containers: [{ name: 'new', image: 'redis' }, { name: 'side', args: ['x'] }] } } } };
    const got = applyStrategicMergePatch<typeof deployment>(deployment, patch, deploymentGvk);
    expect(got.spec.template.spec.containers.map((c) => c.name)).toEqual(['nginx', 'side', 'new']);
    expect(got.spec.template.spec.containers[1]).toEqual({ name: 'side', image: 'busybox', args: ['x'] });
  });

  it('orders merged items by $setElementOrder', () => {
    const patch = { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'side' }, { name: 'nginx' }], containers: [{ name: 'side', image: 'b2' }] } } } };
    const got = applyStrategicMergePatch<typeof deployment>(deployment, patch, deploymentGvk);
    expect(got.spec.template.spec.containers.map((c) => c.name)).toEqual(['side', 'nginx']);
  });

  it('replaces lists without a merge key whole (tolerations)', () => {
    const patch = { spec: { template: { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } } } };
    const got = applyStrategicMergePatch<typeof deployment>(deployment, patch, deploymentGvk);
    expect(got.spec.template.spec.tolerations).toEqual([{ key: 'b', operator: 'Exists' }]);
  });

  it('merges finalizers as a set and deletes from it with $deleteFromPrimitiveList', () => {
    const added = applyStrategicMergePatch<typeof deployment>(deployment, { metadata: { finalizers: ['f2', 'f1'] } }, deploymentGvk);
    expect(added.metadata.finalizers).toEqual(['f1', 'f2']);
    const removed = applyStrategicMergePatch<typeof deployment>(added, { metadata: { '$deleteFromPrimitiveList/finalizers': ['f1'] } }, deploymentGvk);
    expect(removed.metadata.finalizers).toEqual(['f2']);
  });

  it('honours $patch: replace on a map and in a list', () => {
    const mapReplace = applyStrategicMergePatch<typeof deployment>(deployment, { metadata: { annotations: { $patch: 'replace', b: '2' } } }, deploymentGvk);
    expect(mapReplace.metadata.annotations).toEqual({ b: '2' });
    const listReplace = applyStrategicMergePatch<typeof deployment>(
      deployment,
      { spec: { template: { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'x' }] } } } },
      deploymentGvk,
    );
    expect(listReplace.spec.template.spec.containers).toEqual([{ name: 'only', image: 'x' }]);
  });

  it('deletes a map with $patch: delete', () => {
    const got = applyStrategicMergePatch<typeof deployment>(deployment, { metadata: { annotations: { $patch: 'delete' } } }, deploymentGvk);
    expect(got.metadata.annotations).toEqual({});
  });

  it('applies $retainKeys to a volume source switch', () => {
    const pod = { kind: 'Pod', spec: { volumes: [{ name: 'v', emptyDir: {} }] } };
    const patch = { spec: { volumes: [{ name: 'v', $retainKeys: ['hostPath', 'name'], hostPath: { path: '/x' } }] } };
    expect(applyStrategicMergePatch(pod, patch, { kind: 'Pod' })).toEqual({ kind: 'Pod', spec: { volumes: [{ name: 'v', hostPath: { path: '/x' } }] } });
  });

  it('merges status conditions by type', () => {
    const pod = { kind: 'Pod', status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'Initialized', status: 'True' }] } };
    const got = applyStrategicMergePatch(pod, { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, { kind: 'Pod' });
    expect(got).toEqual({ kind: 'Pod', status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Initialized', status: 'True' }] } });
  });

  it('merges the pod template of a CronJob', () => {
    const cj = { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'a', image: 'v1' }, { name: 'b', image: 'v1' }] } } } } } };
    const patch = { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'b', image: 'v2' }] } } } } } };
    expect(applyStrategicMergePatch(cj, patch, { group: 'batch', kind: 'CronJob' })).toEqual({
      spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'a', image: 'v1' }, { name: 'b', image: 'v2' }] } } } } },
    });
  });

  it('strips directives from values added where the original had none', () => {
    const got = applyStrategicMergePatch({}, { spec: { containers: [{ name: 'a', env: [{ name: 'X', value: '1' }, { $patch: 'delete', name: 'Y' }], '$setElementOrder/env': [{ name: 'X' }] }] } }, { kind: 'Pod' });
    expect(got).toEqual({ spec: { containers: [{ name: 'a', env: [{ name: 'X', value: '1' }] }] } });
  });

  it.each([
    { name: 'missing merge key', patch: { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }, msg: /does not contain declared merge key: name/ },
    { name: 'unknown directive', patch: { metadata: { $patch: 'frob' } }, msg: /^unknown patch type: frob in map/ },
    { name: 'non-object patch', patch: [1], msg: /invalid JSON document/ },
  ])('rejects $name with BadRequest', ({ patch, msg }) => {
    try {
      applyStrategicMergePatch(deployment, patch, deploymentGvk);
      expect.unreachable();
    } catch (e) {
      expect(isBadRequest(e)).toBe(true);
      expect((e as Error).message).toMatch(msg);
    }
  });

  it('does not mutate its inputs', () => {
    const copy = structuredClone(deployment);
    applyStrategicMergePatch(deployment, { spec: { replicas: 9 } }, deploymentGvk);
    expect(deployment).toEqual(copy);
  });

  it('knows which kinds support SMP', () => {
    expect(hasStrategicSchema({ group: 'apps', kind: 'Deployment' })).toBe(true);
    expect(hasStrategicSchema({ kind: 'ConfigMap' })).toBe(true);
    expect(hasStrategicSchema({ group: 'example.com', kind: 'Widget' })).toBe(false);
  });
});
