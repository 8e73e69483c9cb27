/** The small part of spdy-transport (untyped CommonJS) the streaming handlers use. */
declare module 'spdy-transport' {
  import type { Duplex } from 'node:stream';
  import type { EventEmitter } from 'node:events';

  export interface SpdyStream extends Duplex {
    id: number;
    headers: Record<string, string>;
    respond(status: number, headers: Record<string, string>, callback?: (err?: Error) => void): void;
    abort(code?: string, callback?: () => void): void;
  }

  export interface SpdyConnection extends EventEmitter {
    start(version: number): void;
    end(callback?: () => void): void;
    destroyStreams(err?: Error): void;
    _spdyState: { parser: { parseKVs(body: unknown, callback: (err: Error | null, headers: Record<string, string>) => void): void } };
  }

  const transport: {
    connection: { create(socket: Duplex, options: { protocol: 'spdy' | 'http2'; isServer: boolean; windowSize?: number }): SpdyConnection };
  };
  export default transport;
}
