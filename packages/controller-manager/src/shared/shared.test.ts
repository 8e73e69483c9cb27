import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { selectorFromLabelSelector } from '@nanokube/api';
import { FakeClock } from '../__tests__/fixture.js';
import { slowStartBatch } from './batch.js';
import { claimObjects } from './claim.js';
import { ControllerExpectations, expectationsTimeoutMs } from './expectations.js';
import { canonicalJson, computeHash } from './hash.js';
import { compareActivePodsForDeletion } from './pod.js';

describe('ControllerExpectations', () => {
  it('is unsatisfied until every create and delete is observed, counting a delete once', () => {
    const e = new ControllerExpectations(new FakeClock());
    e.expectCreations('ns/rs', 2);
    e.creationObserved('ns/rs');
    expect(e.satisfiedExpectations('ns/rs')).toBe(false);
    e.creationObserved('ns/rs');
    expect(e.satisfiedExpectations('ns/rs')).toBe(true);
    e.expectDeletions('ns/rs', ['ns/a', 'ns/b']);
    e.deletionObserved('ns/rs', 'ns/a');
    e.deletionObserved('ns/rs', 'ns/a');
    expect(e.satisfiedExpectations('ns/rs')).toBe(false);
    e.deletionObserved('ns/rs', 'ns/b');
    expect(e.satisfiedExpectations('ns/rs')).toBe(true);
  });

  it('expires so a lost event cannot wedge the owner', () => {
    const clock = new FakeClock();
    const e = new ControllerExpectations(clock);
    e.expectCreations('k', 1);
    clock.ms += expectationsTimeoutMs + 1;
    expect(e.satisfiedExpectations('k')).toBe(true);
  });
});

describe('computeHash', () => {
  it('is stable across key order and changes with the template or collision count', () => {
    const a = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
    const b = { spec: { containers: [{ image: 'nginx', name: 'c' }] }, metadata: { labels: { app: 'web' } } };
    expect(computeHash(a)).toBe(computeHash(b));
    expect(computeHash(a)).not.toBe(computeHash(a, 1));
    expect(computeHash(a)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    expect(canonicalJson({ b: 1, a: undefined, c: [2] })).toBe('{"b":1,"c":[2]}');
  });
});

describe('slowStartBatch', () => {
  it('grows batches 1, 2, 4 and stops after the first failing batch', async () => {
    let calls = 0;
    const r = await slowStartBatch(10, 1, async (i) => {
      calls++;
      if (i === 4) throw new Error('quota');
    });
    // Batches 1 + 2 + 4 were sent; the third contained the failure.
    expect(calls).toBe(7);
    expect(r.successes).toBe(6);
    expect((r.error as Error).message).toBe('quota');
  });
});

describe('compareActivePodsForDeletion', () => {
  it('puts unscheduled, then pending, then not-ready pods first', () => {
    const p = (name: string, node?: string, phase?: string, ready?: boolean): Pod => ({
      metadata: { name },
      spec: { containers: [], ...(node ? { nodeName: node } : {}) },
      status: { ...(phase ? { phase } : {}), conditions: ready ? [{ type: 'Ready', status: 'True' }] : [] },
    });
    const pods = [p('ready', 'n', 'Running', true), p('running', 'n', 'Running'), p('pending', 'n', 'Pending'), p('unscheduled')];
    expect(pods.sort(compareActivePodsForDeletion).map((x) => x.metadata?.name)).toEqual(['unscheduled', 'pending', 'running', 'ready']);
  });
});

describe('claimObjects', () => {
  it('adopts matching orphans but never while the owner is being deleted', async () => {
    const patched: string[] = [];
    const orphan: Pod = { metadata: { name: 'o', labels: { app: 'web' } } };
    const opts = {
      ownerKind: { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
      selector: selectorFromLabelSelector({ matchLabels: { app: 'web' } }),
      patchOwnerReferences: async (pod: Pod) => {
        patched.push(pod.metadata!.name!);
        return pod;
      },
    };
    expect(await claimObjects([orphan], { ...opts, owner: { metadata: { uid: 'u' } } })).toHaveLength(1);
    expect(await claimObjects([orphan], { ...opts, owner: { metadata: { uid: 'u', deletionTimestamp: 'now' } } })).toHaveLength(0);
    expect(patched).toEqual(['o']);
  });
});
