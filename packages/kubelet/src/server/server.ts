/**
 * The kubelet's HTTPS server (port 10250): `/healthz`, `/pods`, `/stats/summary` and
 * `/containerLogs/<ns>/<pod>/<container>`; the apiserver proxies `pods/log` here. With a
 * `servingCertificate` source (`--rotate-server-certificates`) it serves the cluster-signed certificate
 * and switches to each renewed one without a restart; until the first is issued, handshakes fail, as
 * upstream's. Without one, like a kubelet started without --tls-cert-file, it serves a self-signed
 * certificate made at start.
 * `/exec`, `/attach` and `/portForward` are WebSocket upgrades served by {@link KubeletStreaming}.
 * Every path but the health checks is authenticated and authorized by {@link KubeletAuth} (./auth.ts).
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough, type Duplex } from 'node:stream';
import type { SecureContextOptions } from 'node:tls';
import type { Logger } from '@nanokube/component-base';
import { generateCA, type CertKeyPair } from '@nanokube/pki';
import type { Kubelet } from '../kubelet.js';
import type { KubeletAuth } from './auth.js';
import { kubeletMetricsFor } from '../metrics/index.js';
import { serveKubeletMetrics } from './metrics.js';
import { buildStatsSummary } from './stats.js';
import { KubeletStreaming } from './streaming.js';

/** Options of {@link startKubeletServer}. */
export interface KubeletServerOptions {
  kubelet: Kubelet;
  host: string;
  port: number;
  nodeIp: string;
  /** The CA (PEM) that signs the client certificates the server accepts (`--client-ca-file`). */
  clientCaPem: string;
  /** Authenticates and authorizes every request but the health checks. */
  auth: KubeletAuth;
  /** Where the serving certificate comes from; unset = a self-signed one made at start. */
  servingCertificate?: ServingCertificateSource;
  log: Logger;
}

/** A source of the serving certificate that may change while the server runs. */
export interface ServingCertificateSource {
  /** current is the pair to serve now, undefined while none has been issued. */
  current(): CertKeyPair | undefined;
  /** onChange registers a callback run with each new pair. */
  onChange(cb: (pair: CertKeyPair) => void): void;
}

function send(res: ServerResponse, code: number, body: string | object, type = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, { 'content-type': typeof body === 'string' && type === 'application/json' ? 'text/plain; charset=utf-8' : type }).end(text);
}

async function containerLogs(kubelet: Kubelet, parts: string[], query: URLSearchParams, res: ServerResponse): Promise<void> {
  const [ns = '', podName = '', container = ''] = parts;
  const pod = kubelet.findPod(ns, podName);
  if (!pod) return send(res, 404, `pod "${podName}" in namespace "${ns}" not found\n`);
  const uid = pod.metadata?.uid ?? '';
  const candidates = (await kubelet.runtime.listContainers({ podUid: uid })).filter((c) => c.name === container);
  candidates.sort((a, b) => b.attempt - a.attempt);
  const previous = query.get('previous') === 'true';
  const target = previous ? candidates[1] : candidates[0];
  if (!target) {
    const why = previous ? `previous terminated container "${container}" in pod "${podName}" not found` : `container "${container}" in pod "${podName}" is waiting to start: ContainerCreating`;
    return send(res, 400, `${why}\n`);
  }
  const tail = query.get('tailLines');
  const limit = query.get('limitBytes');
  const out = new PassThrough();
  res.writeHead(200, { 'content-type': 'text/plain' });
  out.pipe(res);
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  await kubelet.runtime.logs(
    target.id,
    {
      follow: query.get('follow') === 'true',
      timestamps: query.get('timestamps') === 'true',
      ...(tail !== null ? { tailLines: Number(tail) } : {}),
      ...(limit !== null ? { limitBytes: Number(limit) } : {}),
      signal: abort.signal,
    },
    out,
  );
  out.end();
}

async function handle(opts: KubeletServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://kubelet');
  const path = url.pathname;
  const denied = await opts.auth.check(req);
  if (denied) return send(res, denied.code, `${denied.message}\n`);
  if (path === '/healthz' || path === '/healthz/ping' || path === '/livez') return send(res, 200, 'ok');
  if (path === '/pods' || path === '/pods/') {
    return send(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: opts.kubelet.pods() });
  }
  if (path === '/stats/summary') return send(res, 200, await buildStatsSummary(opts.kubelet));
  if (path === '/metrics') return serveKubeletMetrics(opts.kubelet, res);
  if (path.startsWith('/containerLogs/')) return containerLogs(opts.kubelet, path.split('/').slice(2).map(decodeURIComponent), url.searchParams, res);
  send(res, 404, '404 page not found\n');
}

async function initialCertificate(opts: KubeletServerOptions): Promise<CertKeyPair | undefined> {
  if (opts.servingCertificate) return opts.servingCertificate.current();
  return generateCA(`${opts.kubelet.nodeName}@${Math.floor(Date.now() / 1000)}`);
}

function refuseUpgrade(socket: Duplex, denied: { code: number; message: string }): void {
  const body = `${denied.message}\n`;
  const reason = denied.code === 401 ? 'Unauthorized' : denied.code === 403 ? 'Forbidden' : 'Internal Server Error';
  socket.end(`HTTP/1.1 ${denied.code} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** startKubeletServer listens on host:port and resolves once listening. */
export async function startKubeletServer(opts: KubeletServerOptions): Promise<Server> {
  kubeletMetricsFor(opts.kubelet);
  const pair = await initialCertificate(opts);
  // The certificate is asked for but not required during the handshake, so /healthz answers without one;
  // KubeletAuth refuses every other path unless the certificate verified against the CA (or a token did).
  const tlsOf = (p: CertKeyPair | undefined): SecureContextOptions => ({ ...(p ? { cert: p.certPem, key: p.keyPem } : {}), ca: opts.clientCaPem });
  const server = createServer({ ...tlsOf(pair), requestCert: true, rejectUnauthorized: false }, (req, res) => {
    handle(opts, req, res).catch((err: unknown) => {
      opts.log.warn({ err, path: req.url }, 'Kubelet server request failed');
      if (!res.headersSent) send(res, 500, `${(err as Error).message}\n`);
      else res.end();
    });
  });
  // The apiserver scrapes /stats every 15 s over keep-alive connections: keep them open between scrapes
  // (Node's default closes them after 5 s idle, forcing a TLS handshake per scrape).
  server.keepAliveTimeout = 120_000;
  opts.servingCertificate?.onChange((p) => {
    server.setSecureContext(tlsOf(p));
    opts.log.info('Switched the kubelet server to a new serving certificate');
  });
  const streaming = new KubeletStreaming(opts.kubelet, opts.log);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    opts.auth.check(req).then(
      (denied) => (denied ? refuseUpgrade(socket, denied) : streaming.handleUpgrade(req, socket, head)),
      (err: unknown) => {
        opts.log.warn({ err, path: req.url }, 'Kubelet server upgrade failed');
        socket.destroy();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return server;
}
