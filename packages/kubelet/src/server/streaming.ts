/**
 * The kubelet's streaming endpoints, reached by the apiserver only: `/exec/NS/POD/CONTAINER`,
 * `/attach/NS/POD/CONTAINER` and `/portForward/NS/POD?port=P`, all WebSocket upgrades.
 *
 * exec and attach speak `v5.channel.k8s.io` (or v4): binary messages whose first byte is the channel
 * (0 stdin, 1 stdout, 2 stderr, 3 status JSON, 4 resize JSON, 255 close signal with `[255, 0]` = stdin EOF).
 * port-forward carries one forwarded connection per WebSocket (protocol `portforward.nanokube.io`):
 * channel 0 is the data both ways, channel 1 an error text (kubelet to client), `[255, 0]` the client's
 * half-close.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex as DuplexSocket } from 'node:stream';
import { Duplex, PassThrough, Writable } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '@nanokube/component-base';
import type { Kubelet } from '../kubelet.js';
import type { StreamSession } from '../runtime/types.js';

/** The WebSocket subprotocols of exec/attach, preferred first. */
export const remoteCommandProtocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;
/** The WebSocket subprotocol of one forwarded connection between apiserver and kubelet. */
export const portForwardProtocol = 'portforward.nanokube.io';

export const channel = { stdin: 0, stdout: 1, stderr: 2, status: 3, resize: 4, close: 255 } as const;

/** A Kubernetes Status as sent on the status channel. */
export interface StreamStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes: { reason: string; message: string }[] };
}

/** exitStatus is the status frame upstream sends when a command ends with `code`. */
export function exitStatus(code: number, command: string[] = []): StreamStatus {
  if (code === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

function internalStatus(err: unknown): StreamStatus {
  return { metadata: {}, status: 'Failure', message: `Internal error occurred: ${(err as Error).message}`, reason: 'InternalError', code: 500 };
}

function rejectUpgrade(socket: DuplexSocket, code: number, text: string): void {
  const reason = code === 404 ? 'Not Found' : code === 400 ? 'Bad Request' : 'Internal Server Error';
  const body = `${text}\n`;
  socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

function frame(ch: number, data: Buffer | string): Buffer {
  const payload = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from([ch]), payload]);
}

/** A Writable that sends each chunk as one frame on `ch`. */
function channelWriter(ws: WebSocket, ch: number): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (ws.readyState !== WebSocket.OPEN) return cb();
      ws.send(frame(ch, chunk), { binary: true }, () => cb());
    },
  });
}

/** A queue that is an AsyncIterable (terminal resize events). */
class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter: (() => void) | undefined;
  private done = false;
  push(v: T): void {
    this.items.push(v);
    this.waiter?.();
  }
  close(): void {
    this.done = true;
    this.waiter?.();
  }
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const v = this.items.shift();
      if (v !== undefined) {
        yield v;
        continue;
      }
      if (this.done) return;
      await new Promise<void>((r) => (this.waiter = r));
      this.waiter = undefined;
    }
  }
}

/** KubeletStreaming answers the upgrade requests of the kubelet's HTTPS server. */
export class KubeletStreaming {
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (offered) => [...remoteCommandProtocols, portForwardProtocol].find((p) => offered.has(p)) ?? false,
  });

  constructor(
    private readonly kubelet: Kubelet,
    private readonly log: Logger,
  ) {}

  /** handleUpgrade serves one `upgrade` event of the server. */
  handleUpgrade(req: IncomingMessage, socket: DuplexSocket, head: Buffer): void {
    this.route(req, socket, head).catch((err: unknown) => {
      this.log.warn({ err, path: req.url }, 'Kubelet streaming request failed');
      if (socket.writable) rejectUpgrade(socket, 500, (err as Error).message);
    });
  }

  private async route(req: IncomingMessage, socket: DuplexSocket, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const parts = url.pathname.split('/').slice(1).map(decodeURIComponent);
    const [kind = '', ns = '', podName = '', container = ''] = parts;
    const pod = this.kubelet.findPod(ns, podName);
    if (!pod) return rejectUpgrade(socket, 404, `pod "${podName}" in namespace "${ns}" not found`);
    const uid = pod.metadata?.uid ?? '';
    if (kind === 'portForward') {
      const port = Number(url.searchParams.get('port'));
      if (!Number.isInteger(port) || port < 1 || port > 65535) return rejectUpgrade(socket, 400, `invalid port "${url.searchParams.get('port') ?? ''}"`);
      const sandbox = (await this.kubelet.runtime.listPodSandboxes({ podUid: uid })).find((s) => s.state === 'ready');
      if (!sandbox) return rejectUpgrade(socket, 400, `pod "${podName}" has no running sandbox`);
      return this.wss.handleUpgrade(req, socket, head, (ws) => this.portForward(ws, sandbox.id, port));
    }
    if (kind !== 'exec' && kind !== 'attach') return rejectUpgrade(socket, 404, '404 page not found');
    const running = (await this.kubelet.runtime.listContainers({ podUid: uid }))
      .filter((c) => c.name === container && c.state === 'running')
      .sort((a, b) => b.attempt - a.attempt)[0];
    if (!running) return rejectUpgrade(socket, 400, `container ${container} is not running in pod ${podName}`);
    const q = url.searchParams;
    const flag = (n: string): boolean => q.get(n) === 'true' || q.get(n) === '1';
    const command = q.getAll('command');
    if (kind === 'exec' && command.length === 0) return rejectUpgrade(socket, 400, 'you must specify at least 1 command');
    const want = { stdin: flag('stdin'), stdout: flag('stdout'), stderr: flag('stderr'), tty: flag('tty') };
    this.wss.handleUpgrade(req, socket, head, (ws) => this.remoteCommand(ws, kind, running.id, command, want));
  }

  private remoteCommand(ws: WebSocket, kind: 'exec' | 'attach', containerId: string, command: string[], want: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }): void {
    const abort = new AbortController();
    const stdin = want.stdin ? new PassThrough() : undefined;
    const resize = want.tty ? new AsyncQueue<{ width: number; height: number }>() : undefined;
    ws.on('message', (data: Buffer) => {
      const ch = data[0];
      const body = data.subarray(1);
      if (ch === channel.stdin) stdin?.write(body);
      else if (ch === channel.close && body[0] === channel.stdin) stdin?.end();
      else if (ch === channel.resize && resize) {
        try {
          const r = JSON.parse(body.toString()) as { Width?: number; Height?: number };
          resize.push({ width: r.Width ?? 0, height: r.Height ?? 0 });
        } catch {
          // A malformed resize is ignored, as upstream does.
        }
      }
    });
    ws.on('close', () => {
      abort.abort();
      stdin?.end();
      resize?.close();
    });
    const session: StreamSession = {
      tty: want.tty,
      signal: abort.signal,
      ...(stdin ? { stdin } : {}),
      ...(want.stdout ? { stdout: channelWriter(ws, channel.stdout) } : {}),
      ...(want.stderr && !want.tty ? { stderr: channelWriter(ws, channel.stderr) } : {}),
      ...(resize ? { resize } : {}),
    };
    const runtime = this.kubelet.runtime;
    const run = kind === 'exec' ? runtime.exec(containerId, command, session) : runtime.attach(containerId, session).then(() => 0);
    run
      
      .then((code) => exitStatus(code, command), (err: unknown) => {
        this.log.info({ err, containerId, kind }, 'Streaming command failed');
        return internalStatus(err);
      })
      .then(async (status) => {
        // Let what the streams still buffer reach the socket before the status frame.
        await Promise.all([session.stdout, session.stderr].map((w) => (w && !w.writableFinished ? new Promise<void>((r) => w.end(r)) : undefined)));
        if (ws.readyState === WebSocket.OPEN) ws.send(frame(channel.status, JSON.stringify(status)), { binary: true });
        ws.close(1000);
      })
      .catch(() => ws.terminate());
  }

  private portForward(ws: WebSocket, sandboxId: string, port: number): void {
    const stream = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        if (ws.readyState !== WebSocket.OPEN) return cb();
        ws.send(frame(0, chunk), { binary: true }, () => cb());
      },
    });
    ws.on('message', (data: Buffer) => {
      if (data[0] === 0) stream.push(data.subarray(1));
      else if (data[0] === channel.close) stream.push(null);
    });
    ws.on('close', () => {
      stream.push(null);
      stream.destroy();
    });
    this.kubelet.runtime
      .portForward(sandboxId, port, stream)
      .then(
        () => ws.close(1000),
        (err: unknown) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(frame(1, (err as Error).message), { binary: true });
          ws.close(1000);
        },
      )
      .catch(() => ws.terminate());
  }
}
