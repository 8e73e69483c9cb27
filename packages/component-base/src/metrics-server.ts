/**
 * The small plain-HTTP server of the components whose Prometheus `/metrics` stands on a port of its
 * own (kube-proxy's `--metrics-bind-address`, CoreDNS's `prometheus` plugin): `/metrics` renders the
 * registry, a few fixed extra paths may answer too, everything else is upstream's Go 404.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Logger } from './logger.js';
import { renderMetrics, type MetricsRegistry } from './metrics.js';

/** Options of {@link serveMetrics}. */
export interface MetricsServerOptions {
  registry: MetricsRegistry;
  host: string;
  port: number;
  log: Logger;
  /** Other paths the server answers (the query string is ignored), each writing its whole response. */
  extraPaths?: Record<string, (res: ServerResponse) => void>;
}

/**
 * serveMetrics serves the registry at `/metrics` (and opts.extraPaths) on host:port. A port already
 * taken is logged and left alone, as upstream's components go on without their metrics server then;
 * resolves with the listening server, or undefined in that case.
 */
export async function serveMetrics(opts: MetricsServerOptions): Promise<Server | undefined> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (path === '/metrics') {
      renderMetrics(opts.registry).then(
        ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${String(err)}\n`),
      );
      return;
    }
    const extra = Object.hasOwn(opts.extraPaths ?? {}, path) ? opts.extraPaths?.[path] : undefined;
    if (extra) {
      extra(res);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => resolve());
    });
  } catch (err) {
    opts.log.warn({ err, host: opts.host, port: opts.port }, 'Could not start the metrics server');
    return undefined;
  }
  return server;
}
