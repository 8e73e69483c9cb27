/**
 * DnsServer answers DNS over UDP and TCP on each listen address: names of the cluster domain from the
 * {@link ClusterZone}, everything else through the {@link Forwarder}. UDP answers larger than the
 * client's buffer (512 bytes, or its EDNS0 size) are sent truncated with TC set, so the client retries
 * over TCP.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { Logger } from '@nanokube/component-base';
import type { Forwarder } from './forwarder.js';
import { rcodeName, type DnsMetrics } from './metrics.js';
import type { ZoneAnswer, ClusterZone } from './zone.js';

/** A listen address. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** Options of {@link DnsServer}. */
export interface DnsServerOptions {
  zone: ClusterZone;
  forwarder: Forwarder;
  log: Logger;
  /** Per-query metrics (CoreDNS's `coredns_dns_*`), when set. */
  metrics?: DnsMetrics;
}

/** Where a query came in: the client's address family and the listener's port. */
export interface QuerySource {
  family: 4 | 6;
  port: number;
}

/** An answer and what produced it, for the metrics. */
interface Handled {
  reply: Buffer | undefined;
  type: string;
  plugin: '' | 'kubernetes' | 'forward';
}

const rcodes = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
const qrFlag = 0x8000;
const ednsBufferSize = 1232;

/** DnsServer serves the cluster zone; see the module comment. */
export class DnsServer {
  private readonly udp: Socket[] = [];
  private readonly tcp: Server[] = [];
  private readonly conns = new Set<TcpSocket>();

  constructor(private readonly opts: DnsServerOptions) {}

  /** listen binds UDP and TCP on every address; port 0 picks a free port (see {@link addresses}). */
  async listen(addresses: ListenAddress[]): Promise<void> {
    for (const addr of addresses) {
      const udp = createSocket(addr.host.includes(':') ? 'udp6' : 'udp4');
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(addr.port, addr.host, () => resolve());
      });
      udp.on('message', (msg, rinfo) => void this.onUdp(udp, msg, rinfo.address, rinfo.port));
      udp.on('error', (err) => this.opts.log.warn({ err }, 'DNS UDP socket error'));
      this.udp.push(udp);
      const tcp = createServer((conn) => this.onTcp(conn));
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(addr.port === 0 ? udp.address().port : addr.port, addr.host, () => resolve());
      });
      this.tcp.push(tcp);
    }
  }

  /** addresses returns the bound UDP addresses (the TCP ones use the same ports). */
  addresses(): ListenAddress[] {
    return this.udp.map((s) => ({ host: s.address().address, port: s.address().port }));
  }

  async close(): Promise<void> {
    for (const c of this.conns) c.destroy();
    await Promise.all([
      ...this.udp.map((s) => new Promise<void>((r) => s.close(() => r()))),
      ...this.tcp.map((s) => new Promise<void>((r) => s.close(() => r()))),
    ]);
  }

  /** handle answers one raw query; undefined means "drop it" (not a query we can parse). */
  async handle(raw: Buffer, transport: 'udp' | 'tcp', from: QuerySource = { family: 4, port: 53 }): Promise<Buffer | undefined> {
    const start = performance.now();
    const { reply, type, plugin } = await this.answer(raw, transport);
    if (reply && reply.length >= 4 && this.opts.metrics) {
      this.opts.metrics.observe({
        server: `dns://:${from.port}`,
        proto: transport,
        family: from.family,
        type,
        rcode: rcodeName(reply.readUInt16BE(2) & 0x0f),
        plugin,
        requestBytes: raw.length,
        responseBytes: reply.length,
        seconds: (performance.now() - start) / 1000,
      });
    }
    return reply;
  }

  private async answer(raw: Buffer, transport: 'udp' | 'tcp'): Promise<Handled> {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(raw);
    } catch {
      return { reply: raw.length >= 12 ? errorReply(raw, rcodes.FORMERR) : undefined, type: 'other', plugin: '' };
    }
    if (query.type !== 'query') return { reply: undefined, type: 'other', plugin: '' };
    const q = query.questions?.[0];
    if (!q || (query.questions?.length ?? 0) !== 1) return { reply: errorReply(raw, rcodes.FORMERR), type: 'other', plugin: '' };
    const zoneAnswer = this.opts.zone.lookup(q.name, q.type);
    if (!zoneAnswer) {
      if (!this.opts.forwarder.hasUpstreams()) return { reply: errorReply(raw, rcodes.SERVFAIL), type: q.type, plugin: '' };
      const forwarded = await this.opts.forwarder.forward(raw, transport === 'tcp');
      return { reply: forwarded ?? errorReply(raw, rcodes.SERVFAIL), type: q.type, plugin: 'forward' };
    }
    return { reply: this.encodeAnswer(query, zoneAnswer, transport), type: q.type, plugin: 'kubernetes' };
  }

  private encodeAnswer(query: dnsPacket.DecodedPacket, a: ZoneAnswer, transport: 'udp' | 'tcp'): Buffer {
    const opt = query.additionals?.find((r) => r.type === 'OPT') as dnsPacket.OptAnswer | undefined;
    const flags = dnsPacket.AUTHORITATIVE_ANSWER | (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0) | rcodes[a.rcode];
    const base = { id: query.id ?? 0, type: 'response' as const, flags, questions: query.questions ?? [] };
    const edns: dnsPacket.Answer[] = opt ? [{ type: 'OPT', name: '.', udpPayloadSize: ednsBufferSize, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] : [];
    const full = dnsPacket.encode({ ...base, answers: a.answers, authorities: a.authorities, additionals: [...a.additionals, ...edns] });
    const limit = opt ? Math.max(512, Math.min(opt.udpPayloadSize ?? 512, ednsBufferSize)) : 512;
    if (transport === 'tcp' || full.length <= limit) return full;
    return dnsPacket.encode({ ...base, flags: flags | dnsPacket.TRUNCATED_RESPONSE, answers: [], authorities: [], additionals: edns });
  }

  private async onUdp(sock: Socket, msg: Buffer, host: string, port: number): Promise<void> {
    try {
      const reply = await this.handle(msg, 'udp', { family: sock.address().family === 'IPv6' ? 6 : 4, port: sock.address().port });
      if (reply) sock.send(reply, port, host);
    } catch (err) {
      this.opts.log.warn({ err }, 'Failed to answer a DNS query');
    }
  }

  private onTcp(conn: TcpSocket): void {
    this.conns.add(conn);
    conn.setTimeout(10_000, () => conn.destroy());
    let buf = Buffer.alloc(0);
    let chain = Promise.resolve();
    conn.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        // Answers go out in query order on one connection.
        chain = chain.then(async () => {
          const from: QuerySource = { family: conn.remoteFamily === 'IPv6' ? 6 : 4, port: conn.localPort ?? 53 };
          const reply = await this.handle(Buffer.from(msg), 'tcp', from).catch(() => errorReply(msg, rcodes.SERVFAIL));
          if (!reply || conn.destroyed) return;
          const len = Buffer.alloc(2);
          len.writeUInt16BE(reply.length);
          conn.write(Buffer.concat([len, reply]));
        });
      }
    });
    conn.on('error', () => conn.destroy());
    conn.on('close', () => this.conns.delete(conn));
  }
}

/** errorReply answers a query with only its header and question section and the given rcode. */
function errorReply(raw: Buffer, rcode: number): Buffer | undefined {
  if (raw.length < 12) return undefined;
  let questionEnd = 12;
  if (raw.readUInt16BE(4) >= 1) {
    // Skip the first question's name (labels; compression cannot occur in a query's first name) + type + class.
    let i = 12;
    while (i < raw.length && raw[i] !== 0) i += (raw[i] as number) + 1;
    questionEnd = Math.min(raw.length, i + 5);
  }
  const out = Buffer.from(raw.subarray(0, questionEnd));
  const rd = raw.readUInt16BE(2) & 0x0100;
  out.writeUInt16BE(qrFlag | rd | rcode, 2);
  out.writeUInt16BE(questionEnd > 12 ? 1 : 0, 4);
  out.writeUInt32BE(0, 6);
  out.writeUInt16BE(0, 10);
  return out;
}
