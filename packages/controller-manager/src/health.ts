import { createServer, type Server } from 'node:https';
import { renderMetrics, type MetricsRegistry } from '@nanokube/component-base';
import { generateCA, issueCertificate } from '@nanokube/pki';

/** A running health endpoint; close() stops it. */
export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

/**
 * startHealthServer serves `/healthz`, `/livez`, `/readyz` (and `/metrics` when given a registry) over HTTPS with a freshly generated
 * self-signed certificate, as kube-controller-manager does on 10257 when given no serving certificate.
 * `healthy()` decides between `ok` (200) and a 500.
 */
export async function startHealthServer(opts: { bindAddress: string; port: number; healthy: () => boolean; metrics?: MetricsRegistry }): Promise<HealthServer> {
  const ca = await generateCA(`${opts.bindAddress}-ca@${Math.floor(Date.now() / 1000)}`);
  const cert = await issueCertificate({
    ca,
    cn: `${opts.bindAddress}@${Math.floor(Date.now() / 1000)}`,
    sans: { dns: ['localhost'], ips: [opts.bindAddress, '127.0.0.1'] },
    usages: 'server',
  });
  const server: Server = createServer({ cert: cert.certPem + ca.certPem, key: cert.keyPem }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      const ok = opts.healthy();
      res.writeHead(ok ? 200 : 500, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
      res.end(ok ? 'ok' : `[-]${path.slice(1)} failed`);
      return;
    }
    if (path === '/metrics' && opts.metrics) {
      renderMetrics(opts.metrics).then(
        ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${String(err)}\n`),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('404 page not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.bindAddress, () => resolve());
  });
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : opts.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
