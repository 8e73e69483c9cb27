/**
 * Relaying one request to a pod or service backend, as upstream's UpgradeAwareHandler with its
 * wrapping transport: the path after `/proxy` and the query go to the backend, hop-by-hop and
 * credential headers do not, X-Forwarded-* headers are added, and the backend's answer (status,
 * headers, body) is streamed back. A backend that cannot be reached is 503 "error trying to reach
 * service". HTTPS backends are not verified (upstream's proxy transport does not either).
 */
import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import { newServiceUnavailable, type StatusError } from '@nanokube/api';
import type { Logger } from '@nanokube/component-base';
import type { SubresourceRequest } from '../resource-handler.js';
import type { ProxyTarget } from './location.js';

const dialTimeoutMs = 30_000;

const hopByHop = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer',
  'transfer-encoding', 'upgrade',
]);

/** The request headers the backend must not see: credentials the apiserver consumed, and routing. */
function isDroppedRequestHeader(name: string): boolean {
  return hopByHop.has(name) || name === 'host' || name === 'authorization' || name === 'content-length' || name === 'expect' || name.startsWith('impersonate-');
}

/** The proxied path: what follows `/{resource}/{id}/proxy` in the raw URL path ('' when nothing does). */
export function proxiedPath(rawPath: string, resource: string, id: string): string {
  const segs = rawPath.split('/');
  for (let k = 2; k < segs.length; k++) {
    if (segs[k] !== 'proxy' || segs[k - 2] !== resource || safeDecode(segs[k - 1] ?? '') !== id) continue;
    return k + 1 < segs.length ? `/${segs.slice(k + 1).join('/')}` : '';
  }
  return '';
}

function safeDecode(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    return seg;
  }
}

function forwardedHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const connectionTokens = String(headers.connection ?? '')
    .split(',')
    .map((t) => t.trim().toLowerCase());
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || isDroppedRequestHeader(name) || connectionTokens.includes(name)) continue;
    out[name] = value;
  }
  return out;
}

function responseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !hopByHop.has(name)) out[name] = value;
  }
  return out;
}

/** dialError words a failed dial as Go's net package does, inside upstream's 503. */
function dialError(err: NodeJS.ErrnoException, hostPort: string): StatusError {
  const why: Record<string, string> = {
    ECONNREFUSED: 'connect: connection refused',
    EHOSTUNREACH: 'connect: no route to host',
    ENETUNREACH: 'connect: network is unreachable',
    ETIMEDOUT: 'i/o timeout',
    ECONNRESET: 'read: connection reset by peer',
  };
  const detail = (err.code && why[err.code]) ?? err.message;
  return newServiceUnavailable(`error trying to reach service: dial tcp ${hostPort}: ${detail}`);
}

/**
 * forwardToBackend serves the request `r` from `target`. It either throws a StatusError before anything
 * was sent, or takes over the reply and streams the backend's answer.
 */
export async function forwardToBackend(r: SubresourceRequest, target: ProxyTarget, logger: Logger): Promise<void> {
  const { request, reply, info } = r;
  const url = request.url;
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  const path = proxiedPath(rawPath, info.resource, info.name);
  // Upstream redirects `.../proxy` to `.../proxy/` for reads, so that relative links resolve.
  if (path === '' && (request.method === 'GET' || request.method === 'HEAD')) {
    await reply.code(301).header('location', `${rawPath}/${query ? `?${query}` : ''}`).send();
    return;
  }
  const body = Buffer.isBuffer(request.body) ? request.body : undefined;
  const headers = forwardedHeaders(request.headers);
  const hostHeader = target.host.includes(':') ? `[${target.host}]` : target.host;
  const hostPort = `${hostHeader}:${target.port ?? (target.scheme === 'https' ? 443 : 80)}`;
  headers['host'] = target.port === undefined ? hostHeader : hostPort;
  headers['x-forwarded-uri'] = rawPath;
  headers['x-forwarded-proto'] = 'https';
  if (request.headers.host) headers['x-forwarded-host'] = request.headers.host;
  const client = request.ip;
  const prior = request.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = prior ? `${String(prior)}, ${client}` : client;
  if (body) headers['content-length'] = String(body.length);

  const mod = target.scheme === 'https' ? https : http;
  const upstream = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = mod.request({
      method: request.method,
      host: target.host,
      ...(target.port !== undefined ? { port: target.port } : {}),
      path: `${path}${query ? `?${query}` : ''}`,
      headers,
      agent: false,
      ...(target.scheme === 'https' ? { rejectUnauthorized: false } : {}),
    });
    const dialTimer = setTimeout(() => req.destroy(Object.assign(new Error('i/o timeout'), { code: 'ETIMEDOUT' })), dialTimeoutMs);
    req.once('socket', (socket) => socket.once('connect', () => clearTimeout(dialTimer)));
    req.once('response', (res) => {
      clearTimeout(dialTimer);
      resolve(res);
    });
    req.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(dialTimer);
      reject(dialError(err, hostPort));
    });
    // The client going away ends the backend request too.
    reply.raw.once('close', () => req.destroy());
    req.end(body);
  });

  reply.hijack();
  const out = reply.raw;
  out.writeHead(upstream.statusCode ?? 502, upstream.statusMessage ?? '', responseHeaders(upstream.headers));
  upstream.pipe(out);
  upstream.once('error', (err) => {
    logger.debug({ err, resource: info.resource, name: info.name }, 'Proxied response failed');
    out.destroy();
  });
  await new Promise<void>((resolve) => out.once('close', () => resolve()));
}
