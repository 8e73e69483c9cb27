/**
 * The dashboard's HTTP server: the page's static files (plain HTML, CSS and ES modules from `static/`,
 * no build step) and the read-only API proxy. Like `kubectl proxy`, it only answers requests whose Host
 * is one of the accepted hosts (loopback by default), so a web page elsewhere cannot reach the cluster
 * through the user's browser by rebinding a DNS name to this port.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientConfig } from '@nanokube/client';
import type { Logger } from '@nanokube/component-base';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { newApiProxy, registerApiProxy } from './api-proxy.js';
import { registerWatchMux } from './watch-mux.js';

/** The page's files, next to `src/` and `dist/` alike. */
export const defaultStaticDir = fileURLToPath(new URL('../static/', import.meta.url));

/** `kubectl proxy`'s default --accept-hosts. */
export const defaultAcceptHosts = [/^localhost$/, /^127\.0\.0\.1$/, /^\[::1\]$/];

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Options for {@link buildDashboard}. */
export interface DashboardOptions {
  /** Where and as whom to reach the apiserver (from the kubeconfig). */
  config: ClientConfig;
  logger: Logger;
  /** Folder of the page's files; {@link defaultStaticDir} unless a test swaps it. */
  staticDir?: string;
  /** Host names (without port) the dashboard answers to; {@link defaultAcceptHosts} by default. */
  acceptHosts?: RegExp[];
}

/** buildDashboard assembles the dashboard's fastify instance without listening. */
export function buildDashboard(opts: DashboardOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.logger,
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { maxParamLength: 8192 },
    return503OnClosing: false,
    forceCloseConnections: true,
  }) as unknown as FastifyInstance;
  const acceptHosts = opts.acceptHosts ?? defaultAcceptHosts;
  app.addHook('onRequest', async (req, reply) => {
    if (!acceptHosts.some((re) => re.test(hostName(req.headers.host)))) {
      await reply.code(403).type('text/plain').send('Forbidden: host not accepted\n');
    }
  });
  registerStatic(app, opts.staticDir ?? defaultStaticDir);
  const proxy = newApiProxy(opts.config);
  registerApiProxy(app, proxy);
  registerWatchMux(app, proxy);
  return app;
}

/** registerStatic serves every file of the flat static folder, read once at start (a closed set: no path ever reaches the file system). */
function registerStatic(app: FastifyInstance, dir: string): void {
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const name of readdirSync(dir)) {
    const type = contentTypes[extname(name)];
    if (type !== undefined) files.set(name, { body: readFileSync(join(dir, name)), type });
  }
  const send = (reply: FastifyReply, name: string): FastifyReply => {
    const file = files.get(name);
    if (!file) return reply.code(404).type('text/plain').send('Not Found\n');
    return reply.type(file.type).header('cache-control', 'no-cache').send(file.body);
  };
  app.get('/', (_req, reply) => reply.redirect('/dashboard/'));
  app.get('/dashboard', (_req, reply) => reply.redirect('/dashboard/'));
  app.get('/dashboard/', (_req, reply) => send(reply, 'index.html'));
  app.get('/dashboard/:file', (req: FastifyRequest<{ Params: { file: string } }>, reply) => send(reply, req.params.file));
}

/** hostName strips the port from a Host header, keeping IPv6 brackets. */
export function hostName(host: string | undefined): string {
  if (!host) return '';
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const i = host.lastIndexOf(':');
  return i < 0 ? host : host.slice(0, i);
}
