/**
 * One browser connection for many watches. A browser opens at most 6 HTTP/1.1 connections to one host, so
 * the page's five live tables each holding a watch would leave no room for a followed log or a metrics
 * poll. `GET /dashboard/watch?path=P&path=Q...` opens every path (each an `/api` or `/apis` watch URL
 * with its resourceVersion) upstream and interleaves their lines as `INDEX LINE\n`, where LINE is the
 * apiserver's watch event verbatim. When upstream stream INDEX ends it writes `INDEX END\n`; a non-2xx
 * answer is first turned into an `ERROR` watch event carrying the apiserver's Status, as a watch would
 * report it. The page re-opens the whole multiplexed stream when any one ends.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isProxiedPath, type ApiProxy } from './api-proxy.js';

/** The most watches one multiplexed stream may carry. */
export const maxMuxedWatches = 16;

/** registerWatchMux adds `GET /dashboard/watch`. */
export function registerWatchMux(app: FastifyInstance, proxy: ApiProxy): void {
  app.get('/dashboard/watch', (req: FastifyRequest<{ Querystring: { path?: string | string[] } }>, reply) => serveMux(proxy, req, reply));
}

async function serveMux(proxy: ApiProxy, req: FastifyRequest<{ Querystring: { path?: string | string[] } }>, reply: FastifyReply): Promise<FastifyReply> {
  const raw = req.query.path;
  const paths = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const bad = paths.find((p) => !isProxiedPath(p) || !/[?&]watch=(1|true)\b/.test(p));
  if (paths.length === 0 || paths.length > maxMuxedWatches || bad !== undefined) {
    return reply.code(400).type('text/plain').send(`each of 1-${maxMuxedWatches} path parameters must be an /api or /apis watch URL${bad ? `: ${bad}` : ''}\n`);
  }
  const abort = new AbortController();
  reply.raw.once('close', () => abort.abort());
  reply.hijack();
  reply.raw.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
  // Headers go out at once so the page knows the stream is open before the first event.
  reply.raw.flushHeaders();
  const write = (text: string): void => {
    if (!reply.raw.destroyed) reply.raw.write(text);
  };
  await Promise.all(paths.map((path, i) => pipeOne(proxy, path, i, write, abort.signal)));
  reply.raw.end();
  return reply;
}

/** pipeOne copies one upstream watch into the multiplexed stream, line by line, prefixed with its index. */
async function pipeOne(proxy: ApiProxy, path: string, index: number, write: (text: string) => void, signal: AbortSignal): Promise<void> {
  try {
    const res = await proxy.agent.request({
      origin: proxy.origin,
      method: 'GET',
      path,
      headers: { ...proxy.headers, accept: 'application/json' },
      signal,
      headersTimeout: 30_000,
      bodyTimeout: 0,
    });
    if (res.statusCode >= 300) {
      const text = await res.body.text();
      write(`${index} ${JSON.stringify({ type: 'ERROR', object: statusFrom(res.statusCode, text) })}\n`);
    } else {
      let pending = '';
      for await (const chunk of res.body) {
        pending += (chunk as Buffer).toString('utf8');
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl).trim();
          pending = pending.slice(nl + 1);
          if (line !== '') write(`${index} ${line}\n`);
        }
      }
    }
  } catch (err) {
    if (signal.aborted) return;
    write(`${index} ${JSON.stringify({ type: 'ERROR', object: statusFrom(502, (err as Error).message) })}\n`);
  }
  write(`${index} END\n`);
}

function statusFrom(code: number, text: string): unknown {
  try {
    const parsed = JSON.parse(text) as { kind?: string };
    if (parsed.kind === 'Status') return parsed;
  } catch {
    // Not a Status: wrap the text below.
  }
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: text.slice(0, 500), code };
}
