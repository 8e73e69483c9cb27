import { describe, expect, it } from 'vitest';
import type { Clock } from '@nanokube/client';
import { makePod } from '../__tests__/fixtures.js';
import { SchedulingQueue } from './scheduling-queue.js';

/** A manual clock: timers fire only when advance() passes their time. */
class FakeClock implements Clock {
  t = 1_000_000;
  private timers: { at: number; fn: () => void; done: boolean }[] = [];
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): { cancel(): void } {
    const timer = { at: this.t + ms, fn, done: false };
    this.timers.push(timer);
    return { cancel: () => (timer.done = true) };
  }
  advance(ms: number): void {
    this.t += ms;
    for (const timer of this.timers.filter((x) => !x.done && x.at <= this.t)) {
      timer.done = true;
      timer.fn();
    }
  }
}

const names = (q: SchedulingQueue) => {
  const p = q.pendingPods();
  return { active: p.active.map((x) => x.metadata?.name), backoff: p.backoff.map((x) => x.metadata?.name), unschedulable: p.unschedulable.map((x) => x.metadata?.name) };
};

describe('SchedulingQueue', () => {
  it('pops the highest priority first, then the oldest', async () => {
    const clock = new FakeClock();
    const q = new SchedulingQueue({ clock });
    q.add(makePod('low-old', { priority: 0 }));
    clock.advance(1);
    q.add(makePod('high', { priority: 100 }));
    clock.advance(1);
    q.add(makePod('low-new', { priority: 0 }));
    const order = [];
    for (let i = 0; i < 3; i++) order.push((await q.pop())?.pod.metadata?.name);
    expect(order).toEqual(['high', 'low-old', 'low-new']);
  });

  it('parks an unschedulable pod until a cluster event moves it back, respecting backoff', async () => {
    const clock = new FakeClock();
    const q = new SchedulingQueue({ clock });
    q.add(makePod('p'));
    const qp = await q.pop();
    if (!qp) throw new Error('no pod');
    q.addUnschedulableIfNotPresent(qp, q.schedulingCycle());
    expect(names(q).unschedulable).toEqual(['p']);
    // 1. A node is added at once: the pod is still in its 1 s backoff.
    q.moveAllToActiveOrBackoff('NodeAdd');
    expect(names(q)).toEqual({ active: [], backoff: ['p'], unschedulable: [] });
    // 2. When the backoff expires it is active again.
    clock.advance(1000);
    expect(names(q).active).toEqual(['p']);
  });

  it('doubles the backoff per attempt up to 10 s', () => {
    const q = new SchedulingQueue();
    const qp = { pod: makePod('p'), key: 'default/p', timestamp: 0, attempts: 0, unschedulablePlugins: new Set<string>() };
    expect([1, 2, 3, 4, 5, 6].map((attempts) => q.backoffDuration({ ...qp, attempts }))).toEqual([1000, 2000, 4000, 8000, 10000, 10000]);
  });

  it('sends a pod that failed while a move request happened to backoff, not unschedulable', async () => {
    const clock = new FakeClock();
    const q = new SchedulingQueue({ clock });
    q.add(makePod('p'));
    const qp = await q.pop();
    if (!qp) throw new Error('no pod');
    const cycle = q.schedulingCycle();
    q.moveAllToActiveOrBackoff('NodeAdd');
    q.addUnschedulableIfNotPresent(qp, cycle);
    expect(names(q).backoff).toEqual(['p']);
  });

  it('does not requeue a pod deleted while it was being scheduled', async () => {
    const q = new SchedulingQueue({ clock: new FakeClock() });
    const pod = makePod('p');
    q.add(pod);
    const qp = await q.pop();
    if (!qp) throw new Error('no pod');
    q.delete(pod);
    q.addUnschedulableIfNotPresent(qp, q.schedulingCycle());
    expect(names(q)).toEqual({ active: [], backoff: [], unschedulable: [] });
  });

  it('moves an unschedulable pod out when its spec changes', async () => {
    const clock = new FakeClock();
    const q = new SchedulingQueue({ clock });
    const pod = makePod('p');
    q.add(pod);
    const qp = await q.pop();
    if (!qp) throw new Error('no pod');
    q.addUnschedulableIfNotPresent(qp, q.schedulingCycle());
    clock.advance(2000);
    q.update(pod, { ...pod, status: { phase: 'Pending', conditions: [] } });
    expect(names(q).unschedulable).toEqual(['p']);
    q.update(pod, { ...pod, spec: { ...pod.spec, containers: pod.spec?.containers ?? [], nodeSelector: { a: 'b' } } });
    expect(names(q).active).toEqual(['p']);
  });

  it('retries pods left unschedulable for more than 5 minutes', async () => {
    const clock = new FakeClock();
    const q = new SchedulingQueue({ clock });
    q.run();
    q.add(makePod('p'));
    const qp = await q.pop();
    if (!qp) throw new Error('no pod');
    q.addUnschedulableIfNotPresent(qp, q.schedulingCycle());
    for (let i = 0; i < 11; i++) clock.advance(30_000);
    expect(names(q).active).toEqual(['p']);
    q.close();
  });

  it('wakes a waiting pop when a pod arrives and resolves undefined once closed', async () => {
    const q = new SchedulingQueue({ clock: new FakeClock() });
    const waiting = q.pop();
    q.add(makePod('p'));
    expect((await waiting)?.pod.metadata?.name).toBe('p');
    const next = q.pop();
    q.close();
    expect(await next).toBeUndefined();
  });
});
