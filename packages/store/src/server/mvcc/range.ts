import type { KeyIndex } from './key-index.js';
import { keyRangeFromWire, type KeyValue, type RangeRequest, type RangeResult, type SortTarget } from './types.js';

/**
 * rangeKeys answers a RangeRequest at revision rev, with etcd's semantics: `count` is the number of
 * keys in the range (before filters and limit), the min/max revision filters and the sort apply before
 * the limit, and `more` says the limit cut the result.
 */
export function rangeKeys(index: KeyIndex, req: RangeRequest, rev: number): RangeResult {
  const range = keyRangeFromWire(req.key, req.rangeEnd);
  let kvs: KeyValue[] = [];
  let count = 0;
  index.forEachLive(range, rev, (kv) => {
    count++;
    if (!req.countOnly) kvs.push(kv);
  });
  kvs = kvs.filter(revisionFilter(req));
  let order = req.sortOrder ?? 'NONE';
  const target = req.sortTarget ?? 'KEY';
  // Keys already come in ascending key order; another target sorts ascending by default (as etcd).
  if (target !== 'KEY' && order === 'NONE') order = 'ASCEND';
  if (order !== 'NONE') {
    const cmp = sortComparator(target);
    kvs.sort(order === 'ASCEND' ? cmp : (a, b) => cmp(b, a));
  }
  const limit = req.limit ?? 0;
  let more = false;
  if (limit > 0 && kvs.length > limit) {
    kvs.length = limit;
    more = true;
  }
  return { revision: rev, kvs, more, count, keysOnly: req.keysOnly === true };
}

function revisionFilter(req: RangeRequest): (kv: KeyValue) => boolean {
  const minMod = req.minModRevision ?? 0;
  const maxMod = req.maxModRevision ?? 0;
  const minCreate = req.minCreateRevision ?? 0;
  const maxCreate = req.maxCreateRevision ?? 0;
  return (kv) =>
    (minMod === 0 || kv.modRevision >= minMod) &&
    (maxMod === 0 || kv.modRevision <= maxMod) &&
    (minCreate === 0 || kv.createRevision >= minCreate) &&
    (maxCreate === 0 || kv.createRevision <= maxCreate);
}

function sortComparator(target: SortTarget): (a: KeyValue, b: KeyValue) => number {
  switch (target) {
    case 'KEY':
      return (a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
    case 'VERSION':
      return (a, b) => a.version - b.version;
    case 'CREATE':
      return (a, b) => a.createRevision - b.createRevision;
    case 'MOD':
      return (a, b) => a.modRevision - b.modRevision;
    case 'VALUE':
      return (a, b) => Buffer.compare(a.value, b.value);
  }
}
