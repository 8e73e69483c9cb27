import { describe, expect, it } from 'vitest';
import { Queue } from './queue.js';
import { RateLimitingQueue } from './rate-limiting-queue.js';
import { ExponentialFailureRateLimiter } from './rate-limiter.js';

describe('Queue', () => {
  it('hands out items in the order they were added', async () => {
    const q = new Queue<string>();
    q.add('a');
    q.add('b');
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
  });

  it('processes an item added several times before processing only once', async () => {
    const q = new Queue<string>();
    q.add('a');
    q.add('a');
    q.add('a');
    expect(q.len()).toBe(1);
  });

  it('re-queues an item added while it was being processed, only after done', async () => {
    const q = new Queue<string>();
    q.add('a');
    const item = await q.get();
    q.add('a');
    expect(q.len()).toBe(0);
    q.done(item as string);
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe('a');
  });

  it('wakes a waiting worker when an item arrives and ends workers on shutdown', async () => {
    const q = new Queue<string>();
    const first = q.get();
    q.add('x');
    expect(await first).toBe('x');
    const second = q.get();
    q.shutDown();
    expect(await second).toBeUndefined();
  });
});

describe('RateLimitingQueue', () => {
  it('backs off exponentially per item and forgets on success', () => {
    const limiter = new ExponentialFailureRateLimiter<string>(5, 1000);
    expect([limiter.when('a'), limiter.when('a'), limiter.when('a')]).toEqual([5, 10, 20]);
    expect(limiter.numRequeues('a')).toBe(3);
    limiter.forget('a');
    expect(limiter.when('a')).toBe(5);
  });

  it('delivers an addAfter item only once its delay passed', async () => {
    const q = new RateLimitingQueue<string>();
    q.addAfter('later', 50);
    expect(q.len()).toBe(0);
    await new Promise((r) => setTimeout(r, 80));
    expect(q.len()).toBe(1);
    q.shutDown();
  });
});
