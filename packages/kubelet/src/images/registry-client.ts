/**
 * A client of the OCI distribution API (`/v2/`) on undici: manifests and blobs, with the anonymous (or
 * credentialed) bearer-token flow Docker Hub uses: a 401 carrying
 * `WWW-Authenticate: Bearer realm="...",service="...",scope="repository:library/nginx:pull"` is answered by
 * GET realm?service=...&scope=... and a retry with `Authorization: Bearer <token>`. Tokens are cached per
 * registry and scope until they expire. Redirects (blob CDNs) are followed without the Authorization header.
 */
import type { Readable } from 'node:stream';
import { Agent, interceptors, request, type Dispatcher } from 'undici';
import type { RegistryAuth } from '../runtime/types.js';
import { ImageError } from './errors.js';
import { manifestAccept } from './manifest.js';
import type { ImageReference } from './reference.js';

/** Options of {@link RegistryClient}. */
export interface RegistryClientOptions {
  /**
   * Base URLs by registry host, overriding the default (`https://<host>`, `https://registry-1.docker.io` for
   * docker.io, `http://<host>` for localhost and 127.0.0.0/8 as Docker's default insecure registries).
   */
  endpoints?: Record<string, string>;
  /** undici dispatcher; a keep-alive Agent that follows redirects by default. */
  dispatcher?: Dispatcher;
}

/** Credentials and cancellation for one pull. */
export interface RequestContext {
  auth?: RegistryAuth[];
  signal?: AbortSignal;
}

/** A fetched manifest document and its digest (verified by the caller against what it asked for). */
export interface FetchedManifest {
  bytes: Buffer;
  contentType?: string;
  /** The `Docker-Content-Digest` header, when the registry sent one. */
  headerDigest?: string;
}

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

const dockerHubEndpoint = 'https://registry-1.docker.io';
const defaultTokenTtlMs = 60_000;

/** parseChallenge reads the first challenge of a WWW-Authenticate header value. */
export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*(\w+)\s*(.*)$/.exec(header);
  if (!m?.[1]) return undefined;
  const params: Record<string, string> = {};
  for (const p of (m[2] ?? '').matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) {
    if (p[1]) params[p[1].toLowerCase()] = p[2] ?? p[3] ?? '';
  }
  return { scheme: m[1].toLowerCase(), params };
}

function defaultEndpoint(domain: string): string {
  if (domain === 'docker.io') return dockerHubEndpoint;
  const host = domain.replace(/:\d+$/, '');
  const insecure = host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]';
  return `${insecure ? 'http' : 'https'}://${domain}`;
}

function basicOf(domain: string, auth: RegistryAuth[] | undefined): string | undefined {
  const hosts = domain === 'docker.io' ? ['docker.io', 'index.docker.io', 'https://index.docker.io/v1/', 'registry-1.docker.io'] : [domain];
  const a = auth?.find((x) => hosts.includes(x.server.replace(/^https?:\/\//, '').replace(/\/.*$/, '')) || hosts.includes(x.server));
  if (!a) return undefined;
  if (a.auth) return a.auth;
  if (a.username !== undefined) return Buffer.from(`${a.username}:${a.password ?? ''}`).toString('base64');
  return undefined;
}

/** RegistryClient talks to registries for one node; see the module comment. */
export class RegistryClient {
  private readonly endpoints: Record<string, string>;
  private readonly dispatcher: Dispatcher;
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>();

  constructor(opts: RegistryClientOptions = {}) {
    this.endpoints = opts.endpoints ?? {};
    this.dispatcher = opts.dispatcher ?? new Agent().compose(interceptors.redirect({ maxRedirections: 5 }));
  }

  /** endpoint returns the base URL for a registry host. */
  endpoint(domain: string): string {
    return (this.endpoints[domain] ?? defaultEndpoint(domain)).replace(/\/+$/, '');
  }

  /**
   * getManifest fetches `/v2/<path>/manifests/<tag-or-digest>`. A 404 is `MK_ERR_IMAGE_NOT_FOUND`
   * (`<ref>: not found`, containerd's wording); refused access is `MK_ERR_IMAGE_UNAUTHORIZED`.
   */
  async getManifest(ref: ImageReference, reference: string, ctx: RequestContext, display: string): Promise<FetchedManifest> {
    const url = `${this.endpoint(ref.domain)}/v2/${ref.path}/manifests/${reference}`;
    const res = await this.send(url, ref, { accept: manifestAccept }, ctx);
    if (res.statusCode === 404) {
      await res.body.dump();
      throw new ImageError('MK_ERR_IMAGE_NOT_FOUND', `${display}: not found`);
    }
    await this.expectOk(res, url);
    const bytes = Buffer.from(await res.body.arrayBuffer());
    const contentType = res.headers['content-type'];
    const headerDigest = res.headers['docker-content-digest'];
    return {
      bytes,
      ...(typeof contentType === 'string' ? { contentType } : {}),
      ...(typeof headerDigest === 'string' ? { headerDigest } : {}),
    };
  }

  /** fetchBlob opens `/v2/<path>/blobs/<digest>`; the caller verifies the bytes as it stores them. */
  async fetchBlob(ref: ImageReference, digest: string, ctx: RequestContext): Promise<Readable> {
    const url = `${this.endpoint(ref.domain)}/v2/${ref.path}/blobs/${digest}`;
    const res = await this.send(url, ref, {}, ctx);
    if (res.statusCode === 404) {
      await res.body.dump();
      throw new ImageError('MK_ERR_IMAGE_NOT_FOUND', `${digest}: not found`);
    }
    await this.expectOk(res, url);
    return res.body;
  }

  private async expectOk(res: Dispatcher.ResponseData, url: string): Promise<void> {
    if (res.statusCode === 200) return;
    const text = await res.body.text().catch(() => '');
    if (res.statusCode === 401 || res.statusCode === 403) {
      throw new ImageError(
        'MK_ERR_IMAGE_UNAUTHORIZED',
        `pull access denied, repository does not exist or may require authorization: server message: ${serverMessage(text)}`,
      );
    }
    throw new ImageError('MK_ERR_IMAGE_REGISTRY', `unexpected status from GET request to ${url}: ${res.statusCode}`);
  }

  /** send GETs url, answering one auth challenge (bearer token or basic) and retrying once. */
  private async send(url: string, ref: ImageReference, headers: Record<string, string>, ctx: RequestContext): Promise<Dispatcher.ResponseData> {
    const scope = `repository:${ref.path}:pull`;
    const origin = new URL(url).origin;
    const cached = this.tokens.get(`${origin} ${scope}`);
    const authz = cached && cached.expiresAt > Date.now() ? `Bearer ${cached.token}` : undefined;
    const first = await this.get(url, { ...headers, ...(authz ? { authorization: authz } : {}) }, ctx.signal);
    if (first.statusCode !== 401) return first;
    const header = first.headers['www-authenticate'];
    const challenge = parseChallenge(Array.isArray(header) ? (header[0] ?? '') : (header ?? ''));
    const basic = basicOf(ref.domain, ctx.auth);
    let retryAuth: string | undefined;
    if (challenge?.scheme === 'bearer' && challenge.params['realm']) {
      retryAuth = `Bearer ${await this.fetchToken(origin, challenge, scope, basic, ctx.signal)}`;
    } else if (challenge?.scheme === 'basic' && basic) {
      retryAuth = `Basic ${basic}`;
    }
    if (!retryAuth) return first;
    await first.body.dump();
    return this.get(url, { ...headers, authorization: retryAuth }, ctx.signal);
  }

  private async fetchToken(origin: string, ch: Challenge, scope: string, basic: string | undefined, signal?: AbortSignal): Promise<string> {
    const realm = new URL(ch.params['realm'] ?? '');
    if (ch.params['service']) realm.searchParams.set('service', ch.params['service']);
    realm.searchParams.set('scope', ch.params['scope'] ?? scope);
    const res = await this.get(realm.toString(), basic ? { authorization: `Basic ${basic}` } : {}, signal);
    if (res.statusCode !== 200) {
      const text = await res.body.text().catch(() => '');
      throw new ImageError(
        'MK_ERR_IMAGE_UNAUTHORIZED',
        `failed to fetch anonymous token: unexpected status from GET request to ${realm.origin}${realm.pathname}: ${res.statusCode} ${serverMessage(text)}`.trim(),
      );
    }
    const body = (await res.body.json()) as { token?: string; access_token?: string; expires_in?: number };
    const token = body.token ?? body.access_token;
    if (!token) throw new ImageError('MK_ERR_IMAGE_UNAUTHORIZED', `token response from ${realm.origin} has no token`);
    const ttl = body.expires_in ? body.expires_in * 1000 : defaultTokenTtlMs;
    this.tokens.set(`${origin} ${scope}`, { token, expiresAt: Date.now() + ttl - 5_000 });
    return token;
  }

  private async get(url: string, headers: Record<string, string>, signal?: AbortSignal): Promise<Dispatcher.ResponseData> {
    try {
      return await request(url, { method: 'GET', headers, dispatcher: this.dispatcher, ...(signal ? { signal } : {}) });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new ImageError('MK_ERR_IMAGE_REGISTRY', `failed to do request: Get "${url}": ${(err as Error).message}`, { cause: err });
    }
  }

  /** close releases the client's connections. */
  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

/** serverMessage renders a distribution-API error body as containerd does (`code: message`). */
function serverMessage(text: string): string {
  try {
    const doc = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    const e = doc.errors?.[0];
    if (e) return `${(e.code ?? '').toLowerCase()}: ${e.message ?? ''}`;
  } catch {
    // not JSON: fall through
  }
  return text.trim().slice(0, 200);
}
