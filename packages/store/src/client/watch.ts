/**
 * Watch streams. One WatchStream is one HTTP request to /v3/watch that carries any number of
 * watchers, told apart by watch_id, exactly as etcd's gRPC Watch stream does.
 *
 * Guarantees:
 * - A watcher delivers responses in the order the server sent them; within the stream, events are
 *   in revision order and a watcher sees every event of its range from its start revision on,
 *   unless it fails.
 * - A watcher ends normally only when the caller canceled it or closed its stream. Otherwise it
 *   fails with an EtcdError: `isCompacted` when the start revision was compacted (the error's
 *   `compactRevision` says up to where), `isUnavailable` when the connection broke.
 * - Backpressure: when any watcher holds more than `highWaterMark` undelivered responses, the
 *   stream stops reading from the socket until every watcher is back under half of it. One slow
 *   watcher therefore stalls the others on its stream; give independent consumers separate streams.
 */
import type http from 'node:http';
import { EtcdError, GrpcCode, errCompacted, errorFromBody } from './errors.js';
import { decodeEvent, decodeHeader, encodeWatchCreate, num, wireArray, wireObject } from './codec.js';
import { unavailable, type Transport } from './transport.js';
import type { ResponseHeader, WatchOptions, WatchResponse } from './types.js';

type Item = { response: WatchResponse } | { end: true } | { error: EtcdError };

interface PendingCreate {
  resolve(w: Watcher): void;
  reject(err: EtcdError): void;
}

/** WatchStreamOptions tune a watch stream. */
export interface WatchStreamOptions {
  /** Undelivered responses per watcher before the stream pauses reading (default 1024). */
  highWaterMark?: number;
}

/** WatchStream is one /v3/watch HTTP stream multiplexing several watchers. */
export class WatchStream {
  private readonly req: http.ClientRequest;
  private res: http.IncomingMessage | undefined;
  private readonly watchers = new Map<number, Watcher>();
  private readonly pendingCreates: PendingCreate[] = [];
  private readonly highWaterMark: number;
  private failure: EtcdError | undefined;
  private closed = false;
  private paused = false;

  constructor(transport: Transport, opts: WatchStreamOptions = {}) {
    this.highWaterMark = opts.highWaterMark ?? 1024;
    const { req, response } = transport.openDuplex('/v3/watch');
    this.req = req;
    response.then((res) => this.attach(res), (err: unknown) => this.fail(unavailable(err)));
  }

  /** watch adds a watcher; it resolves once the server confirms creation (header.revision = now). */
  watch(opts: WatchOptions): Promise<Watcher> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new EtcdError(GrpcCode.Canceled, 'watch stream closed'));
    const msg = encodeWatchCreate(opts);
    return new Promise<Watcher>((resolve, reject) => {
      this.pendingCreates.push({ resolve, reject });
      this.send(msg);
    });
  }

  /**
   * requestProgress asks the server for a progress notification: every watcher on the stream then
   * receives a response with no events whose header.revision it has fully caught up to.
   */
  requestProgress(): void {
    this.send({ progress_request: {} });
  }

  /** close ends the stream: every watcher's iteration ends normally, pending creates reject. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.req.destroy();
    this.res?.destroy();
    for (const p of this.pendingCreates.splice(0)) p.reject(new EtcdError(GrpcCode.Canceled, 'watch stream closed'));
    for (const w of this.watchers.values()) w.push({ end: true });
    this.watchers.clear();
  }

  /** True once the stream was closed or failed. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** @internal cancelWatcher sends the cancel request for a watcher of this stream. */
  sendCancel(watchId: number): void {
    this.send({ cancel_request: { watch_id: String(watchId) } });
  }

  /** @internal maybeResume resumes reading once every watcher has drained below half the mark. */
  maybeResume(): void {
    if (!this.paused) return;
    for (const w of this.watchers.values()) if (w.queued > this.highWaterMark / 2) return;
    this.paused = false;
    this.res?.resume();
  }

  private send(msg: unknown): void {
    if (this.closed) return;
    this.req.write(JSON.stringify(msg) + '\n');
  }

  private attach(res: http.IncomingMessage): void {
    this.res = res;
    if (this.closed) {
      res.destroy();
      return;
    }
    if (res.statusCode !== 200) {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => this.fail(errorFromBody(res.statusCode ?? 0, body)));
      return;
    }
    const decoder = new TextDecoder();
    let pending = '';
    res.on('data', (chunk: Buffer) => {
      pending += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (line !== '') this.onLine(line);
      }
    });
    res.on('end', () => this.fail(new EtcdError(GrpcCode.Unavailable, 'etcd unavailable: watch stream ended')));
    res.on('error', (err) => this.fail(unavailable(err)));
  }

  private onLine(line: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = wireObject(JSON.parse(line));
    } catch {
      this.fail(new EtcdError(GrpcCode.Internal, `bad watch message: ${line.slice(0, 200)}`));
      return;
    }
    if (msg.error !== undefined) {
      this.fail(errorFromBody(200, line));
      return;
    }
    this.onResult(wireObject(msg.result));
  }

  private onResult(r: Record<string, unknown>): void {
    const header = decodeHeader(r.header);
    const watchId = num(r.watch_id);
    const compactRevision = num(r.compact_revision);
    if (r.created === true) {
      this.onCreated(watchId, header, r.canceled === true, compactRevision, String(r.cancel_reason ?? ''));
      return;
    }
    if (r.canceled === true) {
      this.onCanceled(watchId, compactRevision, String(r.cancel_reason ?? ''));
      return;
    }
    const events = wireArray(r.events).map(decodeEvent);
    const response: WatchResponse = { header, watchId, events, progressNotify: events.length === 0 };
    if (watchId === -1 && events.length === 0) {
      // A progress_request's answer is for the whole stream (etcd 3.4 sends watch_id -1).
      for (const w of this.watchers.values()) this.deliver(w, { ...response, watchId: w.id });
      return;
    }
    const w = this.watchers.get(watchId);
    if (w) this.deliver(w, response);
  }

  private onCreated(watchId: number, header: ResponseHeader, canceled: boolean, compactRevision: number, reason: string): void {
    const pending = this.pendingCreates.shift();
    if (!pending) return;
    if (canceled && compactRevision === 0) {
      pending.reject(new EtcdError(GrpcCode.InvalidArgument, reason || 'watch create rejected'));
      return;
    }
    const w = new Watcher(this, watchId, header.revision);
    pending.resolve(w);
    if (canceled) w.push({ error: compactedError(compactRevision) });
    else this.watchers.set(watchId, w);
  }

  private onCanceled(watchId: number, compactRevision: number, reason: string): void {
    const w = this.watchers.get(watchId);
    if (!w) return;
    this.watchers.delete(watchId);
    if (compactRevision > 0) w.push({ error: compactedError(compactRevision) });
    else if (w.cancelRequested) w.push({ end: true });
    else w.push({ error: new EtcdError(GrpcCode.Canceled, reason || 'watch canceled by the server') });
  }

  private deliver(w: Watcher, response: WatchResponse): void {
    w.push({ response });
    if (!this.paused && w.queued >= this.highWaterMark) {
      this.paused = true;
      this.res?.pause();
    }
  }

  private fail(err: EtcdError): void {
    if (this.closed) return;
    this.closed = true;
    this.failure = err;
    this.req.destroy();
    this.res?.destroy();
    for (const p of this.pendingCreates.splice(0)) p.reject(err);
    for (const w of this.watchers.values()) w.push({ error: err });
    this.watchers.clear();
  }
}

function compactedError(compactRevision: number): EtcdError {
  return new EtcdError(GrpcCode.OutOfRange, errCompacted, { compactRevision });
}

/**
 * Watcher is one watch on a WatchStream. Consume it with `for await` (or `forEach`); iteration
 * ends when it is canceled or its stream closed, and throws when it fails (see WatchStream).
 * A watcher has a single consumer.
 */
export class Watcher implements AsyncIterable<WatchResponse> {
  /** The watch_id the server assigned. */
  readonly id: number;
  /** The stream this watcher lives on; add more watchers with `stream.watch()`. */
  readonly stream: WatchStream;
  /** The store's revision when the watcher was created. */
  readonly createdRevision: number;
  /** @internal */
  cancelRequested = false;
  /** @internal set by EtcdClient.watch: called once the watcher has ended. */
  onEnd: (() => void) | undefined;
  private readonly queue: Item[] = [];
  private waiter: (() => void) | undefined;
  private ended = false;
  private cancelWaiters: Array<() => void> = [];

  constructor(stream: WatchStream, id: number, createdRevision: number) {
    this.stream = stream;
    this.id = id;
    this.createdRevision = createdRevision;
  }

  /** True once the watcher has ended (canceled, closed or failed); queued responses may remain. */
  get done(): boolean {
    return this.ended;
  }

  /** @internal number of undelivered responses. */
  get queued(): number {
    return this.queue.length;
  }

  /** @internal push queues an item for the consumer. */
  push(item: Item): void {
    if (this.ended) return;
    if (!('response' in item)) {
      this.ended = true;
      for (const resolve of this.cancelWaiters.splice(0)) resolve();
      this.onEnd?.();
    }
    this.queue.push(item);
    this.waiter?.();
  }

  /** cancel stops the watcher; it resolves once the server confirmed (or the stream is gone). */
  cancel(): Promise<void> {
    if (this.ended) return Promise.resolve();
    this.cancelRequested = true;
    return new Promise<void>((resolve) => {
      this.cancelWaiters.push(resolve);
      if (this.stream.isClosed) this.push({ end: true });
      else this.stream.sendCancel(this.id);
    });
  }

  /** forEach calls handler for each response, awaiting it (backpressure); resolves when the watcher ends. */
  async forEach(handler: (response: WatchResponse) => void | Promise<void>): Promise<void> {
    for await (const response of this) await handler(response);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchResponse> {
    try {
      for (;;) {
        const item = this.queue.shift();
        if (item === undefined) {
          await new Promise<void>((resolve) => (this.waiter = resolve));
          this.waiter = undefined;
          continue;
        }
        this.stream.maybeResume();
        if ('response' in item) yield item.response;
        else if ('error' in item) throw item.error;
        else return;
      }
    } finally {
      // A consumer that leaves the loop early (break, throw) no longer wants the watch.
      if (!this.ended) void this.cancel();
    }
  }
}
