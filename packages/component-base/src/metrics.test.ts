import { describe, expect, it } from 'vitest';
import { createMetricsRegistry, instrumentQueue, renderMetrics, type InstrumentableQueue } from './metrics.js';

class FifoQueue implements InstrumentableQueue<string> {
  items: string[] = [];
  add(item: string): void {
    this.items.push(item);
  }
  async get(): Promise<string | undefined> {
    return this.items.shift();
  }
  done(): void {}
  len(): number {
    return this.items.length;
  }
}

describe('instrumentQueue', () => {
  it('records adds, depth, queue and work durations per queue name', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const a = new FifoQueue();
    const b = new FifoQueue();
    instrumentQueue(registry, 'deployment', a);
    instrumentQueue(registry, 'replicaset', b);
    a.add('x');
    a.add('y');
    b.add('z');
    const item = await a.get();
    expect(item).toBe('x');
    a.done(item as string);
    const { body, contentType } = await renderMetrics(registry);
    expect(contentType).toContain('text/plain');
    expect(body).toMatch(/^workqueue_adds_total{name="deployment"} 2$/m);
    expect(body).toMatch(/^workqueue_adds_total{name="replicaset"} 1$/m);
    expect(body).toMatch(/^workqueue_depth{name="deployment"} 1$/m);
    expect(body).toMatch(/^workqueue_depth{name="replicaset"} 1$/m);
    expect(body).toMatch(/^workqueue_queue_duration_seconds_count{name="deployment"} 1$/m);
    expect(body).toMatch(/^workqueue_work_duration_seconds_count{name="deployment"} 1$/m);
    expect(body).not.toMatch(/^process_cpu/m);
  });
});
