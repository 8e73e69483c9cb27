import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@nanokube/component-base';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildDashboard, hostName } from './server.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

let upstream: Server;
let seen: Seen[];
let closedStreams: number;
let app: FastifyInstance;

/** The fake apiserver: a pod list, a watch that sends one event and stays open, a 410 watch, a log. */
function handle(req: IncomingMessage, res: ServerResponse): void {
  seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/api/v1/namespaces/gone/pods' && url.searchParams.get('watch')) {
    res.writeHead(410, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410, message: 'too old resource version' }));
    return;
  }
  if (url.searchParams.get('watch') || url.searchParams.get('follow')) {
    res.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
    res.write(`${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '7' } } })}\n`);
    req.socket.once('close', () => closedStreams++);
    return;
  }
  if (url.pathname === '/api/v1/namespaces/default/pods/missing') {
    res.writeHead(404, { 'content-type': 'application/json', 'set-cookie': 'x=y' });
    res.end(JSON.stringify({ kind: 'Status', code: 404, reason: 'NotFound', message: 'pods "missing" not found' }));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '5' }, items: [] }));
}

beforeEach(async () => {
  seen = [];
  closedStreams = 0;
  upstream = createServer(handle);
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const port = (upstream.address() as AddressInfo).port;
  app = buildDashboard({ config: { server: `http://127.0.0.1:${port}`, token: 'sekret' }, logger: createLogger({ component: 'dashboard', level: 'silent' }) });
  await app.listen({ host: '127.0.0.1', port: 0 });
});

afterEach(async () => {
  await app.close();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

const base = (): string => `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

describe('static files', () => {
  it('serves the page and its modules, and nothing outside the static folder', async () => {
    const page = await app.inject({ url: '/dashboard/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('<script type="module" src="/dashboard/app.js">');
    const js = await app.inject({ url: '/dashboard/app.js' });
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect((await app.inject({ url: '/dashboard/..%2Fpackage.json' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/dashboard/nope.js' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/' })).headers.location).toBe('/dashboard/');
  });

  it('answers only the accepted hosts', async () => {
    const res = await app.inject({ url: '/dashboard/', headers: { host: 'evil.example:8001' } });
    expect(res.statusCode).toBe(403);
    expect((await app.inject({ url: '/dashboard/', headers: { host: 'localhost:8001' } })).statusCode).toBe(200);
    expect(hostName('[::1]:8001')).toBe('[::1]');
    expect(hostName('127.0.0.1')).toBe('127.0.0.1');
  });
});

describe('API proxy', () => {
  it('forwards GET with the kubeconfig credentials and not the browser headers', async () => {
    const res = await app.inject({ url: '/api/v1/pods?limit=5', headers: { cookie: 'session=1', authorization: 'Bearer browser' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ kind: 'PodList', metadata: { resourceVersion: '5' } });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/api/v1/pods?limit=5' });
    expect(seen[0]?.headers['authorization']).toBe('Bearer sekret');
    expect(seen[0]?.headers['cookie']).toBeUndefined();
  });

  it('passes error statuses through and drops upstream cookies', async () => {
    const res = await app.inject({ url: '/api/v1/namespaces/default/pods/missing' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ reason: 'NotFound' });
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('refuses every method but GET with 405 and never reaches the apiserver', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
      const res = await app.inject({ method, url: '/apis/apps/v1/namespaces/default/deployments', payload: {} });
      expect(res.statusCode).toBe(405);
      expect(res.json()).toMatchObject({ kind: 'Status', reason: 'MethodNotAllowed', code: 405 });
    }
    expect(seen).toHaveLength(0);
  });

  it('refuses exec, attach and port-forward paths', async () => {
    const res = await app.inject({ url: '/api/v1/namespaces/default/pods/p/exec?command=sh' });
    expect(res.statusCode).toBe(403);
    expect(seen).toHaveLength(0);
  });

  it('streams a watch as it arrives and closes the upstream when the browser goes away', async () => {
    const abort = new AbortController();
    const res = await fetch(`${base()}/api/v1/pods?watch=1&resourceVersion=5`, { signal: abort.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('"ADDED"');
    abort.abort();
    const deadline = Date.now() + 5000;
    while (closedStreams === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(closedStreams).toBe(1);
  });
});

describe('watch multiplexer', () => {
  it('interleaves watches by index and turns an upstream error into an ERROR event and END', async () => {
    const abort = new AbortController();
    const paths = ['/api/v1/pods?watch=1&resourceVersion=5', '/api/v1/namespaces/gone/pods?watch=1&resourceVersion=1'];
    const res = await fetch(`${base()}/dashboard/watch?${paths.map((p) => `path=${encodeURIComponent(p)}`).join('&')}`, { signal: abort.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const deadline = Date.now() + 5000;
    while (!(text.includes('1 END') && text.includes('0 {')) && Date.now() < deadline) text += (await reader.read()).value ?? '';
    abort.abort();
    const lines = text.trim().split('\n');
    expect(lines).toContain('1 END');
    const err = lines.find((l) => l.startsWith('1 {'));
    expect(JSON.parse(err!.slice(2))).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
    const ev = lines.find((l) => l.startsWith('0 {'));
    expect(JSON.parse(ev!.slice(2))).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'a' } } });
  });

  it('rejects paths that are not API watches', async () => {
    for (const q of ['', 'path=%2Fetc%2Fpasswd', `path=${encodeURIComponent('/api/v1/pods')}`]) {
      const res = await app.inject({ url: `/dashboard/watch?${q}` });
      expect(res.statusCode).toBe(400);
    }
    expect(seen).toHaveLength(0);
  });
});
