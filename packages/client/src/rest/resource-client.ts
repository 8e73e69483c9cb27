import { StatusError, type Status } from '@nanokube/api';
import type { RestClient } from './rest-client.js';
import {
  patchContentTypes,
  type DeleteOptions,
  type GroupVersionResource,
  type KubeObject,
  type ListOptions,
  type ObjectList,
  type PatchType,
  type WatchEvent,
  type WriteOptions,
} from './types.js';
import { decodeJsonLines } from './watch-decoder.js';

/** resourcePath builds `/api/v1/namespaces/ns/pods/name/status` style paths. */
export function resourcePath(gvr: GroupVersionResource, namespace?: string, name?: string, subresource?: string): string {
  const base = gvr.group ? `/apis/${gvr.group}/${gvr.version}` : `/api/${gvr.version}`;
  const ns = gvr.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  let p = `${base}${ns}/${gvr.resource}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (subresource !== undefined) p += `/${subresource}`;
  return p;
}

function writeQuery(opts?: WriteOptions): Record<string, string | undefined> {
  return {
    fieldManager: opts?.fieldManager,
    dryRun: opts?.dryRun ? 'All' : undefined,
    force: opts?.force === undefined ? undefined : String(opts.force),
  };
}

/**
 * ResourceClient is the typed client of one resource, optionally bound to a namespace (`''` = all
 * namespaces for list and watch). It mirrors client-go's typed clients: get, list, create, update,
 * updateStatus, patch, delete, watch.
 */
export class ResourceClient<T extends KubeObject> {
  constructor(
    private readonly rest: RestClient,
    readonly gvr: GroupVersionResource,
    readonly namespace = '',
  ) {}

  /** inNamespace returns the same client bound to another namespace. */
  inNamespace(namespace: string): ResourceClient<T> {
    return new ResourceClient<T>(this.rest, this.gvr, namespace);
  }

  get(name: string, opts: { signal?: AbortSignal } = {}): Promise<T> {
    return this.rest.request<T>({ method: 'GET', path: this.path(name), ...(opts.signal ? { signal: opts.signal } : {}) });
  }

  list(opts: ListOptions = {}): Promise<ObjectList<T>> {
    return this.rest.request<ObjectList<T>>({ method: 'GET', path: this.path(), query: { ...opts } });
  }

  create(obj: T, opts?: WriteOptions): Promise<T> {
    return this.rest.request<T>({ method: 'POST', path: this.path(), body: this.withTypeMeta(obj), query: writeQuery(opts) });
  }

  update(obj: T, opts?: WriteOptions): Promise<T> {
    return this.rest.request<T>({ method: 'PUT', path: this.path(this.nameOf(obj)), body: this.withTypeMeta(obj), query: writeQuery(opts) });
  }

  updateStatus(obj: T, opts?: WriteOptions): Promise<T> {
    return this.rest.request<T>({
      method: 'PUT',
      path: this.path(this.nameOf(obj), 'status'),
      body: this.withTypeMeta(obj),
      query: writeQuery(opts),
    });
  }

  patch(name: string, type: PatchType, patch: unknown, opts?: WriteOptions & { subresource?: string }): Promise<T> {
    return this.rest.request<T>({
      method: 'PATCH',
      path: this.path(name, opts?.subresource),
      body: patch,
      contentType: patchContentTypes[type],
      query: writeQuery(opts),
    });
  }

  /** delete returns the object (when still present, e.g. graceful deletion) or the success Status. */
  delete(name: string, opts: DeleteOptions = {}): Promise<T | Status> {
    return this.rest.request<T | Status>({ method: 'DELETE', path: this.path(name), body: opts });
  }

  /** createSubresource POSTs to a subresource such as `binding` or `eviction`. */
  createSubresource<R = unknown>(name: string, subresource: string, body: unknown, opts?: WriteOptions): Promise<R> {
    return this.rest.request<R>({ method: 'POST', path: this.path(name, subresource), body, query: writeQuery(opts) });
  }

  /**
   * watch streams events until the server ends the stream or `signal` aborts. An ERROR event's object is a
   * Status: it is thrown as a StatusError (410 Expired means "re-list", see isResourceExpired).
   */
  async *watch(opts: ListOptions, signal?: AbortSignal): AsyncGenerator<WatchEvent<T>> {
    const res = await this.rest.stream({
      method: 'GET',
      path: this.path(),
      query: { ...opts, watch: 'true' },
      ...(signal ? { signal } : {}),
    });
    try {
      for await (const ev of decodeJsonLines<WatchEvent<T>>(res.body)) {
        if (ev.type === 'ERROR') throw new StatusError(ev.object as unknown as Status);
        yield ev;
      }
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    } finally {
      res.body.destroy();
    }
  }

  private path(name?: string, subresource?: string): string {
    return resourcePath(this.gvr, this.namespace, name, subresource);
  }

  private nameOf(obj: T): string {
    const name = obj.metadata?.name;
    if (!name) throw new Error(`${this.gvr.resource}: object has no metadata.name`);
    return name;
  }

  private withTypeMeta(obj: T): T {
    const apiVersion = this.gvr.group ? `${this.gvr.group}/${this.gvr.version}` : this.gvr.version;
    return { apiVersion, kind: this.gvr.kind, ...obj };
  }
}
