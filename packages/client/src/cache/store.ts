import type { KubeObject } from '../rest/types.js';

/** metaNamespaceKey is the cache key of an object: `namespace/name`, or `name` when cluster-scoped. */
export function metaNamespaceKey(obj: KubeObject): string {
  const m = obj.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name ?? ''}` : (m.name ?? '');
}

/** splitMetaNamespaceKey is the inverse of {@link metaNamespaceKey}. */
export function splitMetaNamespaceKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** An index function returns the index values under which an object is found. */
export type IndexFunc<T> = (obj: T) => string[];

/** The namespace index every informer has, as client-go's `cache.NamespaceIndex`. */
export const namespaceIndex = 'namespace';

/**
 * Indexer is the informer's thread-safe store in client-go terms: objects by key plus secondary indexes.
 * Objects handed out are the cached instances: callers must copy (structuredClone) before changing them.
 */
export class Indexer<T extends KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  private readonly indexFuncs = new Map<string, IndexFunc<T>>();

  constructor(indexers: Record<string, IndexFunc<T>> = {}) {
    this.indexFuncs.set(namespaceIndex, (o) => [o.metadata?.namespace ?? '']);
    for (const [name, fn] of Object.entries(indexers)) this.indexFuncs.set(name, fn);
    for (const name of this.indexFuncs.keys()) this.indices.set(name, new Map());
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  /** getByName finds an object by namespace and name. */
  getByName(namespace: string, name: string): T | undefined {
    return this.items.get(namespace ? `${namespace}/${name}` : name);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  listKeys(): string[] {
    return [...this.items.keys()];
  }

  /** byIndex returns the objects whose index function yields `value`. */
  byIndex(indexName: string, value: string): T[] {
    const index = this.indices.get(indexName);
    if (!index) throw new Error(`index ${indexName} does not exist`);
    const out: T[] = [];
    for (const key of index.get(value) ?? []) {
      const obj = this.items.get(key);
      if (obj) out.push(obj);
    }
    return out;
  }

  /** listNamespace returns the objects of one namespace ('' = all). */
  listNamespace(namespace: string): T[] {
    return namespace ? this.byIndex(namespaceIndex, namespace) : this.list();
  }

  /** set stores the object under its key and returns the previous one. */
  set(obj: T): T | undefined {
    const key = metaNamespaceKey(obj);
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    this.index(key, obj);
    return old;
  }

  /** delete removes the object with the given key and returns it. */
  delete(key: string): T | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unindex(key, old);
    this.items.delete(key);
    return old;
  }

  get size(): number {
    return this.items.size;
  }

  private index(key: string, obj: T): void {
    for (const [name, fn] of this.indexFuncs) {
      const index = this.indices.get(name) as Map<string, Set<string>>;
      for (const v of fn(obj)) {
        let set = index.get(v);
        if (!set) index.set(v, (set = new Set()));
        set.add(key);
      }
    }
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of this.indexFuncs) {
      const index = this.indices.get(name) as Map<string, Set<string>>;
      for (const v of fn(obj)) {
        const set = index.get(v);
        set?.delete(key);
        if (set && set.size === 0) index.delete(v);
      }
    }
  }
}
