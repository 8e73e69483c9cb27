import { createServer, type Server, type ServerResponse } from 'node:http';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ResourceClient } from '../rest/resource-client.js';
import { RestClient } from '../rest/rest-client.js';
import { DeletedFinalStateUnknown, SharedInformer } from './informer.js';

interface Pod {
  metadata: { name: string; namespace: string; resourceVersion: string };
}

const pod = (name: string, rv: number): Pod => ({ metadata: { name, namespace: 'default', resourceVersion: String(rv) } });

/** A fake apiserver for one resource: lists `items`, and hands each watch to `onWatch`. */
function fakeServer(state: { items: Pod[]; rv: number; onWatch: (res: ServerResponse, rv: string) => void }): Promise<Server> {
  const srv = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      state.onWatch(res, url.searchParams.get('resourceVersion') ?? '');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'PodList', metadata: { resourceVersion: String(state.rv) }, items: state.items }));
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve(srv)));
}

describe('SharedInformer', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));

  it('lists, then applies watch events from the list resourceVersion', async () => {
    const watchRVs: string[] = [];
    const srv = await fakeServer({
      items: [pod('a', 5)],
      rv: 10,
      onWatch: (res, rv) => {
        watchRVs.push(rv);
        res.write(JSON.stringify({ type: 'ADDED', object: pod('b', 11) }) + '\n');
        res.write(JSON.stringify({ type: 'DELETED', object: pod('a', 12) }) + '\n');
      },
    });
    const addr = srv.address() as { port: number };
    const rest = new RestClient({ server: `http://127.0.0.1:${addr.port}` });
    const ac = new AbortController();
    cleanups.push(() => {
      ac.abort();
      srv.closeAllConnections();
      srv.close();
    });
    const informer = new SharedInformer<Pod>({
      client: new ResourceClient<Pod>(rest, { group: '', version: 'v1', resource: 'pods', namespaced: true, kind: 'Pod' }),
      log: pino({ level: 'silent' }),
    });
    const seen: string[] = [];
    informer.addEventHandler({
      onAdd: (p) => seen.push(`add ${p.metadata.name}`),
      onDelete: (p) => seen.push(`delete ${(p instanceof DeletedFinalStateUnknown ? p.obj : p).metadata.name}`),
    });
    void informer.run(ac.signal);
    await informer.waitForSync();
    await expect.poll(() => seen).toEqual(['add a', 'add b', 'delete a']);
    expect(watchRVs[0]).toBe('10');
    expect(informer.store.listKeys()).toEqual(['default/b']);
    expect(informer.lastSyncResourceVersion()).toBe('12');
  });

  it('re-lists after a 410 Expired watch error and tombstones objects gone meanwhile', async () => {
    const state = {
      items: [pod('a', 5)],
      rv: 10,
      onWatch: (res: ServerResponse) => {
        // The first watch is told its resourceVersion is too old; the world changed meanwhile.
        state.items = [pod('c', 20)];
        state.rv = 20;
        state.onWatch = () => {};
        res.end(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410, message: 'too old resource version' } }) + '\n');
      },
    };
    const srv = await fakeServer(state);
    const addr = srv.address() as { port: number };
    const rest = new RestClient({ server: `http://127.0.0.1:${addr.port}` });
    const ac = new AbortController();
    cleanups.push(() => {
      ac.abort();
      srv.closeAllConnections();
      srv.close();
    });
    const informer = new SharedInformer<Pod>({
      client: new ResourceClient<Pod>(rest, { group: '', version: 'v1', resource: 'pods', namespaced: true, kind: 'Pod' }),
      log: pino({ level: 'silent' }),
    });
    const deleted: unknown[] = [];
    informer.addEventHandler({ onDelete: (p) => deleted.push(p) });
    void informer.run(ac.signal);
    await expect.poll(() => informer.store.listKeys()).toEqual(['default/c']);
    expect(deleted).toHaveLength(1);
    expect(deleted[0]).toBeInstanceOf(DeletedFinalStateUnknown);
  });
});
