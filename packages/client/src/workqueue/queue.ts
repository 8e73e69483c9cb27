/**
 * Queue is client-go's work queue:
 *   - Fair: items are processed in the order in which they are added.
 *   - Stingy: an item is never processed by two workers at once, and an item added several times
 *     before it is processed is processed once.
 *   - An item added while it is being processed is re-queued when `done` is called for it.
 * Workers call `get()`, do the work, then always call `done(item)`.
 */
export class Queue<T> {
  private readonly items: T[] = [];
  private head = 0;
  private readonly dirty = new Set<T>();
  private readonly processing = new Set<T>();
  private readonly waiters: ((v: T | undefined) => void)[] = [];
  private shuttingDown = false;

  add(item: T): void {
    if (this.shuttingDown || this.dirty.has(item)) return;
    this.dirty.add(item);
    if (this.processing.has(item)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(item);
      this.processing.add(item);
      waiter(item);
      return;
    }
    this.items.push(item);
  }

  /** len is the number of items waiting (not those being processed). */
  len(): number {
    return this.items.length - this.head;
  }

  /** get resolves with the next item, or undefined once the queue is shut down and drained. */
  get(): Promise<T | undefined> {
    if (this.len() > 0) {
      const item = this.items[this.head++] as T;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items.splice(0, this.head);
        this.head = 0;
      }
      this.dirty.delete(item);
      this.processing.add(item);
      return Promise.resolve(item);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** done marks the item processed; if it was added meanwhile, it goes back in the queue. */
  done(item: T): void {
    this.processing.delete(item);
    if (this.dirty.has(item)) {
      this.dirty.delete(item);
      this.add(item);
    }
  }

  /** shutDown stops accepting items and wakes every waiting worker with undefined. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }
}
