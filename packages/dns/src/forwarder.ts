/**
 * Forwarder sends queries outside the cluster domain to the node's resolvers, in order, and hands the
 * answer back unchanged (CoreDNS's forward plugin, without its cache), over the transport the client
 * used.
 */
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import type { Upstream } from './resolv-conf.js';

/** Options of {@link Forwarder}. */
export interface ForwarderOptions {
  upstreams: Upstream[];
  /** Per-upstream timeout, default 2 s. */
  timeoutMs?: number;
  /** Called with `host:port` for every query sent upstream (`coredns_forward_requests_total`). */
  onForward?: (to: string) => void;
}

/** Forwarder relays raw DNS messages to upstream servers. */
export class Forwarder {
  constructor(private readonly opts: ForwarderOptions) {}

  /** hasUpstreams reports whether there is anywhere to forward to. */
  hasUpstreams(): boolean {
    return this.opts.upstreams.length > 0;
  }

  /** forward returns the first upstream answer to query, or undefined when every upstream failed. */
  async forward(query: Buffer, tcp: boolean): Promise<Buffer | undefined> {
    const timeoutMs = this.opts.timeoutMs ?? 2_000;
    for (const up of this.opts.upstreams) {
      this.opts.onForward?.(`${up.host}:${up.port}`);
      try {
        // A truncated UDP answer goes back as it is: the client retries over TCP, and so do we then.
        return tcp ? await tcpExchange(up, query, timeoutMs) : await udpExchange(up, query, timeoutMs);
      } catch {
        // Try the next upstream.
      }
    }
    return undefined;
  }
}

function udpExchange(up: Upstream, query: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = createSocket(up.host.includes(':') ? 'udp6' : 'udp4');
    const timer = setTimeout(() => finish(new Error('upstream timed out')), timeoutMs);
    function finish(err: Error | undefined, msg?: Buffer): void {
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(msg as Buffer);
    }
    sock.on('error', (err) => finish(err));
    sock.on('message', (msg) => {
      // Only the reply to our query (same ID) counts.
      if (msg.length >= 2 && msg.readUInt16BE(0) === query.readUInt16BE(0)) finish(undefined, msg);
    });
    sock.send(query, up.port, up.host, (err) => err && finish(err));
  });
}

function tcpExchange(up: Upstream, query: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: up.host, port: up.port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => sock.destroy(new Error('upstream timed out')), timeoutMs);
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(query.length);
      sock.end(Buffer.concat([len, query]));
    });
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        clearTimeout(timer);
        sock.destroy();
        resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      }
    });
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      reject(new Error('upstream closed the connection'));
    });
  });
}
