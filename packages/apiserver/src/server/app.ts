/**
 * The apiserver's HTTP application: fastify over HTTPS with client-certificate authentication, the
 * authorization hook, `/version`, health, metrics, discovery, OpenAPI and the generic resource routes.
 * `buildApp` does not listen (tests use `inject`); `startApiServer` listens and returns a closer.
 */
import type { IncomingMessage } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { newInternalError, newRequestEntityTooLarge, newStatus, newUnsupportedMediaType, StatusError } from '@nanokube/api';
import type { Logger } from '@nanokube/component-base';
import type { Registry } from '../registry/types.js';
import type { MetricsApi } from '../metrics-api/index.js';
import { attributesFor, authenticate, defaultAuthorizer, forbidden, x509Authenticator, type Authenticator, type Authorizer, type UserInfo } from './auth.js';
import { OpenApiService, unknownFields } from '../openapi/index.js';
import { registerApiRoutes } from './api-routes.js';
import { RequestMetrics } from './metrics.js';
import { parseRequestInfo, type RequestInfo } from './request-info.js';
import { sendJson, type SubresourceHandler, type UnknownFieldsFn } from './resource-handler.js';
import { registerSystemRoutes, type OpenApiProvider, type VersionInfo } from './system-routes.js';

/** The request body limit of upstream's apiserver (3 MiB). */
export const maxRequestBodyBytes = 3 * 1024 * 1024;

/** Server certificate, key and the CA that signs client certificates (PEM). */
export interface TlsFiles {
  cert: string | Buffer;
  key: string | Buffer;
  clientCA?: string | Buffer;
}

/** Options of {@link buildApp}. */
export interface ApiServerOptions {
  /** The storage seam; its `ready()` (when present) drives `/readyz`. */
  registry: Registry & { ready?(): boolean };
  /** HTTPS material; without it the app speaks plain HTTP (tests with `inject` only). */
  tls?: TlsFiles;
  logger: Logger;
  /** Overrides for `/version` (e.g. `{ minor: '31', gitVersion: 'v1.31.0' }`). */
  version?: Partial<VersionInfo>;
  /** OpenAPI documents; defaults to an `OpenApiService` over the registry's resources. */
  openapi?: OpenApiProvider;
  /** Unknown-field detection for fieldValidation; defaults to the OpenAPI schemas' `unknownFields`. */
  unknownFields?: UnknownFieldsFn;
  /** Authenticators tried after x509 client certificates (bearer tokens). */
  authenticators?: Authenticator[];
  /** Authorization policy; defaults to "authenticated users may do everything". */
  authorizer?: Authorizer;
  /** Applies Impersonate-* headers after authentication (403 unless allowed); absent = no impersonation. */
  impersonate?: (req: IncomingMessage, user: UserInfo) => Promise<UserInfo>;
  /** Handlers for log, exec, attach, portforward and proxy (503 until given). */
  subresourceHandlers?: Partial<Record<string, SubresourceHandler>>;
  /** `host:port` advertised in `/api` serverAddressByClientCIDRs. */
  serverAddress?: string;
  /** Injectable clock for Age cells. */
  now?: () => Date;
  /** The metrics.k8s.io API; advertised in discovery only when given. */
  metricsApi?: MetricsApi;
}

/** Per-request state set by the onRequest hook. */
interface RequestState {
  info: RequestInfo;
  user: UserInfo;
  start: number;
}

const states = new WeakMap<FastifyRequest, RequestState>();

/** requestState returns what the auth hook recorded for a request. */
export function requestState(req: FastifyRequest): { info: RequestInfo; user: UserInfo } | undefined {
  return states.get(req);
}

/** buildApp assembles the apiserver's fastify instance without listening. */
export function buildApp(opts: ApiServerOptions): FastifyInstance {
  const app = Fastify({
    ...(opts.tls
      ? {
          https: {
            cert: opts.tls.cert,
            key: opts.tls.key,
            ...(opts.tls.clientCA ? { ca: opts.tls.clientCA } : {}),
            requestCert: true,
            rejectUnauthorized: false,
            minVersion: 'TLSv1.2' as const,
          },
        }
      : {}),
    loggerInstance: opts.logger,
    logController: new LogController({ disableRequestLogging: true }),
    // Request log lines carry their own bindings (logBindings): no per-request child logger, whose
    // creation (with the logger's redaction paths) costs more than most of a request's own work.
    childLoggerFactory: (logger: FastifyBaseLogger) => logger,
    bodyLimit: maxRequestBodyBytes,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 8192 },
    return503OnClosing: false,
  }) as unknown as FastifyInstance;

  const metrics = new RequestMetrics();
  const chain: Authenticator[] = [x509Authenticator, ...(opts.authenticators ?? [])];
  const authorizer = opts.authorizer ?? defaultAuthorizer;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (request) => {
    const url = request.url;
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    // The router would merge empty segments (`/api/v1//secrets`) while authorization reads the path as
    // written; upstream's router matches no route for them, so neither does this server.
    if (path.includes('//')) throw new StatusError(newStatus('NotFound', 'the server could not find the requested resource', {}));
    const watch = (request.query as Record<string, unknown> | undefined)?.['watch'];
    const info = parseRequestInfo(request.method, path, Array.isArray(watch) ? watch[0] : watch);
    const authenticated = await authenticate(chain, request.raw);
    const user = opts.impersonate ? await opts.impersonate(request.raw, authenticated) : authenticated;
    states.set(request, { info, user, start: performance.now() });
    const attrs = attributesFor(user, info);
    const decision = await authorizer(attrs);
    if (!decision.allowed) throw forbidden(attrs, decision.reason);
  });

  app.addHook('onResponse', async (request, reply) => {
    const st = states.get(request);
    const seconds = st ? (performance.now() - st.start) / 1000 : 0;
    const resource = st?.info.isResourceRequest ? st.info.resource : '';
    metrics.observe(st?.info.verb ?? request.method.toLowerCase(), resource, reply.statusCode, seconds);
    if ((request.log as Logger).isLevelEnabled('debug')) {
      request.log.debug({ ...logBindings(st), code: reply.statusCode, durationMs: Math.round(seconds * 1000) }, 'Served request');
    }
  });

  app.setErrorHandler((err: unknown, request, reply) => sendError(err, request, reply));
  app.setNotFoundHandler((request, reply) => {
    sendError(new StatusError(newStatus('NotFound', 'the server could not find the requested resource', {})), request, reply);
  });

  const openapi = opts.openapi ?? new OpenApiService(opts.registry.resources);
  registerSystemRoutes(app, { registry: opts.registry, metrics, version: opts.version, openapi });
  registerApiRoutes(app, {
    registry: opts.registry,
    logger: opts.logger,
    metrics,
    unknownFields: opts.unknownFields ?? unknownFields,
    subresourceHandlers: opts.subresourceHandlers ?? {},
    now: opts.now ?? (() => new Date()),
    serverAddress: opts.serverAddress,
    metricsApi: opts.metricsApi,
    requestState: (req) => states.get(req),
  });
  return app;
}

function logBindings(st: RequestState | undefined): Record<string, unknown> {
  if (!st) return {};
  const i = st.info;
  return {
    verb: i.verb,
    ...(i.resource ? { resource: i.subresource ? `${i.resource}/${i.subresource}` : i.resource } : { path: i.path }),
    ...(i.namespace ? { namespace: i.namespace } : {}),
    ...(i.name ? { name: i.name } : {}),
    user: st.user.name,
  };
}

/** toStatusError maps anything thrown while serving to the StatusError sent to the client. */
export function toStatusError(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  const e = err as { code?: string; statusCode?: number; message?: string };
  if (e && typeof e === 'object' && typeof e.code === 'string' && e.code.startsWith('FST_')) {
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return newRequestEntityTooLarge(`limit is ${maxRequestBodyBytes}`);
    if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return newUnsupportedMediaType('');
    if (e.statusCode !== undefined && e.statusCode < 500) {
      return new StatusError(newStatus('BadRequest', e.message ?? 'bad request'));
    }
  }
  return newInternalError(err);
}

function sendError(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const se = toStatusError(err);
  const bindings = logBindings(states.get(request));
  if (se.code >= 500) request.log.error({ ...bindings, err }, 'Request failed');
  else if ((request.log as Logger).isLevelEnabled('debug')) request.log.debug({ ...bindings, code: se.code, reason: se.reason }, 'Rejected request');
  if (reply.sent || reply.raw.headersSent) return;
  const retry = se.status.details?.retryAfterSeconds;
  if (retry !== undefined) void reply.header('retry-after', String(retry));
  sendJson(reply, se.code, se.status);
}

/** A running apiserver. */
export interface RunningApiServer {
  /** `https://127.0.0.1:PORT` (or the bound address). */
  url: string;
  port: number;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** startApiServer builds the app and listens (port 0 picks a free port). */
export async function startApiServer(opts: ApiServerOptions & { port?: number; host?: string }): Promise<RunningApiServer> {
  const app = buildApp(opts);
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ port: opts.port ?? 6443, host });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? 6443);
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    url: `${opts.tls ? 'https' : 'http'}://${shownHost}:${port}`,
    port,
    app,
    close: async () => {
      // Watches are long-running: end them instead of waiting for their timeouts.
      app.server.closeAllConnections?.();
      await app.close();
    },
  };
}
