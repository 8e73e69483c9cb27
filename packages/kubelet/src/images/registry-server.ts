/**
 * A small read-only registry (OCI distribution API, pull side) that serves a node image store: `/v2/`,
 * manifests by tag or digest (GET and HEAD) and blobs. With `tokenAuth` it answers as Docker Hub does: 401 +
 * `WWW-Authenticate: Bearer realm=...,service=...,scope=repository:<name>:pull`, tokens from `/token`.
 *
 * It lets an offline lab act as a registry mirror for its nodes (`nanokube image serve`), so pulls, pull
 * policies and "not found" errors behave as against Docker Hub; the tests pull from it on 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDigest } from './digest.js';
import type { ImageRecord } from './image-index.js';
import { mediaTypes } from './manifest.js';
import type { ImageStore } from './store.js';

/** Options of {@link startRegistryServer}. */
export interface RegistryServerOptions {
  store: ImageStore;
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  /** Port; default 0 (any free port). */
  port?: number;
  /** Registry host whose images are served: `/v2/library/nginx` is `<domain>/library/nginx`. Default docker.io. */
  domain?: string;
  /** Require bearer tokens obtained from `/token`, as Docker Hub does. */
  tokenAuth?: boolean;
}

/** A running registry server. */
export interface RegistryServer {
  /** `http://host:port`. */
  url: string;
  /** Requests served, for tests and logs: `GET /v2/library/nginx/manifests/1.22.1 200`. */
  requests: string[];
  close(): Promise<void>;
}

const routeRe = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/;

/** startRegistryServer serves store over HTTP until close(). */
export async function startRegistryServer(opts: RegistryServerOptions): Promise<RegistryServer> {
  const tokens = new Set<string>();
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    res.on('finish', () => requests.push(`${req.method} ${req.url} ${res.statusCode}`));
    handle(opts, tokens, url, req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'UNKNOWN', (err as Error).message);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve);
  });
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  return {
    url,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0' });
  res.end(JSON.stringify({ errors: [{ code, message, detail: null }] }));
}

async function handle(opts: RegistryServerOptions, tokens: Set<string>, base: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const u = new URL(req.url ?? '/', base);
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'UNSUPPORTED', 'the registry is read-only');
  if (u.pathname === '/token') {
    const token = randomBytes(16).toString('hex');
    tokens.add(token);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
    return;
  }
  const route = routeRe.exec(u.pathname);
  const repo = route?.[1];
  if (opts.tokenAuth) {
    const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!given || !tokens.has(given)) {
      const scope = repo ? `,scope="repository:${repo}:pull"` : '';
      res.setHeader('www-authenticate', `Bearer realm="${base}/token",service="nanokube-registry"${scope}`);
      return sendError(res, 401, 'UNAUTHORIZED', 'authentication required');
    }
  }
  if (u.pathname === '/v2/' || u.pathname === '/v2') {
    res.writeHead(200, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0' });
    res.end('{}');
    return;
  }
  if (!route || !repo || !route[3]) return sendError(res, 404, 'NOT_FOUND', 'not found');
  const name = `${opts.domain ?? 'docker.io'}/${repo}`;
  const images = (await opts.store.list()).filter((i) => [...i.repoTags, ...i.repoDigests].some((r) => r.startsWith(`${name}:`) || r.startsWith(`${name}@`)));
  if (route[2] === 'manifests') return serveManifest(opts.store, images, name, route[3], req, res);
  return serveBlob(opts.store, images, route[3], req, res);
}

/** topDigest is what a tag points at: the digest it was pulled or imported under, else the manifest. */
function topDigest(image: ImageRecord, name: string): string {
  const d = image.repoDigests.find((r) => r.startsWith(`${name}@`));
  return d ? d.slice(name.length + 1) : image.manifestDigest;
}

async function serveManifest(store: ImageStore, images: ImageRecord[], name: string, ref: string, req: IncomingMessage, res: ServerResponse) {
  let digest: string | undefined;
  if (isDigest(ref)) {
    digest = images.some((i) => [i.manifestDigest, ...(i.extraBlobs ?? [])].includes(ref)) ? ref : undefined;
  } else {
    const image = images.find((i) => i.repoTags.includes(`${name}:${ref}`));
    digest = image && topDigest(image, name);
  }
  if (!digest || !(await store.hasBlob(digest))) return sendError(res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown');
  const bytes = await store.readBlob(digest);
  const declared = (JSON.parse(bytes.toString('utf8')) as { mediaType?: string }).mediaType;
  res.writeHead(200, {
    'content-type': declared ?? mediaTypes.ociManifest,
    'content-length': bytes.length,
    'docker-content-digest': digest,
    'docker-distribution-api-version': 'registry/2.0',
  });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

async function serveBlob(store: ImageStore, images: ImageRecord[], digest: string, req: IncomingMessage, res: ServerResponse) {
  const known = images.some((i) => i.id === digest || i.layers.some((l) => l.digest === digest));
  if (!isDigest(digest) || !known || !(await store.hasBlob(digest))) return sendError(res, 404, 'BLOB_UNKNOWN', 'blob unknown to registry');
  const path = store.blobPath(digest);
  const { size } = await stat(path);
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size, 'docker-content-digest': digest });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(path).on('error', () => res.destroy()).pipe(res);
}
