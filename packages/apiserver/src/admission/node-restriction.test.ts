import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../registry/types.js';
import { nodeRestrictionAdmission } from './node-restriction.js';
import { admissionRequest, def } from './testing.test-helper.js';

const worker01 = { name: 'system:node:worker01', groups: ['system:nodes', 'system:authenticated'] };
const podOn = (node: string, name = 'web'): KubeObject => ({ metadata: { name, namespace: 'default', uid: `uid-${name}` }, spec: { nodeName: node } }) as unknown as KubeObject;
const plugin = nodeRestrictionAdmission({ getPod: async (_ns, name) => (name === 'web' ? podOn('worker01') : name === 'far' ? podOn('worker02', 'far') : undefined) });

describe('NodeRestriction admission', () => {
  it('lets a node update status of its own pods only', async () => {
    const own = admissionRequest({ operation: 'UPDATE', def: def('', 'pods'), name: 'web', subresource: 'status', old: podOn('worker01'), user: worker01 });
    await expect(plugin.validate?.(own)).resolves.toBeUndefined();
    const other = admissionRequest({ operation: 'UPDATE', def: def('', 'pods'), name: 'far', subresource: 'status', old: podOn('worker02', 'far'), user: worker01 });
    await expect(plugin.validate?.(other)).rejects.toThrow('node "worker01" can only update pod status for pods with spec.nodeName set to itself');
  });

  it('lets a node create only mirror pods', async () => {
    const req = admissionRequest({ operation: 'CREATE', def: def('', 'pods'), object: podOn('worker01'), user: worker01 });
    await expect(plugin.validate?.(req)).rejects.toThrow('node "worker01" can only create mirror pods');
  });

  it('refuses changes to other nodes', async () => {
    const req = admissionRequest({ operation: 'UPDATE', def: def('', 'nodes', false), name: 'worker02', namespace: '', user: worker01 });
    await expect(plugin.validate?.(req)).rejects.toThrow('nodes "worker02" is forbidden: node "worker01" is not allowed to modify node "worker02"');
  });

  it('issues tokens only bound to pods on the node', async () => {
    const body = (pod: string) => ({ metadata: {}, spec: { boundObjectRef: { kind: 'Pod', name: pod } } }) as unknown as KubeObject;
    const sa = def('', 'serviceaccounts');
    await expect(plugin.validate?.(admissionRequest({ operation: 'CREATE', def: sa, subresource: 'token', name: 'default', object: body('web'), user: worker01 }))).resolves.toBeUndefined();
    await expect(plugin.validate?.(admissionRequest({ operation: 'CREATE', def: sa, subresource: 'token', name: 'default', object: body('far'), user: worker01 }))).rejects.toThrow(
      'node requested token bound to a pod scheduled on a different node',
    );
  });

  it('does not apply to other users', () => {
    expect(plugin.handles(admissionRequest({ operation: 'UPDATE', def: def('', 'nodes', false), name: 'x' }))).toBe(false);
  });
});
