/**
 * `pods/exec` and `pods/attach`. The client speaks WebSocket (`v5.channel.k8s.io`, or v4) or SPDY/3.1
 * (`X-Stream-Protocol-Version: v4.channel.k8s.io`, ...); the apiserver always talks WebSocket v5 to the
 * kubelet's `/exec` or `/attach` and translates: channel 0 stdin, 1 stdout, 2 stderr, 3 status, 4 resize,
 * `[255, 0]` stdin EOF. Errors found before the upgrade (pod, container, kubelet) are ordinary Status replies.
 */
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { newBadRequest } from '@nanokube/api';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { SubresourceRequest } from '../resource-handler.js';
import { dialKubelet } from './dial.js';
import { containerOf, locateKubelet, queryOf, type KubeletClientConfig } from './kubelet-client.js';
import { startSpdyServer, type SpdyStream } from './spdy.js';
import { takeUpgrade } from './upgrade.js';

/** WebSocket subprotocols served to clients, preferred first. */
const wsProtocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
/** SPDY stream protocols served to clients, preferred first (v1-v3 carry a plain-text error stream). */
const spdyProtocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];
/** How long a SPDY client has to open its streams (upstream's streamCreationTimeout). */
const streamCreationTimeoutMs = 30_000;

const wss = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  handleProtocols: (offered) => wsProtocols.find((p) => offered.has(p)) ?? false,
});

function headerList(v: string | string[] | undefined): string[] {
  return (Array.isArray(v) ? v.join(',') : (v ?? '')).split(',').map((s) => s.trim()).filter(Boolean);
}

/** serveRemoteCommand handles pods/exec and pods/attach. */
export async function serveRemoteCommand(r: SubresourceRequest, kind: 'exec' | 'attach', cfg: KubeletClientConfig): Promise<void> {
  const q = queryOf(r.request.query);
  const target = await locateKubelet(r);
  const pod: Pod = target.pod;
  const container = containerOf(pod, q.get('container') ?? undefined);
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') throw newBadRequest(`cannot ${kind} into a container in a completed pod; current phase is ${phase}`);
  const command = q.getAll('command');
  if (kind === 'exec' && command.length === 0) throw newBadRequest('you must specify at least 1 command');
  const flags = ['stdin', 'stdout', 'stderr', 'tty'].map((f) => [f, q.get(f) === 'true' || q.get(f) === '1'] as const);
  const want = Object.fromEntries(flags) as Record<'stdin' | 'stdout' | 'stderr' | 'tty', boolean>;
  if (!want.stdin && !want.stdout && !want.stderr) throw newBadRequest('you must specify at least 1 of stdin, stdout, stderr');

  const headers = r.request.headers;
  const upgrade = String(headers['upgrade'] ?? '').toLowerCase();
  const spdyOffered = headerList(headers['x-stream-protocol-version']);
  const spdyProtocol = spdyProtocols.find((p) => spdyOffered.includes(p));
  if (upgrade !== 'websocket' && !(upgrade.startsWith('spdy/3.1') && spdyProtocol)) {
    if (upgrade.startsWith('spdy/')) throw newBadRequest(`unable to upgrade: unable to negotiate protocol: client supports [${spdyOffered.join(' ')}], server supports [${spdyProtocols.join(' ')}]`);
    throw newBadRequest('Upgrade request required');
  }

  const kq = new URLSearchParams();
  for (const c of command) kq.append('command', c);
  for (const [f, on] of flags) if (on) kq.set(f, 'true');
  const path = `/${kind}/${encodeURIComponent(target.namespace)}/${encodeURIComponent(target.podName)}/${encodeURIComponent(container)}?${kq}`;
  const kubelet = await dialKubelet(target.hostPort, path, ['v5.channel.k8s.io'], cfg, target.podName);
  const up = takeUpgrade(r.request, r.reply);
  if (!up) {
    kubelet.close();
    throw newBadRequest('Upgrade request required');
  }
  if (upgrade === 'websocket') {
    wss.handleUpgrade(r.request.raw, up.socket, up.head, (client) => relayWebSocket(client, kubelet));
    return;
  }
  serveSpdy(up.socket, up.head, spdyProtocol ?? 'v4.channel.k8s.io', want, kubelet);
}

/** relayWebSocket copies frames both ways: both ends use the same channel layout. */
function relayWebSocket(client: WebSocket, kubelet: WebSocket): void {
  client.on('message', (data: Buffer) => {
    if (kubelet.readyState === WebSocket.OPEN) kubelet.send(data, { binary: true });
  });
  kubelet.on('message', (data: Buffer) => {
    if (client.readyState === WebSocket.OPEN) client.send(data, { binary: true });
  });
  kubelet.on('close', () => client.close(1000));
  client.on('close', () => kubelet.close(1000));
  kubelet.on('error', () => client.terminate());
  client.on('error', () => kubelet.terminate());
  kubelet.resume();
}

function serveSpdy(socket: Duplex, head: Buffer, protocol: string, want: Record<'stdin' | 'stdout' | 'stderr' | 'tty', boolean>, kubelet: WebSocket): void {
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`);
  if (head.length > 0) socket.unshift(head);
  const statusAsJson = protocol === 'v4.channel.k8s.io' || protocol === 'v5.channel.k8s.io';
  const expected = new Set(['error']);
  if (want.stdin) expected.add('stdin');
  if (want.stdout) expected.add('stdout');
  if (want.stderr && !want.tty) expected.add('stderr');
  if (want.tty && protocol !== 'channel.k8s.io' && protocol !== 'v2.channel.k8s.io') expected.add('resize');
  const streams = new Map<string, SpdyStream>();
  let ready = false;
  const timer = setTimeout(() => session.close(), streamCreationTimeoutMs);

  const toClient = (data: Buffer): void => {
    const body = data.subarray(1);
    switch (data[0]) {
      case 1:
        streams.get('stdout')?.write(body);
        break;
      case 2:
        streams.get('stderr')?.write(body);
        break;
      case 3: {
        const error = streams.get('error');
        if (statusAsJson) error?.write(body);
        else {
          const st = JSON.parse(body.toString()) as { status?: string; message?: string };
          if (st.status !== 'Success') error?.write(st.message ?? 'error');
        }
        break;
      }
    }
  };
  // The kubelet stays paused until the client has opened every stream it asked for.
  const start = (): void => {
    kubelet.on('message', toClient);
    kubelet.on('close', () => {
      for (const s of streams.values()) s.end();
      // kubectl closes the connection once it has read every stream; do it ourselves if it does not.
      setTimeout(() => session.close(), 5_000).unref();
    });
    kubelet.resume();
  };
  kubelet.on('error', () => session.close());

  const session = startSpdyServer(
    socket,
    (stream) => {
      const type = String(stream.headers['streamtype'] ?? '');
      streams.set(type, stream);
      if (type === 'stdin') {
        stream.on('data', (d: Buffer) => kubelet.readyState === WebSocket.OPEN && kubelet.send(Buffer.concat([Buffer.from([0]), d]), { binary: true }));
        stream.on('end', () => kubelet.readyState === WebSocket.OPEN && kubelet.send(Buffer.from([255, 0]), { binary: true }));
      } else if (type === 'resize') {
        let pending = '';
        stream.on('data', (d: Buffer) => {
          pending += d.toString();
          for (let i = pending.indexOf('\n'); i >= 0; i = pending.indexOf('\n')) {
            const line = pending.slice(0, i).trim();
            pending = pending.slice(i + 1);
            if (line && kubelet.readyState === WebSocket.OPEN) kubelet.send(Buffer.concat([Buffer.from([4]), Buffer.from(line)]), { binary: true });
          }
        });
      } else {
        // error, stdout, stderr: the client sends nothing on them, but their reads must drain.
        stream.resume();
      }
      if (!ready && [...expected].every((t) => streams.has(t))) {
        ready = true;
        clearTimeout(timer);
        start();
      }
    },
    () => {
      clearTimeout(timer);
      kubelet.close(1000);
    },
  );
}
