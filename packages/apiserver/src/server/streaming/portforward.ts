/**
 * `pods/portforward`: SPDY/3.1 from the client, either tunnelled in a WebSocket (subprotocol
 * `SPDY/3.1+portforward.k8s.io`, kubectl 1.31+) or as a plain upgrade (`X-Stream-Protocol-Version:
 * portforward.k8s.io`). Per forwarded connection the client opens an error and a data stream sharing
 * `requestid` and `port`; each pair gets one WebSocket to the kubelet's `/portForward/NS/POD?port=P`
 * (channel 0 data, channel 1 error text, `[255, 0]` half-close). The error stream is FINished when the
 * connection is done; text on it makes kubectl report `an error occurred forwarding ...`.
 */
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocket, WebSocketServer } from 'ws';
import { newBadRequest } from '@nanokube/api';
import type { Logger } from '@nanokube/component-base';
import type { SubresourceRequest } from '../resource-handler.js';
import { dialKubelet } from './dial.js';
import { locateKubelet, type KubeletClientConfig, type KubeletTarget } from './kubelet-client.js';
import { startSpdyServer, type SpdyStream } from './spdy.js';
import { takeUpgrade } from './upgrade.js';

/** The WebSocket subprotocol of SPDY tunnelled in WebSocket. */
export const spdyTunnelProtocol = 'SPDY/3.1+portforward.k8s.io';
const spdyPortForwardProtocol = 'portforward.k8s.io';

// ws refuses subprotocol tokens holding `/`: the header is removed before the handshake and answered here.
const tunnelWss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
tunnelWss.on('headers', (headers: string[]) => headers.push(`Sec-WebSocket-Protocol: ${spdyTunnelProtocol}`));

function headerList(v: string | string[] | undefined): string[] {
  return (Array.isArray(v) ? v.join(',') : (v ?? '')).split(',').map((s) => s.trim()).filter(Boolean);
}

/** servePortForward handles pods/portforward. */
export async function servePortForward(r: SubresourceRequest, cfg: KubeletClientConfig, log: Logger): Promise<void> {
  const target = await locateKubelet(r);
  const headers = r.request.headers;
  const upgrade = String(headers['upgrade'] ?? '').toLowerCase();
  const tunnel = upgrade === 'websocket' && headerList(headers['sec-websocket-protocol']).includes(spdyTunnelProtocol);
  const spdy = upgrade.startsWith('spdy/3.1') && headerList(headers['x-stream-protocol-version']).includes(spdyPortForwardProtocol);
  if (!tunnel && !spdy) {
    if (upgrade === 'websocket') throw newBadRequest(`unable to upgrade: no supported WebSocket subprotocol; expected ${spdyTunnelProtocol}`);
    if (upgrade.startsWith('spdy/')) {
      throw newBadRequest(`unable to upgrade: unable to negotiate protocol: client supports [${headerList(headers['x-stream-protocol-version']).join(' ')}], server supports [${spdyPortForwardProtocol}]`);
    }
    throw newBadRequest('Upgrade request required');
  }
  const up = takeUpgrade(r.request, r.reply);
  if (!up) throw newBadRequest('Upgrade request required');
  const onStreams = pairStreams(target, cfg, log);
  if (tunnel) {
    delete r.request.raw.headers['sec-websocket-protocol'];
    tunnelWss.handleUpgrade(r.request.raw, up.socket, up.head, (ws) => {
      const duplex = createWebSocketStream(ws);
      duplex.on('error', () => ws.terminate());
      startSpdyServer(duplex, onStreams.stream, onStreams.close);
    });
    return;
  }
  const socket: Duplex = up.socket;
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${spdyPortForwardProtocol}\r\n\r\n`);
  if (up.head.length > 0) socket.unshift(up.head);
  startSpdyServer(socket, onStreams.stream, onStreams.close);
}

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
  kubelet?: WebSocket;
}

/** pairStreams matches error and data streams by request id and forwards each complete pair. */
function pairStreams(target: KubeletTarget, cfg: KubeletClientConfig, log: Logger): { stream: (s: SpdyStream) => void; close: () => void } {
  const pairs = new Map<string, Pair>();
  const stream = (s: SpdyStream): void => {
    const type = String(s.headers['streamtype'] ?? '');
    const id = String(s.headers['requestid'] ?? s.headers['port'] ?? '');
    const pair = pairs.get(id) ?? {};
    pairs.set(id, pair);
    if (type === 'error') {
      pair.error = s;
      s.resume();
    } else if (type === 'data') {
      pair.data = s;
    } else {
      s.end();
      return;
    }
    if (pair.error && pair.data) {
      const port = Number(s.headers['port']);
      forward(target, cfg, port, pair, log).finally(() => pairs.delete(id));
    }
  };
  const close = (): void => {
    for (const p of pairs.values()) p.kubelet?.terminate();
    pairs.clear();
  };
  return { stream, close };
}

async function forward(target: KubeletTarget, cfg: KubeletClientConfig, port: number, pair: Pair, log: Logger): Promise<void> {
  const data = pair.data as SpdyStream;
  const error = pair.error as SpdyStream;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    error.end(`invalid port ${port}`);
    data.end();
    return;
  }
  const path = `/portForward/${encodeURIComponent(target.namespace)}/${encodeURIComponent(target.podName)}?port=${port}`;
  let kubelet: WebSocket;
  try {
    kubelet = await dialKubelet(target.hostPort, path, ['portforward.nanokube.io'], cfg, target.podName);
  } catch (err) {
    log.info({ err, pod: target.podName, port }, 'Port-forward to the kubelet failed');
    error.end(`error forwarding port ${port} to pod ${target.podName}: ${(err as Error).message}`);
    data.end();
    return;
  }
  pair.kubelet = kubelet;
  await new Promise<void>((resolve) => {
    data.on('data', (d: Buffer) => kubelet.readyState === WebSocket.OPEN && kubelet.send(Buffer.concat([Buffer.from([0]), d]), { binary: true }));
    data.on('end', () => kubelet.readyState === WebSocket.OPEN && kubelet.send(Buffer.from([255, 0]), { binary: true }));
    data.on('close', () => kubelet.close(1000));
    kubelet.on('message', (m: Buffer) => {
      if (m[0] === 0) data.write(m.subarray(1));
      else if (m[0] === 1) error.write(m.subarray(1));
    });
    kubelet.on('close', () => {
      data.end();
      error.end();
      resolve();
    });
    kubelet.on('error', () => kubelet.terminate());
    kubelet.resume();
  });
}
