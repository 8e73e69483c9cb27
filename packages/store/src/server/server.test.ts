import { request as httpRequest, type ClientRequest } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@nanokube/component-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreEngine } from './engine.js';
import { startStoreServer, type StoreServer } from './server.js';
import { restoreSnapshot } from './snapshot/restore.js';
import { saveSnapshot } from './verb.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const logger = createLogger({ component: 'store', level: 'silent', pretty: false });

/** Stream is a client of one gateway streaming call: send messages, await response lines. */
interface Stream {
  send(msg: unknown): void;
  next(): Promise<Record<string, any>>;
  status: Promise<number>;
  close(): void;
}

function openStream(url: string, path: string): Stream {
  const lines: Array<Record<string, any>> = [];
  const waiters: Array<(v: Record<string, any>) => void> = [];
  let buf = '';
  let req: ClientRequest;
  const status = new Promise<number>((resolve) => {
    req = httpRequest(new URL(path, url), { method: 'POST' }, (res) => {
      resolve(res.statusCode ?? 0);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.trim() === '') continue;
          const msg = JSON.parse(line) as Record<string, any>;
          const w = waiters.shift();
          if (w) w(msg);
          else lines.push(msg);
        }
      });
      res.on('end', () => {
        if (buf.trim() !== '') lines.push(JSON.parse(buf) as Record<string, any>);
      });
    });
    req.on('error', () => undefined);
    req.flushHeaders();
  });
  return {
    send: (msg) => req.write(typeof msg === 'string' ? msg : JSON.stringify(msg)),
    next: () => {
      const m = lines.shift();
      if (m) return Promise.resolve(m);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no stream message within 3s')), 3000);
        waiters.push((v) => (clearTimeout(t), resolve(v)));
      });
    },
    status,
    close: () => req.destroy(),
  };
}

describe('store server (HTTP, etcd v3 JSON gateway)', () => {
  let dir: string;
  let server: StoreServer;
  let header: string;
  const post = async (path: string, body: unknown) => {
    const res = await fetch(new URL(path, server.url), { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: res.status, text: await res.text() };
  };
  const json = async (path: string, body: unknown) => JSON.parse((await post(path, body)).text) as Record<string, any>;
  const h = (rev: number) => `{"cluster_id":"${server.engine.clusterId}","member_id":"${server.engine.memberId}","revision":"${rev}","raft_term":"2"}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nk-server-'));
    server = await startStoreServer({ dataDir: join(dir, 'data'), listen: 'http://127.0.0.1:0', logger, maxRequestBytes: 4096 });
    header = h(1);
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers put, range and delete with etcd byte shapes (zero fields omitted, int64 as strings)', async () => {
    expect(header).toContain('"revision":"1"');
    expect(await post('/v3/kv/put', { key: b64('foo'), value: b64('bar') })).toEqual({ status: 200, text: `{"header":${h(2)}}` });
    expect((await post('/v3/kv/put', { key: b64('foo'), value: b64('baz'), prev_kv: true })).text).toBe(
      `{"header":${h(3)},"prev_kv":{"key":"Zm9v","create_revision":"2","mod_revision":"2","version":"1","value":"YmFy"}}`,
    );
    expect((await post('/v3/kv/range', { key: b64('foo') })).text).toBe(
      `{"header":${h(3)},"kvs":[{"key":"Zm9v","create_revision":"2","mod_revision":"3","version":"2","value":"YmF6"}],"count":"1"}`,
    );
    expect((await post('/v3/kv/range', { key: b64('none') })).text).toBe(`{"header":${h(3)}}`);
    expect((await post('/v3/kv/deleterange', { key: b64('foo') })).text).toBe(`{"header":${h(4)},"deleted":"1"}`);
    expect((await post('/v3/kv/deleterange', { key: b64('foo') })).text).toBe(`{"header":${h(4)}}`);
  });

  it('runs a txn with etcd response shapes', async () => {
    const t = {
      compare: [{ key: b64('t'), target: 'CREATE', result: 'EQUAL', create_revision: '0' }],
      success: [{ request_put: { key: b64('t'), value: b64('1') } }, { request_range: { key: b64('t'), keys_only: true } }],
      failure: [{ request_range: { key: b64('t') } }],
    };
    const rev = server.engine.revision + 1;
    expect((await post('/v3/kv/txn', t)).text).toBe(
      `{"header":${h(rev)},"succeeded":true,"responses":[{"response_put":{"header":{"revision":"${rev}"}}},` +
        `{"response_range":{"header":{"revision":"${rev}"},"kvs":[{"key":"dA==","create_revision":"${rev}","mod_revision":"${rev}","version":"1"}],"count":"1"}}]}`,
    );
    const again = await json('/v3/kv/txn', t);
    expect(again['succeeded']).toBeUndefined();
    expect(again['header'].revision).toBe(String(rev));
  });

  it.each([
    { name: 'malformed JSON', path: '/v3/kv/range', body: '{"key":', status: 400, msg: 'unexpected EOF' },
    { name: 'bad base64', path: '/v3/kv/range', body: { key: 'Zm9v!' }, status: 400, msg: 'illegal base64 data at input byte 4' },
    { name: 'missing key', path: '/v3/kv/put', body: {}, status: 400, msg: 'etcdserver: key is not provided' },
    { name: 'wrong type', path: '/v3/kv/range', body: { key: 'YQ==', count_only: 'yes' }, status: 400, msg: 'json: cannot unmarshal string into Go value of type bool' },
    { name: 'unknown enum', path: '/v3/kv/range', body: { key: 'YQ==', sort_target: 7 }, status: 400, msg: 'unknown value 7 for enum etcdserverpb.RangeRequest_SortTarget' },
    { name: 'future revision', path: '/v3/kv/range', body: { key: 'YQ==', revision: '1000' }, status: 400, msg: 'etcdserver: mvcc: required revision is a future revision' },
    { name: 'unknown lease', path: '/v3/kv/put', body: { key: 'YQ==', lease: '99' }, status: 404, msg: 'etcdserver: requested lease not found' },
    { name: 'decoded request over the limit', path: '/v3/kv/put', body: { key: 'YQ==', value: b64('x'.repeat(5000)) }, status: 400, msg: 'etcdserver: request is too large' },
    { name: 'body over the gRPC limit', path: '/v3/kv/put', body: { key: 'YQ==', value: b64('x'.repeat(700_000)) }, status: 429, msg: /^grpc: received message larger than max \(\d+ vs\. 528384\)$/ },
    { name: 'decoded txn over the gRPC limit', path: '/v3/kv/txn', body: { success: [{ request_put: { key: 'YQ==', value: b64('x'.repeat(529_000)) } }] }, status: 429, msg: /^grpc: received message larger than max \(529\d+ vs\. 528384\)$/ },
  ])('rejects $name with a gateway error body', async ({ path, body, status, msg }) => {
    const res = await post(path, body);
    expect(res.status).toBe(status);
    const parsed = JSON.parse(res.text) as { error: string; message: string; code: number };
    expect(parsed.error).toMatch(msg);
    expect(parsed.message).toBe(parsed.error);
    expect(parsed.code).toBe({ 400: parsed.code === 11 ? 11 : 3, 404: 5, 429: 8 }[status]);
  });

  it('ignores unknown fields, as the gateway does', async () => {
    expect((await post('/v3/kv/range', { key: b64('nothing'), bogus: 1 })).status).toBe(200);
  });

  it('answers 404 for an unknown path and 405 for a GET on a known one', async () => {
    expect(await post('/v3/nope', {})).toEqual({ status: 404, text: 'Not Found\n' });
    expect((await fetch(new URL('/v3/kv/range', server.url))).status).toBe(405);
  });

  it('serves several watchers on one stream: created, live events, cancel, progress', async () => {
    const s = openStream(server.url, '/v3/watch');
    s.send({ create_request: { key: b64('w/'), range_end: b64('w0'), prev_kv: true } });
    s.send({ create_request: { key: b64('w/b'), watch_id: '7', filters: ['NODELETE'] } });
    expect(await s.status).toBe(200);
    const c1 = await s.next();
    expect(c1['result']).toEqual({ header: expect.any(Object), created: true });
    expect((await s.next())['result']).toMatchObject({ watch_id: '7', created: true });
    await post('/v3/kv/put', { key: b64('w/a'), value: b64('1') });
    const ev = (await s.next())['result'];
    expect(ev.events).toEqual([{ kv: { key: b64('w/a'), create_revision: ev.header.revision, mod_revision: ev.header.revision, version: '1', value: b64('1') } }]);
    await post('/v3/kv/put', { key: b64('w/b'), value: b64('2') });
    const two = [(await s.next())['result'], (await s.next())['result']];
    expect(two.map((r) => r.watch_id ?? '0').sort()).toEqual(['0', '7']);
    s.send({ cancel_request: { watch_id: '7' } });
    expect((await s.next())['result']).toMatchObject({ watch_id: '7', canceled: true });
    s.send({ progress_request: {} });
    expect((await s.next())['result']).toEqual({ header: JSON.parse(h(server.engine.revision)), watch_id: '-1' });
    s.close();
  });

  it('cancels a watch from a compacted revision with compact_revision', async () => {
    await post('/v3/kv/put', { key: b64('c'), value: b64('1') });
    const rev = server.engine.revision;
    await post('/v3/kv/put', { key: b64('c'), value: b64('2') });
    expect((await post('/v3/kv/compaction', { revision: String(rev + 1) })).status).toBe(200);
    const s = openStream(server.url, '/v3/watch');
    s.send({ create_request: { key: b64('c'), start_revision: String(rev) } });
    expect((await s.next())['result'].created).toBe(true);
    const r = (await s.next())['result'];
    expect(r).toEqual({ header: { cluster_id: expect.any(String), member_id: expect.any(String), raft_term: '2' }, canceled: true, compact_revision: String(rev + 1) });
    s.close();
    const err = await post('/v3/kv/range', { key: b64('c'), revision: String(rev) });
    expect([err.status, JSON.parse(err.text).code]).toEqual([400, 11]);
  });

  it('answers a bad first watch message with a 500 and the gateway error body', async () => {
    const s = openStream(server.url, '/v3/watch');
    s.send('{"create_request":{"key":"!!"}}');
    expect(await s.status).toBe(500);
    expect(await s.next()).toEqual({ error: 'illegal base64 data at input byte 0', message: 'illegal base64 data at input byte 0', code: 2 });
  });

  it('grants, keeps alive (streaming), inspects and revokes leases', async () => {
    const g = await json('/v3/lease/grant', { TTL: '30', ID: '4242' });
    expect([g['ID'], g['TTL']]).toEqual(['4242', '30']);
    await post('/v3/kv/put', { key: b64('leased'), value: b64('v'), lease: '4242' });
    const s = openStream(server.url, '/v3/lease/keepalive');
    s.send({ ID: '4242' });
    s.send({ ID: '1' });
    expect((await s.next())['result']).toMatchObject({ ID: '4242', TTL: '30' });
    expect((await s.next())['result']).toEqual({ header: expect.any(Object), ID: '1' });
    s.close();
    const ttl = await json('/v3/lease/timetolive', { ID: '4242', keys: true });
    expect([ttl['grantedTTL'], ttl['keys']]).toEqual(['30', [b64('leased')]]);
    expect((await json('/v3/lease/leases', {}))['leases']).toContainEqual({ ID: '4242' });
    expect((await post('/v3/lease/revoke', { ID: '4242' })).status).toBe(200);
    expect((await json('/v3/kv/range', { key: b64('leased') }))['kvs']).toBeUndefined();
    expect((await json('/v3/lease/timetolive', { ID: '4242' }))['TTL']).toBe('-1');
  });

  it('reports status, and a saved snapshot restores into an identical store', async () => {
    const st = await json('/v3/maintenance/status', {});
    expect(st['version']).toBe('3.4.23');
    expect(Number(st['dbSize'])).toBeGreaterThan(0);
    const file = join(dir, 'snap.db');
    expect(await saveSnapshot(server.url, file)).toBeGreaterThan(0);
    const restored = join(dir, 'restored');
    await restoreSnapshot(file, restored);
    await expect(restoreSnapshot(file, restored)).rejects.toThrow(/not empty/);
    const e = await StoreEngine.open({ dataDir: restored, logger, leaseCheckIntervalMs: 0 });
    try {
      const all = { key: '\0', rangeEnd: '\0' };
      const strip = (r: ReturnType<StoreEngine['range']>) => r.kvs.map((kv) => [kv.key, kv.modRevision, kv.value.toString()]);
      expect(e.revision).toBe(server.engine.revision);
      expect(strip(e.range(all))).toEqual(strip(server.engine.range(all)));
      expect(e.memberId).not.toBe(server.engine.memberId);
    } finally {
      await e.close();
    }
  });
});
