import { describe, expect, it } from 'vitest';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { resources } from '@nanokube/client';
import { newTestContext } from '../../__tests__/fixture.js';
import { PodGCController, quarantineMs } from './controller.js';

function pod(name: string, opts: { phase?: string; node?: string; created?: string; deleting?: boolean } = {}): Pod {
  return {
    metadata: { name, namespace: 'default', creationTimestamp: opts.created ?? '2024-01-01T00:00:00Z', ...(opts.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) },
    spec: { containers: [], ...(opts.node ? { nodeName: opts.node } : {}) },
    status: { phase: opts.phase ?? 'Running' },
  };
}

function setup(threshold: number, pods: Pod[], nodes: string[]): ReturnType<typeof newTestContext> & { c: PodGCController } {
  const t = newTestContext({ terminatedPodGcThreshold: threshold });
  const c = new PodGCController(t.ctx);
  for (const p of pods) c.podInformer.store.set(t.rest.seed(resources.pods, p));
  for (const n of nodes) c.nodeInformer.store.set(t.rest.seed(resources.nodes, { metadata: { name: n } } as Node));
  return { ...t, c };
}

const deletes = (t: ReturnType<typeof setup>): { name?: string; body: unknown }[] =>
  t.rest.writes().filter((w) => w.verb === 'delete').map((w) => ({ ...(w.name ? { name: w.name } : {}), body: w.body }));

describe('PodGCController', () => {
  it('deletes the oldest terminated pods over the threshold', async () => {
    const t = setup(1, [pod('new', { phase: 'Succeeded', node: 'w1', created: '2024-01-01T00:02:00Z' }), pod('old', { phase: 'Failed', node: 'w1', created: '2024-01-01T00:01:00Z' }), pod('run', { node: 'w1' })], ['w1']);
    await t.c.gc();
    expect(deletes(t)).toEqual([{ name: 'old', body: {} }]);
  });

  it('force-deletes pods of a node gone for longer than the quarantine', async () => {
    const t = setup(100, [pod('orphan', { node: 'gone' }), pod('fine', { node: 'w1' })], ['w1']);
    await t.c.gc();
    expect(deletes(t)).toEqual([]);
    t.clock.ms += quarantineMs;
    await t.c.gc();
    expect(deletes(t)).toEqual([{ name: 'orphan', body: { gracePeriodSeconds: 0 } }]);
  });

  it('force-deletes terminating pods that were never scheduled', async () => {
    const t = setup(100, [pod('pending', { deleting: true }), pod('bound', { deleting: true, node: 'w1' })], ['w1']);
    await t.c.gc();
    expect(deletes(t)).toEqual([{ name: 'pending', body: { gracePeriodSeconds: 0 } }]);
  });
});
