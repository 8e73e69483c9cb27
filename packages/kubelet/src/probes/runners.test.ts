import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePort, runHandler } from './handlers.js';
import { probeHttp, probeTcp } from './runners.js';

let server: Server;
let port = 0;
let lastHeaders: IncomingHttpHeaders = {};

beforeAll(async () => {
  server = createServer((req, res) => {
    lastHeaders = req.headers;
    const code = Number(/^\/status\/(\d+)$/.exec(req.url ?? '')?.[1] ?? 200);
    if (req.url === '/slow') return void setTimeout(() => res.end('late'), 500);
    res.statusCode = code;
    res.end('body');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

async function closedPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

describe('probeHttp', () => {
  it.each([
    [200, 'success', 'body'],
    [204, 'success', ''],
    [302, 'success', 'body'],
    [399, 'success', 'body'],
    [400, 'failure', 'HTTP probe failed with statuscode: 400'],
    [500, 'failure', 'HTTP probe failed with statuscode: 500'],
  ])('status %i → %s', async (code, result, message) => {
    const out = await probeHttp({ scheme: 'HTTP', host: '127.0.0.1', port, path: `/status/${code}`, headers: [], timeoutMs: 1000 });
    expect(out.result).toBe(result);
    if (code !== 204) expect(out.message).toBe(message);
  });

  it('sends kube-probe user agent and custom headers', async () => {
    await probeHttp({ scheme: 'HTTP', host: '127.0.0.1', port, path: 'healthz', headers: [{ name: 'X-Custom', value: 'v' }], timeoutMs: 1000 });
    expect(lastHeaders['user-agent']).toMatch(/^kube-probe\//);
    expect(lastHeaders['x-custom']).toBe('v');
    expect(lastHeaders['accept']).toBe('*/*');
  });

  it('fails on refused connections and timeouts with Go-style messages', async () => {
    const closed = await closedPort();
    const refused = await probeHttp({ scheme: 'HTTP', host: '127.0.0.1', port: closed, path: '/', headers: [], timeoutMs: 1000 });
    expect(refused).toEqual({ result: 'failure', message: `Get "http://127.0.0.1:${closed}/": dial tcp 127.0.0.1:${closed}: connect: connection refused` });
    const slow = await probeHttp({ scheme: 'HTTP', host: '127.0.0.1', port, path: '/slow', headers: [], timeoutMs: 100 });
    expect(slow.result).toBe('failure');
    expect(slow.message).toContain('context deadline exceeded');
  });
});

describe('probeTcp', () => {
  it('succeeds on an open port and fails on a closed one', async () => {
    expect((await probeTcp('127.0.0.1', port, 1000)).result).toBe('success');
    const closed = await closedPort();
    expect(await probeTcp('127.0.0.1', closed, 1000)).toEqual({ result: 'failure', message: `dial tcp 127.0.0.1:${closed}: connect: connection refused` });
  });
});

describe('runHandler', () => {
  const container = { name: 'web', ports: [{ name: 'http', containerPort: 8080 }] };
  it.each<[number | string, number | string]>([
    [80, 80],
    ['8081', 8081],
    ['http', 8080],
    ['nope', "couldn't find port: nope in container web"],
  ])('resolves port %j', (p, want) => {
    if (typeof want === 'number') expect(resolvePort(p, container)).toBe(want);
    else expect(() => resolvePort(p, container)).toThrow(want);
  });

  it('uses the pod IP as host, and succeeds without connecting when simulated', async () => {
    const base = { runtime: {} as never, container: { name: 'c', ports: [{ name: 'web', containerPort: port }] }, containerId: 'x', podIp: '127.0.0.1', timeoutMs: 1000 };
    expect((await runHandler({ httpGet: { port: 'web', path: '/status/500' } }, { ...base, simulated: false })).result).toBe('failure');
    expect((await runHandler({ httpGet: { port: 'web', path: '/status/500' } }, { ...base, simulated: true })).result).toBe('success');
    expect((await runHandler({ tcpSocket: { port: 'web' } }, { ...base, simulated: false })).result).toBe('success');
    expect((await runHandler({ tcpSocket: { port: 'missing' } }, { ...base, simulated: false })).result).toBe('unknown');
  });

  it('runs exec through the runtime with its exit code and output', async () => {
    const runtime = {
      exec: async (_id: string, cmd: string[], s: { stdout?: NodeJS.WritableStream }) => {
        s.stdout?.write(`ran ${cmd.join(' ')}`);
        return cmd[0] === 'true' ? 0 : cmd[0] === 'false' ? 1 : 127;
      },
    };
    const base = { runtime: runtime as never, container: { name: 'c' }, containerId: 'x', podIp: '', timeoutMs: 1000, simulated: true };
    expect(await runHandler({ exec: { command: ['true'] } }, base)).toEqual({ result: 'success', message: 'ran true', exitCode: 0 });
    expect(await runHandler({ exec: { command: ['false', 'x'] } }, base)).toEqual({ result: 'failure', message: 'ran false x', exitCode: 1 });
    expect(await runHandler({ exec: { command: ['test', '-f', '/x'] } }, base)).toEqual({ result: 'success', message: '' });
    expect((await runHandler({ exec: { command: ['test', '-f', '/x'] } }, { ...base, simulated: false })).result).toBe('failure');
    const unsupported = { ...base, runtime: { exec: async () => Promise.reject(new Error('exec is not supported')) } as never };
    expect(await runHandler({ exec: { command: ['x'] } }, unsupported)).toEqual({ result: 'unknown', message: 'exec is not supported' });
  });
});
