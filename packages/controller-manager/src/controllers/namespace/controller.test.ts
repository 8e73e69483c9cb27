import type { Namespace, Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { resources } from '@nanokube/client';
import { newTestContext } from '../../__tests__/fixture.js';
import { NamespaceController } from './controller.js';

function setup(ns: Namespace) {
  const f = newTestContext();
  const c = new NamespaceController(f.ctx);
  c.discover = async () => [
    { ...resources.pods, verbs: ['list', 'watch', 'delete', 'create'] },
    { ...resources.configmaps, verbs: ['list', 'delete'] },
    { ...resources.nodes, verbs: ['list', 'delete'] },
  ];
  const stored = f.rest.seed(resources.namespaces, ns);
  c.nsInformer.store.set(stored);
  return { ...f, c };
}

const terminating = (): Namespace => ({
  metadata: { name: 'team', deletionTimestamp: '2024-01-01T00:00:00Z' },
  spec: { finalizers: ['kubernetes'] },
  status: { phase: 'Terminating' },
});

describe('NamespaceController', () => {
  it('deletes every namespaced object and waits while some remain', async () => {
    const { c, rest } = setup(terminating());
    rest.seed(resources.pods, { metadata: { name: 'p', namespace: 'team' } } as Pod);
    rest.seed(resources.configmaps, { metadata: { name: 'cm', namespace: 'team' } });
    rest.seed(resources.pods, { metadata: { name: 'other', namespace: 'default' } } as Pod);
    await c.syncHandler('team');
    const deletes = rest.writes().filter((a) => a.verb === 'delete').map((a) => `${a.resource}/${a.namespace}/${a.name}`);
    expect(deletes.sort()).toEqual(['configmaps/team/cm', 'pods/team/p']);
    expect(rest.writes().some((a) => a.subresource === 'finalize')).toBe(false);
    const ns = rest.get<Namespace>('namespaces', undefined, 'team')!;
    expect(ns.status?.conditions?.find((x) => x.type === 'NamespaceContentRemaining')).toMatchObject({
      status: 'True',
      message: 'Some resources are remaining: configmaps has 1 resource instances, pods has 1 resource instances',
    });
  });

  it('finalizes an empty namespace by removing the kubernetes finalizer', async () => {
    const { c, rest } = setup(terminating());
    await c.syncHandler('team');
    const fin = rest.writes().find((a) => a.subresource === 'finalize')!;
    expect(fin).toMatchObject({ verb: 'update', resource: 'namespaces', name: 'team' });
    expect((fin.body as Namespace).spec?.finalizers).toEqual([]);
  });

  it('leaves active namespaces alone', async () => {
    const { c, rest } = setup({ metadata: { name: 'team' }, spec: { finalizers: ['kubernetes'] } });
    rest.seed(resources.pods, { metadata: { name: 'p', namespace: 'team' } } as Pod);
    await c.syncHandler('team');
    expect(rest.writes()).toEqual([]);
  });
});
