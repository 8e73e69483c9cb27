import { Agent, type Dispatcher } from 'undici';
import { newInternalError, StatusError, type Status } from '@nanokube/api';
import type { ClientConfig } from './config.js';

/** One API request. `path` starts with `/api` or `/apis`; query values are strings or repeated strings. */
export interface RestRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | string[] | undefined>;
  /** Serialised as JSON unless it is already a string or Buffer. */
  body?: unknown;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
  /** Request timeout; watches pass 0 (none). */
  timeoutMs?: number;
}

/**
 * RestClient speaks HTTP/1.1 to the apiserver over one keep-alive undici Agent per process. Every
 * non-2xx answer becomes a StatusError (the server's Status when it sent one), so callers branch on
 * `isNotFound`, `isConflict`, ... from `@nanokube/api`.
 */
export class RestClient {
  private readonly agent: Agent;
  private readonly origin: string;
  private readonly headers: Record<string, string>;

  constructor(readonly config: ClientConfig) {
    const url = new URL(config.server);
    this.origin = url.origin;
    this.agent = new Agent({
      connections: config.maxConnections ?? 64,
      keepAliveTimeout: 60_000,
      connect: {
        ...(config.caPem !== undefined ? { ca: config.caPem } : {}),
        ...(config.clientCertPem !== undefined ? { cert: config.clientCertPem } : {}),
        ...(config.clientKeyPem !== undefined ? { key: config.clientKeyPem } : {}),
        ...(config.tlsServerName !== undefined ? { servername: config.tlsServerName } : {}),
        rejectUnauthorized: !config.insecureSkipTlsVerify,
      },
    });
    this.headers = { 'user-agent': config.userAgent ?? 'nanokube/v0.1.0' };
    if (config.token) this.headers['authorization'] = `Bearer ${config.token}`;
  }

  /** request sends one request and returns the parsed JSON reply (undefined for an empty body). */
  async request<T = unknown>(req: RestRequest): Promise<T> {
    const res = await this.send(req);
    const text = await res.body.text();
    if (res.statusCode >= 300) throw toStatusError(res.statusCode, text, req);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** stream sends a request and returns the raw response once headers arrived (for watch and logs). */
  async stream(req: RestRequest): Promise<Dispatcher.ResponseData> {
    const res = await this.send({ ...req, timeoutMs: req.timeoutMs ?? 0 });
    if (res.statusCode >= 300) throw toStatusError(res.statusCode, await res.body.text(), req);
    return res;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private send(req: RestRequest): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = { ...this.headers, accept: req.accept ?? 'application/json' };
    let body: string | Buffer | undefined;
    if (req.body !== undefined) {
      body = typeof req.body === 'string' || Buffer.isBuffer(req.body) ? req.body : JSON.stringify(req.body);
      headers['content-type'] = req.contentType ?? 'application/json';
    }
    const timeout = req.timeoutMs ?? 30_000;
    return this.agent.request({
      origin: this.origin,
      method: req.method,
      path: req.path + encodeQuery(req.query),
      headers,
      ...(body !== undefined ? { body } : {}),
      ...(req.signal ? { signal: req.signal } : {}),
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
  }
}

/** encodeQuery renders `?a=b&c=d`, repeating array values and skipping undefined. */
export function encodeQuery(query: RestRequest['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) params.append(k, item);
    else params.append(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

function toStatusError(code: number, text: string, req: RestRequest): StatusError {
  try {
    const parsed = JSON.parse(text) as Partial<Status>;
    if (parsed && parsed.kind === 'Status') return new StatusError({ ...(parsed as Status), code: parsed.code ?? code });
  } catch {
    // Not JSON: fall through to a synthesised Status carrying the text, as client-go does.
  }
  const err = newInternalError(
    `an error on the server ("${text.slice(0, 200)}") has prevented the request from succeeding (${req.method.toLowerCase()} ${req.path})`,
  );
  return new StatusError({ ...err.status, code });
}
