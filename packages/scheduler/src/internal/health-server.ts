/**
 * A minimal HTTPS server for `/healthz`, `/livez`, `/readyz` and `/metrics`, with an in-memory self-signed
 * certificate as kube-scheduler uses when no --cert-dir is given.
 * TODO(integrator): move into @nanokube/component-base so every component shares it.
 */
import { createServer, type Server } from 'node:https';
import { renderMetrics, type MetricsRegistry } from '@nanokube/component-base';
import { generateCA } from '@nanokube/pki';

/** startHealthServer listens on host:port; `ready()` decides /readyz. Resolves once listening. */
export async function startHealthServer(opts: { host: string; port: number; ready: () => boolean; metrics?: MetricsRegistry }): Promise<Server> {
  const { certPem, keyPem } = await generateCA(`${opts.host}@${Math.floor(Date.now() / 1000)}`);
  const server = createServer({ cert: certPem, key: keyPem }, (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/healthz' || path === '/livez' || (path === '/readyz' && opts.ready())) {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('ok');
      return;
    }
    if (path === '/metrics' && opts.metrics) {
      renderMetrics(opts.metrics).then(
        ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${String(err)}\n`),
      );
      return;
    }
    if (path === '/readyz') {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('[-]informer-sync failed: not synced\nreadyz check failed');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return server;
}
