import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../registry/types.js';
import { serviceAccountAdmission } from './service-account.js';
import { admissionRequest, def } from './testing.test-helper.js';

const pods = def('', 'pods');
const pod = (spec: Partial<Pod['spec']> = {}, meta: Record<string, unknown> = {}): KubeObject =>
  ({ metadata: { name: 'web', ...meta }, spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec } }) as unknown as KubeObject;

function plugin(accounts: Record<string, { automountServiceAccountToken?: boolean }>) {
  return serviceAccountAdmission({
    getServiceAccount: async (ns, name) => (accounts[`${ns}/${name}`] ? { metadata: { name }, ...accounts[`${ns}/${name}`] } : undefined),
    namespaceExists: async (ns) => ns !== 'missing',
    waitMs: 50,
    random: () => 0,
    sleep: async () => {},
  });
}

describe('ServiceAccount admission', () => {
  it('sets the default service account and mounts the projected token volume', async () => {
    const obj = pod();
    await plugin({ 'default/default': {} }).admit?.(admissionRequest({ operation: 'CREATE', def: pods, object: obj }));
    const spec = (obj as unknown as Pod).spec;
    expect(spec?.serviceAccountName).toBe('default');
    expect(spec?.volumes?.[0]?.name).toBe('kube-api-access-bbbbb');
    expect(spec?.volumes?.[0]?.projected?.sources?.[0]).toEqual({ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } });
    expect(spec?.containers[0]?.volumeMounts).toEqual([{ name: 'kube-api-access-bbbbb', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
  });

  it('does not mount a token when automount is off on the service account', async () => {
    const obj = pod({ serviceAccountName: 'quiet' });
    await plugin({ 'default/quiet': { automountServiceAccountToken: false } }).admit?.(admissionRequest({ operation: 'CREATE', def: pods, object: obj }));
    expect((obj as unknown as Pod).spec?.volumes).toBeUndefined();
  });

  it('refuses a pod whose service account does not exist', async () => {
    await expect(plugin({}).admit?.(admissionRequest({ operation: 'CREATE', def: pods, object: pod({ serviceAccountName: 'ghost' }) }))).rejects.toThrow(
      'pods "web" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found',
    );
  });

  it('leaves mirror pods alone', async () => {
    const obj = pod({}, { annotations: { 'kubernetes.io/config.mirror': 'x' } });
    await plugin({}).admit?.(admissionRequest({ operation: 'CREATE', def: pods, object: obj }));
    expect((obj as unknown as Pod).spec?.serviceAccountName).toBeUndefined();
  });
});
