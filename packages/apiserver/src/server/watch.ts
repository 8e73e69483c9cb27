/**
 * Watch streaming: newline-delimited `{"type":…,"object":…}` events over a chunked 200, headers flushed
 * at once (kubectl's informer-style watches hang otherwise), each object rendered as the client asked
 * (plain, or a one-row Table with column definitions only in the first event, as upstream's
 * watchEmbeddedEncoder). The stream ends on client close, on timeoutSeconds, or when the registry ends it.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import { newInternalError, StatusError, type Status } from '@nanokube/api';
import type { Logger } from '@nanokube/component-base';
import type { KubeObject, Registry, RequestContext, ResourceDefinition, WatchEvent, WatchOptions } from '../registry/types.js';
import { externalJson, groupVersion, renderTable, tableContentType, type RenderOptions } from './render.js';

/** Upstream's --min-request-timeout: a watch without timeoutSeconds lasts a random 30-60 minutes. */
const minRequestTimeoutSeconds = 1800;

/** How long to wait for the registry to reject a watch (410 Expired) before committing to a 200. */
const establishWindowMs = 25;

/** Everything one watch stream needs. */
export interface WatchRequest {
  reply: FastifyReply;
  registry: Registry;
  ctx: RequestContext;
  def: ResourceDefinition;
  opts: WatchOptions;
  render: RenderOptions;
  logger: Logger;
  /** Called once when the stream ends (for metrics). */
  onEnd?: () => void;
}

type Encoder = (ev: WatchEvent) => string;

function encoderFor(render: RenderOptions): Encoder {
  const { def, version, output } = render;
  const gv = groupVersion(def.group, version);
  if (output.as === 'Table') {
    let first = true;
    const o = { ...render, tableVersion: output.version };
    return (ev) => {
      if (ev.type === 'ERROR' || ev.type === 'BOOKMARK') return passThrough(ev, gv, def.kind);
      const meta: Record<string, unknown> = {};
      if (ev.object.metadata.resourceVersion) meta['resourceVersion'] = ev.object.metadata.resourceVersion;
      const table = renderTable([ev.object], meta, o, first);
      first = false;
      return `{"type":"${ev.type}","object":${JSON.stringify(table)}}\n`;
    };
  }
  return (ev) => {
    if (ev.type === 'ERROR' || ev.type === 'BOOKMARK') return passThrough(ev, gv, def.kind);
    // The same stored object goes to every watcher of a resource: serialised once per version.
    return `{"type":"${ev.type}","object":${externalJson(def, version, ev.object)}}\n`;
  };
}

function passThrough(ev: WatchEvent, gv: string, kind: string): string {
  const obj: KubeObject = ev.type === 'BOOKMARK' ? { apiVersion: gv, kind, ...ev.object } : ev.object;
  return `{"type":"${ev.type}","object":${JSON.stringify(obj)}}\n`;
}

function statusOf(err: unknown): Status {
  return (err instanceof StatusError ? err : newInternalError(err)).status;
}

/** Settles to `'pending'` if p has not settled within ms. */
function settledWithin<T>(p: Promise<T>, ms: number): Promise<'pending' | 'settled'> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve('pending'), ms);
    p.then(
      () => {
        clearTimeout(t);
        resolve('settled');
      },
      () => {
        clearTimeout(t);
        resolve('settled');
      },
    );
  });
}

function waitDrain(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.on('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T | typeof aborted> {
  if (signal.aborted) return Promise.resolve(aborted);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve(aborted);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

const aborted = Symbol('aborted');

/**
 * serveWatch runs one watch to completion. Errors the registry raises while the watch is being
 * established (a 410 for a compacted resourceVersion) are thrown before any byte is written, so the
 * caller answers them as an HTTP Status; later errors become an ERROR event that ends the stream.
 */
export async function serveWatch(w: WatchRequest): Promise<void> {
  const timeoutSeconds = w.opts.timeoutSeconds ?? Math.floor(minRequestTimeoutSeconds * (1 + Math.random()));
  const controller = new AbortController();
  const iterator = w.registry.watch(w.ctx, w.def, { ...w.opts, timeoutSeconds }, controller.signal)[Symbol.asyncIterator]();
  let next = iterator.next();
  if ((await settledWithin(next, establishWindowMs)) === 'settled') {
    try {
      await next;
    } catch (err) {
      controller.abort();
      throw err;
    }
  }

  w.reply.hijack();
  const res = w.reply.raw;
  const contentType = w.render.output.as === 'Table' ? tableContentType(w.render.output.version) : 'application/json';
  res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  const timer = setTimeout(() => controller.abort(), timeoutSeconds * 1000);
  res.on('close', () => controller.abort());
  const encode = encoderFor(w.render);
  try {
    for (;;) {
      const r = await abortable(next, controller.signal);
      if (r === aborted || r.done) break;
      if (!res.write(encode(r.value))) await waitDrain(res, controller.signal);
      if (controller.signal.aborted) break;
      next = iterator.next();
    }
  } catch (err) {
    if (!(err instanceof StatusError)) w.logger.error({ err }, 'Watch stream failed');
    if (!res.destroyed) res.write(`{"type":"ERROR","object":${JSON.stringify(statusOf(err))}}\n`);
  } finally {
    clearTimeout(timer);
    controller.abort();
    iterator.return?.(undefined).catch(() => undefined);
    if (!res.destroyed) res.end();
    w.onEnd?.();
  }
}
