import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@nanokube/component-base';
import type { StoreEngine } from '../engine.js';
import { GrpcCode, RpcError, isRpcError } from '../errors.js';
import type { WatchCreateRequest } from '../watch/types.js';
import type { WatchStream } from '../watch/watch-stream.js';
import { decodeMessage, schemas } from './decode.js';
import { errorBody, type Encoder } from './encode.js';
import { JsonObjectSplitter } from './json-stream.js';

/** StreamContext is what the streaming endpoints share with the rest of the HTTP layer. */
export interface StreamContext {
  engine: StoreEngine;
  encoder: Encoder;
  log: Logger;
  maxRequestBytes: number;
  /** Buffered response bytes above which a watch stream stops taking live events and catches up later. */
  maxBufferedBytes: number;
  /** Headers every response carries (CORS, as the gateway sends them). */
  headers: Record<string, string>;
  /** Responses of open streams, ended at shutdown (fastify no longer tracks hijacked replies). */
  open: Set<ServerResponse>;
}

/**
 * BidiStream runs one gateway streaming call over HTTP/1.1: the request body is a sequence of JSON
 * messages, the response a sequence of `{"result":...}` lines, and the response outlives the request
 * body. Headers go out with the first message; an error before that is a 500 with the gateway's error
 * body (as etcd answers a bad first message), an error after it stops reading further messages.
 */
class BidiStream {
  private started = false;
  private failed = false;

  constructor(
    private readonly ctx: StreamContext,
    private readonly req: IncomingMessage,
    readonly res: ServerResponse,
    private readonly onMessage: (msg: unknown) => void,
    /**
     * Whether the response ends when the request body does. etcd's keepalive handler returns on the
     * client's EOF (so the gateway ends the response); its watch handler keeps streaming events.
     */
    private readonly endWithRequest = false,
  ) {}

  run(): void {
    this.ctx.open.add(this.res);
    this.res.on('close', () => this.ctx.open.delete(this.res));
    const splitter = new JsonObjectSplitter(this.ctx.maxRequestBytes * 2);
    this.req.on('data', (chunk: Buffer) => {
      if (this.failed) return;
      try {
        for (const msg of splitter.push(chunk)) this.onMessage(msg);
      } catch (err) {
        this.fail(err);
      }
    });
    this.req.on('end', () => {
      if (this.failed) return;
      try {
        splitter.end();
      } catch (err) {
        this.fail(err);
        return;
      }
      if (this.endWithRequest && !this.res.writableEnded) {
        if (!this.started) this.write('');
        this.res.end();
      }
    });
    this.req.on('error', () => this.res.destroy());
  }

  /** write sends one message line; returns false once the client is not keeping up. */
  write(line: string): boolean {
    if (this.res.destroyed || this.res.writableEnded) return false;
    if (!this.started) {
      this.started = true;
      const head = { ...this.ctx.headers, 'content-type': 'application/json', 'grpc-metadata-content-type': 'application/grpc' };
      this.res.writeHead(200, head);
    }
    this.res.write(line);
    return this.res.writableLength < this.ctx.maxBufferedBytes;
  }

  private fail(err: unknown): void {
    this.failed = true;
    const rpc = isRpcError(err) ? err : new RpcError(GrpcCode.Unknown, String(err));
    if (!isRpcError(err)) this.ctx.log.error({ err }, 'Failed to serve a stream message');
    if (this.started) {
      this.ctx.log.debug({ err: rpc.message }, 'Stopped reading a stream after a bad message');
      return;
    }
    const body = errorBody(new RpcError(GrpcCode.Unknown, rpc.message));
    const head = {
      ...this.ctx.headers,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    };
    this.res.writeHead(500, head);
    // The client may still be sending: drop the connection once the answer is out.
    this.res.end(body, () => this.req.destroy());
  }
}

/** serveWatch serves POST /v3/watch. */
export function serveWatch(ctx: StreamContext, req: IncomingMessage, res: ServerResponse): void {
  let stream: WatchStream | undefined;
  const bidi = new BidiStream(ctx, req, res, (raw) => {
    const msg = decodeMessage<{
      createRequest?: WatchCreateRequest;
      cancelRequest?: { watchId?: number };
      progressRequest?: object;
    }>(schemas.watch, raw);
    stream ??= ctx.engine.openWatchStream({ write: (r) => bidi.write(ctx.encoder.watch(r)) });
    if (msg.createRequest) stream.create(msg.createRequest);
    else if (msg.cancelRequest) stream.cancel(msg.cancelRequest.watchId ?? 0);
    else if (msg.progressRequest) stream.requestProgress();
  });
  res.on('drain', () => stream?.resume());
  res.on('close', () => stream?.close());
  bidi.run();
}

/** serveLeaseKeepAlive serves POST /v3/lease/keepalive. */
export function serveLeaseKeepAlive(ctx: StreamContext, req: IncomingMessage, res: ServerResponse): void {
  const bidi = new BidiStream(ctx, req, res, (raw) => {
    const msg = decodeMessage<{ ID?: bigint }>(schemas.leaseId, raw);
    bidi.write(ctx.encoder.leaseKeepAlive(ctx.engine.leaseKeepAlive(msg.ID ?? 0n)));
  }, true);
  bidi.run();
}
