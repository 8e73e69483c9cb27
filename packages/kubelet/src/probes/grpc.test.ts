import { createServer, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeGrpc } from './grpc.js';

/** A health server answering SERVING for "" and "db", NOT_SERVING for "cache", NOT_FOUND otherwise. */
let server: Http2Server;
let port = 0;
beforeAll(async () => {
  server = createServer();
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      const service = body.length > 7 ? body.subarray(7).toString() : '';
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers(service === 'gone' ? { 'grpc-status': '5', 'grpc-message': 'unknown service' } : { 'grpc-status': '0' }));
      if (headers[':path'] !== '/grpc.health.v1.Health/Check' || service === 'gone') return void stream.end();
      const status = service === 'cache' ? 2 : 1;
      stream.end(Buffer.from([0, 0, 0, 0, 2, 0x08, status]));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

describe('probeGrpc', () => {
  it.each([
    ['', 'success', ''],
    ['db', 'success', ''],
    ['cache', 'failure', 'service unhealthy (responded with "NOT_SERVING")'],
    ['gone', 'failure', 'error: health rpc probe failed: rpc error: code = 5 desc = unknown service'],
  ])('service %j → %s', async (service, result, message) => {
    expect(await probeGrpc('127.0.0.1', port, service, 1000)).toEqual({ result, message });
  });
});
