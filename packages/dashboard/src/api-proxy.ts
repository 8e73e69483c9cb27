/**
 * The dashboard's read-only API proxy, the browser's only way to the apiserver (as with `kubectl proxy`):
 * `GET /api/...` and `GET /apis/...` are sent on with the kubeconfig's credentials and the answer, status
 * and body, is streamed back unchanged, so lists, watch streams and followed logs all pass. Guarantees:
 * no method but GET (and HEAD) ever reaches the apiserver; the browser's own headers (cookies,
 * authorization) are never forwarded; a closed browser connection aborts the upstream request.
 */
import type { ClientConfig } from '@nanokube/client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Agent } from 'undici';

/** Paths never proxied even for GET, as `kubectl proxy --reject-paths` does by default. */
const rejectPaths = [/^\/api\/.*\/pods\/[^/]+\/(exec|attach|portforward)/];

/** Upstream response headers passed back to the browser; hop-by-hop and framing headers are not. */
const passedHeaders = ['content-type', 'cache-control', 'audit-id', 'warning'];

/** isProxiedPath tells whether a request path (with its query) may be sent to the apiserver. */
export function isProxiedPath(path: string): boolean {
  const bare = path.split('?')[0] ?? '';
  if (!/^\/apis?(\/|$)/.test(bare) || bare.split('/').includes('..')) return false;
  return !rejectPaths.some((re) => re.test(bare));
}

/** A proxy from the dashboard to one apiserver, closed with the dashboard's fastify instance. */
export interface ApiProxy {
  agent: Agent;
  origin: string;
  headers: Record<string, string>;
}

/** newApiProxy builds the upstream connection pool and headers from a kubeconfig's ClientConfig. */
export function newApiProxy(config: ClientConfig): ApiProxy {
  const agent = new Agent({
    connections: 32,
    keepAliveTimeout: 30_000,
    connect: {
      ...(config.caPem !== undefined ? { ca: config.caPem } : {}),
      ...(config.clientCertPem !== undefined ? { cert: config.clientCertPem } : {}),
      ...(config.clientKeyPem !== undefined ? { key: config.clientKeyPem } : {}),
      ...(config.tlsServerName !== undefined ? { servername: config.tlsServerName } : {}),
      rejectUnauthorized: !config.insecureSkipTlsVerify,
    },
  });
  const headers: Record<string, string> = { 'user-agent': config.userAgent ?? 'nanokube-dashboard/v0.1.0' };
  if (config.token) headers['authorization'] = `Bearer ${config.token}`;
  return { agent, origin: new URL(config.server).origin, headers };
}

/** registerApiProxy adds the `/api/*` and `/apis/*` routes to the dashboard app. */
export function registerApiProxy(app: FastifyInstance, proxy: ApiProxy): void {
  const handler = (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => forward(proxy, req, reply);
  for (const prefix of ['/api', '/apis']) {
    app.route({ method: ['GET', 'HEAD'], url: prefix, handler, exposeHeadRoute: false });
    app.route({ method: ['GET', 'HEAD'], url: `${prefix}/*`, handler, exposeHeadRoute: false });
    app.route({ method: ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], url: prefix, handler: methodNotAllowed });
    app.route({ method: ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], url: `${prefix}/*`, handler: methodNotAllowed });
  }
  app.addHook('onClose', async () => proxy.agent.close());
}

async function forward(proxy: ApiProxy, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const path = req.url;
  if (!isProxiedPath(path)) return sendStatus(reply, 403, 'Forbidden', `the dashboard does not proxy ${path.split('?')[0]}`);
  const abort = new AbortController();
  // The browser closing a watch or a followed log must end the upstream stream too.
  reply.raw.once('close', () => abort.abort());
  try {
    const res = await proxy.agent.request({
      origin: proxy.origin,
      method: req.method === 'HEAD' ? 'HEAD' : 'GET',
      path,
      headers: { ...proxy.headers, accept: headerValue(req.headers.accept) ?? 'application/json' },
      signal: abort.signal,
      headersTimeout: 30_000,
      // Watches and followed logs stay open for as long as the browser keeps them.
      bodyTimeout: 0,
    });
    reply.code(res.statusCode);
    for (const name of passedHeaders) {
      const value = res.headers[name];
      if (value !== undefined) reply.header(name, value);
    }
    reply.header('x-accel-buffering', 'no');
    return reply.send(res.body);
  } catch (err) {
    if (abort.signal.aborted) return reply;
    req.log.warn({ err, path }, 'API proxy request failed');
    return sendStatus(reply, 502, 'ServiceUnavailable', `the apiserver could not be reached: ${(err as Error).message}`);
  }
}

function methodNotAllowed(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.header('allow', 'GET, HEAD');
  return sendStatus(reply, 405, 'MethodNotAllowed', `the dashboard is read-only: ${req.method} is not allowed`);
}

/** sendStatus answers with a Kubernetes Status, the shape the page (and any client) already parses. */
function sendStatus(reply: FastifyReply, code: number, reason: string, message: string): FastifyReply {
  return reply
    .code(code)
    .type('application/json')
    .send({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
