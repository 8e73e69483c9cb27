/**
 * Transport for the etcd gateway. Unary calls go through one keep-alive undici Pool. Streams that
 * need the request body open while the response flows (watch) use node:http with
 * `Expect: 100-continue`: etcd's Go HTTP/1.1 server otherwise drains the request body before it
 * sends response headers, so a long-lived watch request would never get an answer. undici refuses
 * the Expect header, hence node:http there.
 */
import http from 'node:http';
import { Pool } from 'undici';
import { EtcdError, GrpcCode, errorFromBody } from './errors.js';

/** Transport sends JSON calls to one etcd endpoint. */
export class Transport {
  readonly url: URL;
  private readonly pool: Pool;
  private readonly timeoutMs: number;

  constructor(endpoint: string, opts: { connections?: number; timeoutMs?: number } = {}) {
    this.url = new URL(endpoint);
    if (this.url.protocol !== 'http:') throw new TypeError(`unsupported endpoint ${endpoint}: only http:// is supported`);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.pool = new Pool(this.url.origin, {
      connections: opts.connections ?? 16,
      keepAliveTimeout: 30_000,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
  }

  /** call POSTs body as JSON to path and returns the parsed JSON answer, or throws EtcdError. */
  async call(path: string, body: unknown): Promise<Record<string, unknown>> {
    const text = await this.post(path, JSON.stringify(body));
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new EtcdError(GrpcCode.Internal, `unparseable answer from ${path}: ${text.slice(0, 200)}`);
    }
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  }

  /** post sends a raw body and returns the raw answer text of a 200, or throws EtcdError. */
  async post(path: string, body: string): Promise<string> {
    let res;
    try {
      res = await this.pool.request({ path, method: 'POST', body, headers: { 'content-type': 'application/json' } });
    } catch (err) {
      throw unavailable(err);
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (err) {
      throw unavailable(err);
    }
    if (res.statusCode !== 200) throw errorFromBody(res.statusCode, text);
    return text;
  }

  /**
   * postStream POSTs a complete body and resolves with the response body as a byte stream once
   * the headers arrive (used for the snapshot and lease keepalive streams).
   */
  async postStream(path: string, body: string): Promise<AsyncIterable<Buffer>> {
    let res;
    try {
      res = await this.pool.request({ path, method: 'POST', body, headers: { 'content-type': 'application/json' }, bodyTimeout: 0 });
    } catch (err) {
      throw unavailable(err);
    }
    if (res.statusCode !== 200) throw errorFromBody(res.statusCode, await res.body.text().catch(() => ''));
    return res.body as AsyncIterable<Buffer>;
  }

  /**
   * openDuplex starts a POST whose body stays open: the caller writes request lines to the
   * returned request and reads the response when it arrives.
   */
  openDuplex(path: string): { req: http.ClientRequest; response: Promise<http.IncomingMessage> } {
    const req = http.request({
      host: this.url.hostname,
      port: this.url.port || 80,
      path,
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', expect: '100-continue', 'transfer-encoding': 'chunked' },
    });
    req.setNoDelay(true);
    const response = new Promise<http.IncomingMessage>((resolve, reject) => {
      req.once('response', resolve);
      req.once('error', (err) => reject(unavailable(err)));
    });
    // Writes queue until the socket connects; flushHeaders makes the request start now.
    req.flushHeaders();
    return { req, response };
  }

  /** close ends the keep-alive pool. Open duplex streams are closed by their owners. */
  async close(): Promise<void> {
    await this.pool.close();
  }
}

/** unavailable wraps a connection-level failure as EtcdError(Unavailable). */
export function unavailable(err: unknown): EtcdError {
  if (err instanceof EtcdError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new EtcdError(GrpcCode.Unavailable, `etcd unavailable: ${message}`, { cause: err });
}

/**
 * jsonLines turns a byte stream of newline-delimited JSON messages into parsed objects.
 * grpc-gateway writes one message per line; a message may span chunks.
 */
export async function* jsonLines(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<Record<string, unknown>> {
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of chunks) {
    pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line !== '') yield JSON.parse(line) as Record<string, unknown>;
    }
  }
  if (pending.trim() !== '') yield JSON.parse(pending) as Record<string, unknown>;
}
