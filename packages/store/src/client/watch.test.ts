import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EtcdClient } from './client.js';
import { isCompacted, isUnavailable } from './errors.js';
import type { WatchResponse } from './types.js';

/**
 * A scripted fake of etcd's /v3/watch: `onRequest` sees each request line the client sends and
 * may answer with result lines through `send`.
 */
async function fakeWatchServer(onRequest: (msg: Record<string, any>, send: (result: object) => void, res: http.ServerResponse) => void) {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const send = (result: object) => res.write(JSON.stringify({ result: { header: { revision: '10' }, ...result } }) + '\n');
    let pending = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      pending += c;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line.trim()) onRequest(JSON.parse(line) as Record<string, any>, send, res);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

const ev = (key: string, rev: number) => ({ kv: { key: Buffer.from(key).toString('base64'), mod_revision: String(rev) } });

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
});

describe('WatchStream', () => {
  it('routes responses by watch_id and broadcasts a stream-wide progress response', async () => {
    let nextId = 0;
    const srv = await fakeWatchServer((msg, send) => {
      if (msg.create_request) {
        const id = nextId++;
        send({ watch_id: String(id), created: true });
        if (id === 1) {
          send({ watch_id: '1', events: [ev('b', 11)] });
          send({ watch_id: '0', events: [ev('a', 12)] });
        }
      }
      if (msg.progress_request) send({ watch_id: '-1' });
    });
    const client = new EtcdClient(srv.url);
    cleanup.push(() => client.close(), srv.close);
    const stream = client.watchStream();
    const w0 = await stream.watch({ key: 'a' });
    const w1 = await stream.watch({ key: 'b' });
    const [i0, i1] = [w0[Symbol.asyncIterator](), w1[Symbol.asyncIterator]()];
    expect(((await i0.next()).value as WatchResponse).events[0]?.kv.key.toString()).toBe('a');
    expect(((await i1.next()).value as WatchResponse).events[0]?.kv.modRevision).toBe(11);
    stream.requestProgress();
    for (const [it, id] of [[i0, 0], [i1, 1]] as const) {
      expect((await it.next()).value).toMatchObject({ watchId: id, progressNotify: true, events: [] });
    }
  });

  it('fails a watcher whose start revision was compacted, with the compact revision', async () => {
    const srv = await fakeWatchServer((msg, send) => {
      if (msg.create_request) {
        send({ watch_id: '0', created: true });
        send({ watch_id: '0', canceled: true, compact_revision: '7' });
      }
    });
    const client = new EtcdClient(srv.url);
    cleanup.push(() => client.close(), srv.close);
    const w = await client.watch({ key: 'a', startRevision: 2 });
    const err = await w.forEach(() => {}).catch((e: unknown) => e);
    expect(isCompacted(err)).toBe(true);
    expect((err as { compactRevision: number }).compactRevision).toBe(7);
  });

  it('rejects a create the server refuses, and fails every watcher when the connection drops', async () => {
    const srv = await fakeWatchServer((msg, send, res) => {
      if (msg.create_request?.watch_id === '5') send({ watch_id: '-1', created: true, canceled: true, cancel_reason: 'mvcc: duplicate watch ID provided on the WatchStream' });
      else if (msg.create_request) send({ watch_id: '0', created: true });
      if (msg.progress_request) res.destroy();
    });
    const client = new EtcdClient(srv.url);
    cleanup.push(() => client.close(), srv.close);
    const stream = client.watchStream();
    const w = await stream.watch({ key: 'a' });
    await expect(stream.watch({ key: 'a', watchId: 5 })).rejects.toThrow(/duplicate watch ID/);
    stream.requestProgress();
    const err = await w.forEach(() => {}).catch((e: unknown) => e);
    expect(isUnavailable(err)).toBe(true);
  });

  it('delivers every response in order through pause/resume backpressure', async () => {
    const total = 200;
    const srv = await fakeWatchServer((msg, send) => {
      if (msg.create_request) {
        send({ watch_id: '0', created: true });
        // Batches on separate timers arrive as separate chunks, so reading must resume after a pause.
        for (let b = 0; b < total / 20; b++) {
          setTimeout(() => {
            for (let i = b * 20; i < (b + 1) * 20; i++) send({ watch_id: '0', events: [ev('k', 100 + i)] });
          }, b * 2);
        }
      }
    });
    const client = new EtcdClient(srv.url);
    cleanup.push(() => client.close(), srv.close);
    const w = await client.watch({ key: 'k' }, { highWaterMark: 4 });
    const seen: number[] = [];
    for await (const r of w) {
      seen.push(r.events[0]!.kv.modRevision);
      if (seen.length % 10 === 0) await new Promise((r) => setTimeout(r, 1));
      if (seen.length === total) break;
    }
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => 100 + i));
  });

  it('ends iteration normally when the caller cancels', async () => {
    const srv = await fakeWatchServer((msg, send) => {
      if (msg.create_request) send({ watch_id: '3', created: true });
      if (msg.cancel_request) send({ watch_id: msg.cancel_request.watch_id, canceled: true });
    });
    const client = new EtcdClient(srv.url);
    cleanup.push(() => client.close(), srv.close);
    const w = await client.watch({ key: 'a', watchId: 3 });
    const consumed = w.forEach(() => {});
    await w.cancel();
    await expect(consumed).resolves.toBeUndefined();
    expect(w.done).toBe(true);
  });
});
