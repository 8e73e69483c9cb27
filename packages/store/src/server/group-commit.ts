import { errStopped } from './errors.js';

interface Job<B> {
  apply(batch: B): unknown;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/** GroupCommitHooks connect a {@link GroupCommitter} to the store it commits for. */
export interface GroupCommitHooks<B> {
  /** newBatch starts an empty batch for the next round. */
  newBatch(): B;
  /** persist makes a batch durable; it must not resolve before the data is on disk. */
  persist(batch: B): Promise<void>;
  /** publish makes a persisted batch visible (readers, watchers), before its requests are answered. */
  publish(batch: B): void;
}

/**
 * GroupCommitter is the store's single writer. Requests queue up while a batch is being synced; each
 * round takes everything pending, applies it in arrival order against the in-memory state (so a txn
 * sees the writes of requests ahead of it), persists the round as ONE synced batch, publishes it, and
 * only then answers every request of the round. Throughput therefore grows with the number of
 * concurrent clients while each write stays durable before it is acknowledged.
 *
 * An `apply` that throws answers its own request with the error and must leave no partial change.
 * A failed persist is fatal: every pending and later request fails with "server stopped".
 */
export class GroupCommitter<B> {
  private queue: Array<Job<B>> = [];
  private running: Promise<void> | undefined;
  private stopped: Error | undefined;
  /** batches counts persisted rounds; jobs counts requests applied (for tests and status). */
  batches = 0;
  jobs = 0;
  /** failure is the persist error that stopped the committer, if any. */
  failure: unknown;
  /** onPersisted is told each round's persist time in seconds and its request count (metrics). */
  onPersisted: ((seconds: number, jobs: number) => void) | undefined;

  constructor(
    private readonly hooks: GroupCommitHooks<B>,
    private readonly maxJobsPerBatch = 2048,
  ) {}

  /** submit queues apply for the next round and resolves with its result once durable. */
  submit<T>(apply: (batch: B) => T): Promise<T> {
    if (this.stopped) return Promise.reject(errStopped());
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ apply, resolve: resolve as (v: unknown) => void, reject });
      this.running ??= this.drain();
    });
  }

  /** stop refuses new requests; resolves when every queued one has been answered. */
  async stop(): Promise<void> {
    this.stopped ??= errStopped();
    await this.running;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const jobs = this.queue.splice(0, this.maxJobsPerBatch);
      const batch = this.hooks.newBatch();
      const outcomes = jobs.map((job) => {
        try {
          return { ok: true as const, value: job.apply(batch) };
        } catch (err) {
          return { ok: false as const, err };
        }
      });
      const started = performance.now();
      try {
        await this.hooks.persist(batch);
      } catch (err) {
        this.fail(err, jobs);
        break;
      }
      this.onPersisted?.((performance.now() - started) / 1000, jobs.length);
      this.batches++;
      this.jobs += jobs.length;
      this.hooks.publish(batch);
      jobs.forEach((job, i) => {
        const o = outcomes[i]!;
        if (o.ok) job.resolve(o.value);
        else job.reject(o.err);
      });
    }
    this.running = undefined;
  }

  private fail(err: unknown, jobs: Array<Job<B>>): void {
    this.failure = err;
    this.stopped = errStopped();
    for (const job of [...jobs, ...this.queue.splice(0)]) job.reject(errStopped());
  }
}
