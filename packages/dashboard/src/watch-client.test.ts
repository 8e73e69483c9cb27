import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@nanokube/component-base';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { buildDashboard } from './server.js';
// @ts-expect-error: static/ is untyped JavaScript served as is.
import { watchCollections } from '../static/watch.js';

let upstream: Server;
let app: FastifyInstance;
let lists: number;
let watchedFrom: string[];
const realFetch = globalThis.fetch;

const pod = (name: string, rv: string): unknown => ({ metadata: { name, namespace: 'default', resourceVersion: rv } });
const event = (type: string, object: unknown): string => `${JSON.stringify({ type, object })}\n`;

/**
 * The fake apiserver's script: list 1 at rv 5; the watch from 5 answers 410 Gone; list 2 at rv 9; the
 * watch from 9 adds c and ends (a server-side timeout); the watch from 10 deletes a and stays open.
 */
function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname !== '/api/v1/namespaces/default/pods') {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  if (!url.searchParams.get('watch')) {
    lists++;
    const items = lists === 1 ? [pod('a', '3')] : [pod('a', '3'), pod('b', '8')];
    res.end(JSON.stringify({ kind: 'PodList', metadata: { resourceVersion: lists === 1 ? '5' : '9' }, items }));
    return;
  }
  const rv = url.searchParams.get('resourceVersion') ?? '';
  watchedFrom.push(rv);
  if (rv === '5') res.end(event('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 5 (8)' }));
  else if (rv === '9') res.end(event('ADDED', pod('c', '10')));
  else if (rv === '10') res.write(event('DELETED', pod('a', '11')));
  else res.end();
}

beforeEach(async () => {
  lists = 0;
  watchedFrom = [];
  upstream = createServer(handle);
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const server = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  app = buildDashboard({ config: { server }, logger: createLogger({ component: 'dashboard', level: 'silent' }) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  // The page fetches relative URLs; on Node they are resolved against the dashboard, as a browser would.
  globalThis.fetch = ((input: string, init?: RequestInit) => realFetch(new URL(input, base), init)) as typeof fetch;
});

afterEach(async () => {
  globalThis.fetch = realFetch;
  await app.close();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

it('lists, watches from the list, re-lists on 410 and resumes an ended watch from the last resourceVersion', async () => {
  const abort = new AbortController();
  const states: string[] = [];
  const [pods] = watchCollections(['/api/v1/namespaces/default/pods'], { signal: abort.signal, onChange: () => {}, onState: (s: string) => states.push(s) }) as Map<string, unknown>[];
  const deadline = Date.now() + 10_000;
  while (watchedFrom.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 100));
  abort.abort();
  expect(watchedFrom).toEqual(['5', '9', '10']);
  expect(lists).toBe(2);
  expect([...pods!.keys()].sort()).toEqual(['default/b', 'default/c']);
  expect(states).toContain('live');
  expect(states.some((s) => s.startsWith('reconnecting'))).toBe(false);
});
