/**
 * LIST with upstream's resourceVersion semantics, served from the watch cache:
 * - unset: a consistent read — the cache first catches up with the store's current revision, so
 *   every write acknowledged before the request is visible;
 * - '0': whatever the cache holds now, all of it (limit is ignored, as upstream's cacher does);
 * - N (NotOlderThan): the cache once it reflects N (504 after 3 s);
 * - N with resourceVersionMatch=Exact, and every `continue` page: read from the store at revision N,
 *   so that pages form one snapshot (410 Expired once N is compacted).
 * Items are in key order (namespace, then name); `limit` pages carry upstream's continue token.
 */
import { newBadRequest, newResourceExpired, newTimeout } from '@nanokube/api';
import type { KubeObject, ListOptions, ListResult, RequestContext, ResourceDefinition } from '../types.js';
import { decodeContinue, encodeContinue } from './continue-token.js';
import { cacheOf, prefixOf, type RegistryCore } from './core.js';
import { buildPredicate, type Predicate } from './filters.js';
import { namespacePrefix } from './keys.js';
import { isCompactedError } from './storage.js';
import { decodeStored } from './watch-cache.js';

/** How long a read waits for the cache to reach a revision before giving up. */
export const cacheWaitMs = 3000;

const continueTooOld =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

/** parseResourceVersion parses a request's resourceVersion ('' -> undefined). */
export function parseResourceVersion(rv: string | undefined): number | undefined {
  if (rv === undefined || rv === '') return undefined;
  if (!/^\d+$/.test(rv)) throw newBadRequest(`invalid resource version "${rv}"`);
  return Number(rv);
}

/** ensureCacheAt waits until the caches reflect rev (unset = the store's current revision). */
export async function ensureCacheAt(core: RegistryCore, rev: number | undefined): Promise<void> {
  const target = rev ?? (await core.storage.currentRevision());
  if (await core.cacher.waitForRevision(target, cacheWaitMs)) return;
  throw newTimeout(`Too large resource version: ${target}, current: ${core.cacher.revision}`);
}

/** listObjects serves LIST. */
export async function listObjects(core: RegistryCore, ctx: RequestContext, def: ResourceDefinition, opts: ListOptions): Promise<ListResult> {
  const ns = def.namespaced ? ctx.namespace : '';
  const pred = buildPredicate(def, ns, opts);
  const limit = opts.limit && opts.limit > 0 ? Math.floor(opts.limit) : 0;
  const listPrefix = namespacePrefix(prefixOf(core, def), ns);
  const rv = parseResourceVersion(opts.resourceVersion);
  if (opts.resourceVersionMatch && opts.resourceVersion === undefined) {
    throw newBadRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
  }
  if (opts.continue) {
    if (opts.resourceVersion && opts.resourceVersion !== '0') throw newBadRequest('specifying resource version is not allowed when using continue');
    const token = decodeContinue(opts.continue);
    return listFromStore(core, pred, listPrefix, token.rv, listPrefix + token.start, limit);
  }
  if (rv !== undefined && rv > 0 && opts.resourceVersionMatch === 'Exact') {
    return listFromStore(core, pred, listPrefix, rv, listPrefix, limit);
  }
  // As upstream's cacher, resourceVersion=0 ignores limit: the whole (possibly stale) list at once.
  if (opts.resourceVersion === '0') return listFromCache(core, def, pred, listPrefix, 0);
  await ensureCacheAt(core, rv);
  return listFromCache(core, def, pred, listPrefix, limit);
}

function listFromCache(core: RegistryCore, def: ResourceDefinition, pred: Predicate, listPrefix: string, limit: number): ListResult {
  const cache = cacheOf(core, def);
  const revision = cache.revision;
  // An exact name in one namespace (or of a cluster-scoped resource) is a single key.
  if (pred.name !== undefined && (!def.namespaced || listPrefix !== prefixOf(core, def))) {
    const obj = cache.get(listPrefix + pred.name);
    return { items: obj && pred.matches(obj) ? [obj] : [], resourceVersion: String(revision) };
  }
  const keys = cache.keysFrom(listPrefix);
  const items: KubeObject[] = [];
  let lastKey = '';
  let i = 0;
  for (; i < keys.length; i++) {
    const key = keys[i] as string;
    if (!key.startsWith(listPrefix)) break;
    const obj = cache.get(key) as KubeObject;
    if (!pred.matches(obj)) continue;
    items.push(obj);
    lastKey = key;
    if (limit && items.length === limit) {
      i++;
      break;
    }
  }
  const more = i < keys.length && (keys[i] as string).startsWith(listPrefix);
  if (!more) return { items, resourceVersion: String(revision) };
  const result: ListResult = { items, resourceVersion: String(revision), continue: encodeContinue(revision, listPrefix, lastKey) };
  if (pred.everything) {
    let remaining = 0;
    for (let j = i; j < keys.length && (keys[j] as string).startsWith(listPrefix); j++) remaining++;
    result.remainingItemCount = remaining;
  }
  return result;
}

async function listFromStore(
  core: RegistryCore,
  pred: Predicate,
  listPrefix: string,
  revision: number,
  startKey: string,
  limit: number,
): Promise<ListResult> {
  const items: KubeObject[] = [];
  let from = startKey;
  const pageSize = limit ? Math.max(limit, 100) : 1000;
  for (;;) {
    let page;
    try {
      page = await core.storage.list(listPrefix, { revision, limit: pageSize, startKey: from });
    } catch (err) {
      if (isCompactedError(err)) throw newResourceExpired(continueTooOld);
      throw err;
    }
    for (let i = 0; i < page.kvs.length; i++) {
      const kv = page.kvs[i] as (typeof page.kvs)[number];
      const obj = decodeStored(kv.value, kv.modRevision);
      if (!pred.matches(obj)) continue;
      items.push(obj);
      if (limit && items.length === limit) {
        const more = i < page.kvs.length - 1 || page.more;
        const out: ListResult = { items, resourceVersion: String(revision) };
        if (more) out.continue = encodeContinue(revision, listPrefix, kv.key);
        return out;
      }
    }
    const last = page.kvs[page.kvs.length - 1];
    if (!page.more || !last) return { items, resourceVersion: String(revision) };
    from = `${last.key}\u0000`;
  }
}
