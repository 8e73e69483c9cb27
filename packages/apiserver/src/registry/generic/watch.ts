/**
 * WATCH from the watch cache. resourceVersion '0' or unset: synthetic ADDED for every current
 * match, then live events (unset first catches up with the store, as a consistent read); N: only
 * events after N, replayed from the ring; N older than the ring: 410 Expired
 * `too old resource version: N (M)`; N newer than the cache: wait for it (ERROR 504 after 3 s).
 *
 * Errors found before the stream (bad selector, bad or expired resourceVersion) are thrown
 * synchronously by watchObjects, so the HTTP layer can still answer with a plain Status.
 */
import { newResourceExpired, newTimeout, StatusError } from '@nanokube/api';
import type { KubeObject, RequestContext, ResourceDefinition, WatchEvent, WatchOptions } from '../types.js';
import { cacheOf, prefixOf, storageApiVersion, type RegistryCore } from './core.js';
import { buildPredicate, type Predicate } from './filters.js';
import { namespacePrefix } from './keys.js';
import { cacheWaitMs, parseResourceVersion } from './list.js';
import { deepFreeze } from './objects.js';
import type { WatchCache } from './watch-cache.js';
import { CacheWatcher } from './watcher.js';

/** Tunables, overridable in tests. */
export const watchTuning = { bookmarkIntervalMs: 60_000 };

/** watchObjects serves WATCH; see the module comment for resourceVersion semantics. */
export function watchObjects(
  core: RegistryCore,
  ctx: RequestContext,
  def: ResourceDefinition,
  opts: WatchOptions,
  signal: AbortSignal,
): AsyncIterable<WatchEvent> {
  const ns = def.namespaced ? ctx.namespace : '';
  const pred = buildPredicate(def, ns, opts);
  const rv = parseResourceVersion(opts.resourceVersion);
  const cache = cacheOf(core, def);
  if (rv !== undefined && rv > 0 && rv < cache.oldestRevision()) {
    throw newResourceExpired(`too old resource version: ${rv} (${cache.oldestRevision()})`);
  }
  const apiVersion = storageApiVersion(def);
  const watcher = new CacheWatcher({
    filter: pred.matches,
    ...(opts.allowWatchBookmarks
      ? { bookmark: () => deepFreeze({ kind: def.kind, apiVersion, metadata: { resourceVersion: String(cache.revision) } }) }
      : {}),
    bookmarkIntervalMs: watchTuning.bookmarkIntervalMs,
    ...(opts.timeoutSeconds ? { timeoutMs: opts.timeoutSeconds * 1000 } : {}),
    signal,
  });
  const listPrefix = namespacePrefix(prefixOf(core, def), ns);
  const begin = (): void => {
    if (rv === undefined || rv === 0) {
      watcher.start(initialEvents(cache, pred, listPrefix, def.namespaced), (sink) => cache.addSink(sink, pred.trigger));
      return;
    }
    const replay = cache.eventsAfter(rv);
    if (!replay) {
      watcher.fail(expiredStatus(rv, cache));
      return;
    }
    const initial: WatchEvent[] = [];
    for (const ev of replay) {
      const out = watcher.translate(ev);
      if (out) initial.push(out);
    }
    watcher.start(initial, (sink) => cache.addSink(sink, pred.trigger));
  };
  const needsWait = rv === undefined || rv > cache.revision;
  if (!needsWait) begin();
  else void catchUp(core, rv).then((ok) => (ok ? begin() : watcher.fail(tooLargeStatus(rv, core))));
  return watcher;
}

async function catchUp(core: RegistryCore, rv: number | undefined): Promise<boolean> {
  try {
    const target = rv ?? (await core.storage.currentRevision());
    return await core.cacher.waitForRevision(target, cacheWaitMs);
  } catch {
    return false;
  }
}

function initialEvents(cache: WatchCache, pred: Predicate, listPrefix: string, namespaced: boolean): WatchEvent[] {
  const out: WatchEvent[] = [];
  if (pred.name !== undefined && (!namespaced || listPrefix !== cache.prefix)) {
    const obj = cache.get(listPrefix + pred.name);
    if (obj && pred.matches(obj)) out.push({ type: 'ADDED', object: obj });
    return out;
  }
  for (const key of cache.keysFrom(listPrefix)) {
    if (!key.startsWith(listPrefix)) break;
    const obj = cache.get(key) as KubeObject;
    if (pred.matches(obj)) out.push({ type: 'ADDED', object: obj });
  }
  return out;
}

function statusObject(err: StatusError): KubeObject {
  return deepFreeze({ ...err.status } as unknown as KubeObject);
}

function expiredStatus(rv: number, cache: WatchCache): KubeObject {
  return statusObject(newResourceExpired(`too old resource version: ${rv} (${cache.oldestRevision()})`));
}

function tooLargeStatus(rv: number | undefined, core: RegistryCore): KubeObject {
  return statusObject(newTimeout(`Too large resource version: ${rv ?? ''}, current: ${core.cacher.revision}`));
}
