/**
 * Non-resource endpoints: `/version`, `/healthz`, `/livez`, `/readyz`, `/metrics` and the OpenAPI
 * documents (`/openapi/v3`, `/openapi/v3/<gv>`, `/openapi/v2`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Registry } from '../registry/types.js';
import type { RequestMetrics } from './metrics.js';
import { notFoundStatus, sendJson } from './resource-handler.js';

/** The `/version` document (apimachinery version.Info). */
export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

/** What nanokube reports: Kubernetes 1.32, so the kubectl dispatcher runs kubectl 1.32. */
export const defaultVersion: VersionInfo = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0',
  gitCommit: '70d3cc986aa8221cd1dfb1121852688902d3bf53',
  gitTreeState: 'clean',
  buildDate: '2024-12-11T17:59:15Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

/** The parts of an OpenAPI request a provider looks at (helper E3's OpenApiRequest). */
export interface OpenApiRequestInfo {
  /** URL path without the query, e.g. `/openapi/v3/apis/apps/v1`. */
  path: string;
  hash?: string;
  accept?: string;
  ifNoneMatch?: string;
}

/** A complete OpenAPI reply (200, 301 to the current hash, or 304). */
export interface OpenApiReply {
  statusCode: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * OpenApiProvider answers `/openapi/v2` and `/openapi/v3[/<gv>]`, or returns undefined for a path it
 * does not have (404). `OpenApiService` from `../openapi/` implements it.
 */
export interface OpenApiProvider {
  serve(req: OpenApiRequestInfo): OpenApiReply | undefined;
}

/** What the system routes need. */
export interface SystemRoutesDeps {
  registry: Registry & { ready?(): boolean };
  metrics: RequestMetrics;
  version?: Partial<VersionInfo> | undefined;
  openapi?: OpenApiProvider | undefined;
}

function sendText(reply: FastifyReply, code: number, text: string): void {
  void reply.code(code).header('content-type', 'text/plain; charset=utf-8').header('x-content-type-options', 'nosniff').send(text);
}

/** registerSystemRoutes mounts version, health, metrics and OpenAPI endpoints. */
export function registerSystemRoutes(app: FastifyInstance, deps: SystemRoutesDeps): void {
  const version = JSON.stringify({ ...defaultVersion, ...deps.version }, null, 2);
  const isReady = (): boolean => (typeof deps.registry.ready === 'function' ? deps.registry.ready() : true);

  app.get('/version', async (_req, reply) => {
    void reply.header('cache-control', 'no-cache, private');
    sendJson(reply, 200, version);
  });
  for (const path of ['/healthz', '/livez']) {
    app.get(path, async (_req, reply) => sendText(reply, 200, 'ok'));
    app.get(`${path}/ping`, async (_req, reply) => sendText(reply, 200, 'ok'));
  }
  app.get('/readyz', async (req, reply) => {
    const ready = isReady();
    const verbose = (req.query as Record<string, unknown> | undefined)?.['verbose'] !== undefined;
    if (verbose) {
      const lines = ['[+]ping ok', '[+]log ok', ready ? '[+]registry ok' : '[-]registry failed: reason withheld'];
      return sendText(reply, ready ? 200 : 500, `${lines.join('\n')}\n${ready ? 'readyz check passed' : 'readyz check failed'}\n`);
    }
    sendText(reply, ready ? 200 : 500, ready ? 'ok' : '[-]registry failed: reason withheld\nreadyz check failed\n');
  });
  app.get('/metrics', async (_req, reply) => {
    const { contentType, body } = await deps.metrics.render();
    void reply.code(200).header('content-type', contentType).send(body);
  });

  const openapi = deps.openapi;
  const serveOpenApi = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const url = req.url;
    const q = url.indexOf('?');
    const hash = (req.query as Record<string, unknown> | undefined)?.['hash'];
    const res = openapi?.serve({
      path: (q < 0 ? url : url.slice(0, q)).replace(/(.)\/+$/, '$1'),
      ...(typeof hash === 'string' ? { hash } : {}),
      ...(req.headers.accept ? { accept: req.headers.accept } : {}),
      ...(typeof req.headers['if-none-match'] === 'string' ? { ifNoneMatch: req.headers['if-none-match'] } : {}),
    });
    if (!res) throw notFoundStatus();
    void reply.code(res.statusCode).headers(res.headers).send(res.body);
  };
  app.get('/openapi/v2', serveOpenApi);
  app.get('/openapi/v3', serveOpenApi);
  app.get('/openapi/v3/*', serveOpenApi);
}
