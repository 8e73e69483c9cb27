import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { systemNodeRules } from '../../bootstrap-policy/cluster-roles.js';
import type { Attributes } from '../../server/auth.js';
import { nodeAuthorizer } from './authorizer.js';

const pods: Pod[] = [
  {
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      nodeName: 'worker01',
      serviceAccountName: 'web-sa',
      containers: [{ name: 'c', env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'db-pass', key: 'p' } } }] }],
      volumes: [{ name: 'cfg', configMap: { name: 'web-config' } }, { name: 'data', persistentVolumeClaim: { claimName: 'web-data' } }],
    },
  },
];
const authorize = nodeAuthorizer(
  {
    podsOnNode: async (n) => pods.filter((p) => p.spec?.nodeName === n),
    getPersistentVolumeClaim: async (_ns, name) => (name === 'web-data' ? { spec: { volumeName: 'pv-1' } } : undefined),
  },
  systemNodeRules,
);
const node = (name: string) => ({ name: `system:node:${name}`, groups: ['system:nodes', 'system:authenticated'] });

function a(user: { name: string; groups: string[] }, verb: string, resource: string, namespace: string, name: string, extra: Partial<Attributes> = {}): Attributes {
  return { user, verb, isResourceRequest: true, apiGroup: '', apiVersion: 'v1', resource, subresource: '', namespace, name, path: '', ...extra };
}

describe('nodeAuthorizer', () => {
  it.each([
    { name: 'a secret its pod uses in env', attrs: a(node('worker01'), 'get', 'secrets', 'default', 'db-pass'), want: true },
    { name: 'a configmap its pod mounts', attrs: a(node('worker01'), 'get', 'configmaps', 'default', 'web-config'), want: true },
    { name: 'the PV behind its pod PVC', attrs: a(node('worker01'), 'get', 'persistentvolumes', '', 'pv-1'), want: true },
    { name: 'the secret from another node', attrs: a(node('worker02'), 'get', 'secrets', 'default', 'db-pass'), want: false },
    { name: 'an unreferenced secret', attrs: a(node('worker01'), 'get', 'secrets', 'default', 'other'), want: false },
    { name: 'listing all secrets', attrs: a(node('worker01'), 'list', 'secrets', 'default', ''), want: false },
    { name: 'a token for its pod service account', attrs: a(node('worker01'), 'create', 'serviceaccounts', 'default', 'web-sa', { subresource: 'token' }), want: true },
    { name: 'a token for another service account', attrs: a(node('worker01'), 'create', 'serviceaccounts', 'default', 'default', { subresource: 'token' }), want: false },
    { name: 'its own lease', attrs: a(node('worker01'), 'update', 'leases', 'kube-node-lease', 'worker01', { apiGroup: 'coordination.k8s.io' }), want: true },
    { name: 'another node lease', attrs: a(node('worker01'), 'update', 'leases', 'kube-node-lease', 'worker02', { apiGroup: 'coordination.k8s.io' }), want: false },
    { name: 'pod status through system:node rules', attrs: a(node('worker01'), 'patch', 'pods', 'default', 'web', { subresource: 'status' }), want: true },
    { name: 'deployments (not in system:node)', attrs: a(node('worker01'), 'list', 'deployments', 'default', '', { apiGroup: 'apps' }), want: false },
  ])('node access to $name: $want', async ({ attrs, want }) => {
    expect((await authorize(attrs)).allowed).toBe(want);
  });

  it('has no opinion about users that are not nodes', async () => {
    expect(await authorize(a({ name: 'jane', groups: ['system:authenticated'] }, 'get', 'secrets', 'default', 'db-pass'))).toEqual({ allowed: false });
  });

  it('explains a missing relationship', async () => {
    const d = await authorize(a(node('worker02'), 'get', 'secrets', 'default', 'db-pass'));
    expect(d.reason).toBe("no relationship found between node 'worker02' and this object");
  });
});
