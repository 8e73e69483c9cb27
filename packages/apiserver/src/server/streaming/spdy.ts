/**
 * SPDY/3.1 server sessions (the protocol of kubectl's exec fallback and of every port-forward) over a raw
 * upgraded socket or a WebSocket stream, with spdy-transport. kubectl's (Go spdystream's) SYN_STREAM frames
 * carry no `:method`/`:path`, which spdy-transport insists on: the header parser is wrapped to add them.
 */
import type { Duplex } from 'node:stream';
import transport, { type SpdyConnection, type SpdyStream } from 'spdy-transport';

export type { SpdyStream };

/** SpdySession is a server-side SPDY/3.1 connection whose client opens every stream. */
export interface SpdySession {
  conn: SpdyConnection;
  /** close ends the session and its transport. */
  close(): void;
}

/** startSpdyServer speaks SPDY/3.1 as the server on `socket`; `onStream` gets each client stream (already answered 200). */
export function startSpdyServer(socket: Duplex, onStream: (s: SpdyStream) => void, onClose: () => void): SpdySession {
  const conn = transport.connection.create(socket, { protocol: 'spdy', isServer: true, windowSize: 1 << 24 });
  const parser = conn._spdyState.parser;
  const parseKVs = parser.parseKVs.bind(parser);
  parser.parseKVs = (body, callback) =>
    parseKVs(body, (err, headers) => {
      if (!err && headers) {
        headers[':method'] ??= 'POST';
        headers[':path'] ??= '/';
      }
      callback(err, headers);
    });
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    try {
      conn.destroyStreams();
    } catch {
      // Already torn down.
    }
    socket.destroy();
    onClose();
  };
  conn.on('error', close);
  socket.on('close', close);
  socket.on('error', close);
  conn.on('stream', (stream: SpdyStream) => {
    stream.on('error', () => stream.destroy());
    stream.respond(200, {});
    onStream(stream);
  });
  conn.start(3.1);
  return { conn, close };
}
