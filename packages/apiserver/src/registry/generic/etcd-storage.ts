/**
 * etcdStorage adapts the etcd v3 client of `@nanokube/store` (which speaks to nanokube's store and
 * to a real etcd alike) to the registry's Storage interface. The registry's single watch runs on its
 * own watch stream, so progress requests reach exactly that watcher.
 */
import { EtcdClient, isCompacted, prefixEnd, type KeyValue } from '@nanokube/store';
import { compactedError, type Storage, type StorageEvent, type StorageWatch, type StorageWatchHandlers, type StoredKV } from './storage.js';

function toKV(kv: KeyValue): StoredKV {
  return { key: kv.key.toString('utf8'), value: kv.value, modRevision: kv.modRevision, createRevision: kv.createRevision };
}

/** rethrow maps the client's compacted error to the registry's. */
function rethrow(err: unknown): never {
  if (isCompacted(err)) throw Object.assign(compactedError((err as Error).message), { cause: err });
  throw err;
}

/** etcdStorage wraps a client; closing the Storage closes the client. */
export function etcdStorage(client: EtcdClient): Storage {
  return {
    async currentRevision() {
      return (await client.range('\u0000', { countOnly: true })).header.revision;
    },
    async get(key) {
      const res = await client.range(key);
      const kv = res.kvs[0];
      return { revision: res.header.revision, ...(kv ? { kv: toKV(kv) } : {}) };
    },
    async list(prefix, opts = {}) {
      try {
        const res = await client.range(opts.startKey ?? prefix, {
          rangeEnd: prefixEnd(prefix),
          ...(opts.limit ? { limit: opts.limit } : {}),
          ...(opts.revision ? { revision: opts.revision } : {}),
        });
        return { kvs: res.kvs.map(toKV), revision: res.header.revision, more: res.more };
      } catch (err) {
        return rethrow(err);
      }
    },
    async create(key, value) {
      const r = await client.create(key, value);
      return { succeeded: r.succeeded, revision: r.revision, ...(r.current ? { current: toKV(r.current) } : {}) };
    },
    async update(key, value, modRevision) {
      const r = await client.updateIfModRevision(key, value, modRevision);
      return { succeeded: r.succeeded, revision: r.revision, ...(r.current ? { current: toKV(r.current) } : {}) };
    },
    async delete(key, modRevision) {
      const r = await client.deleteIfModRevision(key, modRevision);
      return { succeeded: r.succeeded, revision: r.revision, ...(r.current ? { current: toKV(r.current) } : {}) };
    },
    watch(prefix, fromRevision, handlers) {
      return startWatch(client, prefix, fromRevision, handlers);
    },
    async compact(revision) {
      try {
        await client.compact(revision);
      } catch (err) {
        rethrow(err);
      }
    },
    async close() {
      await client.close();
    },
  };
}

function startWatch(client: EtcdClient, prefix: string, fromRevision: number, handlers: StorageWatchHandlers): StorageWatch {
  const stream = client.watchStream();
  let closed = false;
  void (async () => {
    try {
      const watcher = await stream.watch({ key: prefix, rangeEnd: prefixEnd(prefix), startRevision: fromRevision });
      for await (const resp of watcher) {
        if (closed) return;
        if (resp.events.length > 0) {
          const events: StorageEvent[] = resp.events.map((e) =>
            e.type === 'DELETE'
              ? { type: 'delete', key: e.kv.key.toString('utf8'), modRevision: e.kv.modRevision }
              : { type: 'put', key: e.kv.key.toString('utf8'), value: e.kv.value, modRevision: e.kv.modRevision },
          );
          handlers.onEvents(events, resp.header.revision);
        } else if (resp.progressNotify) {
          handlers.onProgress(resp.header.revision);
        }
      }
      if (!closed) handlers.onError(new Error('store watch ended'), false);
    } catch (err) {
      if (!closed) handlers.onError(err, isCompacted(err));
    }
  })();
  return {
    requestProgress() {
      if (!closed) stream.requestProgress();
    },
    close() {
      closed = true;
      stream.close();
    },
  };
}
