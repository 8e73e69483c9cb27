import { Readable } from 'node:stream';
import { renderMetrics, type Logger } from '@nanokube/component-base';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { storeMetrics } from '../metrics.js';
import type { StoreEngine } from '../engine.js';
import { errMessageTooLarge, errRequestTooLarge, GrpcCode, isRpcError, RpcError } from '../errors.js';
import { dumpSnapshot } from '../snapshot/format.js';
import { decodeMessage, parseJson } from './decode.js';
import { Encoder, errorBody, httpStatusOf } from './encode.js';
import { unaryRoutes } from './routes.js';
import { serveLeaseKeepAlive, serveWatch, type StreamContext } from './streams.js';

/** etcdVersion is the etcd release whose gateway this one mirrors. */
export const etcdVersion = '3.4.23';
/** defaultMaxRequestBytes is etcd's default --max-request-bytes (1.5 MiB). */
export const defaultMaxRequestBytes = 1.5 * 1024 * 1024;

const corsHeaders = {
  'access-control-allow-headers': 'accept, content-type, authorization',
  'access-control-allow-methods': 'POST, GET, OPTIONS, PUT, DELETE',
  'access-control-allow-origin': '*',
};
const jsonHeaders = { 'content-type': 'application/json' };
const textHeaders = { 'content-type': 'text/plain; charset=utf-8' };
const okHeaders = { ...corsHeaders, ...jsonHeaders, 'grpc-metadata-content-type': 'application/grpc' };
const snapshotChunkBytes = 32 * 1024;

/** StoreAppOptions configure {@link buildStoreApp}. */
export interface StoreAppOptions {
  engine: StoreEngine;
  logger: Logger;
  maxRequestBytes?: number | undefined;
}

/** StoreApp is the fastify app plus a hook that ends its open streams (call before app.close). */
export interface StoreApp {
  app: FastifyInstance;
  endStreams(): void;
}

/**
 * buildStoreApp builds the fastify app serving etcd's v3 JSON gateway over engine (no listen).
 * Request bodies are read as text and decoded by decode.ts; the two bidirectional streams (watch,
 * lease keepalive) get their raw request and response.
 */
export function buildStoreApp(opts: StoreAppOptions): StoreApp {
  const { engine, logger } = opts;
  const maxRequestBytes = opts.maxRequestBytes ?? defaultMaxRequestBytes;
  const encoder = new Encoder(engine.clusterId, engine.memberId, etcdVersion);
  // etcd's gRPC server accepts messages up to the request limit plus 512 KiB of overhead.
  const grpcLimit = maxRequestBytes + 512 * 1024;
  // No fastify logger: it would build a child logger per request, and we log what matters ourselves.
  const app = Fastify({
    logger: false,
    requestTimeout: 0,
    connectionTimeout: 0,
    // base64 makes bodies 4/3 of the request; decoded sizes are checked against the limits themselves.
    bodyLimit: Math.ceil((grpcLimit * 4) / 3) + 64 * 1024,
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err: Error & { code?: string; statusCode?: number }, req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const length = Number(req.headers['content-length'] ?? 0);
      const size = Math.floor((Math.max(length, Math.ceil((grpcLimit * 4) / 3)) * 3) / 4);
      // Read the rest of the body before answering, as etcd does: a client that is still uploading would
      // otherwise see its connection reset (EPIPE) instead of the answer. Bodies far over the limit are
      // not drained; the connection is dropped once the answer is out.
      const raw = req.raw;
      if (raw.readableEnded || length > 64 * 1024 * 1024) return sendError(reply, errMessageTooLarge(size, grpcLimit), logger);
      return new Promise<void>((resolve) => {
        raw.on('end', () => resolve(sendError(reply, errMessageTooLarge(size, grpcLimit), logger) as unknown as void));
        raw.on('error', () => resolve());
        raw.resume();
      });
    }
    const rpc = (err.statusCode ?? 500) < 500 ? new RpcError(GrpcCode.InvalidArgument, err.message) : err;
    return sendError(reply, rpc, logger);
  });
  app.setNotFoundHandler((req, reply) => {
    const known = req.method !== 'POST' && knownPaths.has(req.url.split('?')[0] ?? '');
    reply.code(known ? 405 : 404).headers({ ...corsHeaders, ...textHeaders, 'x-content-type-options': 'nosniff' });
    return reply.send(known ? 'Method Not Allowed\n' : 'Not Found\n');
  });

  const checkSize = (bytes: number): void => {
    if (bytes > grpcLimit) throw errMessageTooLarge(bytes, grpcLimit);
    if (bytes > maxRequestBytes) throw errRequestTooLarge();
  };
  const routes = unaryRoutes({ engine, encoder, checkSize });
  const streamPaths = ['/v3/watch', '/v3/lease/keepalive', '/v3/maintenance/snapshot'];
  const knownPaths = new Set([...routes.keys(), ...streamPaths]);

  for (const [path, route] of routes) {
    app.post(path, async (request: FastifyRequest, reply: FastifyReply) => {
      try {
        const msg = decodeMessage<never>(route.schema, parseJson((request.body as string | undefined) ?? ''));
        const body = await route.run(msg);
        return reply.code(200).headers(okHeaders).send(body);
      } catch (err) {
        return sendError(reply, err, logger);
      }
    });
  }
  app.post('/v3/maintenance/snapshot', async (_request, reply) => {
    const blob = await dumpSnapshot(engine.entries());
    reply.code(200).headers(okHeaders);
    return reply.send(Readable.from(snapshotLines(blob)));
  });

  const ctx: StreamContext = {
    engine,
    encoder,
    log: logger,
    maxRequestBytes,
    maxBufferedBytes: 4 * 1024 * 1024,
    headers: corsHeaders,
    open: new Set(),
  };
  app.register(async (streams) => {
    // These bodies are streams of messages: leave them unread for the handlers.
    streams.removeAllContentTypeParsers();
    streams.addContentTypeParser('*', (_req, _payload, done) => done(null));
    streams.post('/v3/watch', (request, reply) => {
      reply.hijack();
      serveWatch(ctx, request.raw, reply.raw);
    });
    streams.post('/v3/lease/keepalive', (request, reply) => {
      reply.hijack();
      serveLeaseKeepAlive(ctx, request.raw, reply.raw);
    });
  });

  const version = `{"etcdserver":"${etcdVersion}","etcdcluster":"3.4.0"}`;
  app.get('/version', (_req, reply) => reply.headers({ ...corsHeaders, ...jsonHeaders }).send(version));
  const metrics = storeMetrics(engine);
  app.get('/metrics', async (_req, reply) => {
    const { contentType, body } = await renderMetrics(metrics);
    return reply.headers({ ...corsHeaders, 'content-type': contentType }).send(body);
  });
  app.get('/health', (_req, reply) => reply.headers({ ...corsHeaders, ...textHeaders }).send('{"health":"true"}'));
  const endStreams = (): void => {
    // Clients keep their side of a stream open: end ours, then drop the connection.
    for (const res of ctx.open) res.end(() => res.destroy());
  };
  return { app, endStreams };
}

function sendError(reply: FastifyReply, err: unknown, log: Logger): FastifyReply {
  let rpc: RpcError;
  if (isRpcError(err)) {
    rpc = err;
  } else {
    log.error({ err }, 'Failed to serve a request');
    rpc = new RpcError(GrpcCode.Unknown, err instanceof Error ? err.message : String(err));
  }
  return reply
    .code(httpStatusOf(rpc.code))
    .headers({ ...corsHeaders, ...jsonHeaders })
    .send(errorBody(rpc));
}

function* snapshotLines(blob: Buffer): Generator<string> {
  for (let off = 0; off < blob.length; off += snapshotChunkBytes) {
    const chunk = blob.subarray(off, off + snapshotChunkBytes);
    const remaining = blob.length - off - chunk.length;
    const rest = remaining > 0 ? `,"remaining_bytes":"${remaining}"` : '';
    yield `{"result":{"blob":"${chunk.toString('base64')}"${rest}}}\n`;
  }
}
