/**
 * RegistryInformer keeps an in-process copy of one resource, fed by the Registry's list and watch
 * (the apiserver's own watch cache), as upstream's authorizers and admission plugins use shared
 * informers over the loopback client. It relists after a watch error, with a capped backoff.
 */
import type { Logger } from '@nanokube/component-base';
import type { KubeObject, Registry, RequestContext, ResourceDefinition } from '../registry/types.js';

/** The user the apiserver's own reads run as. */
export const loopbackUser = { name: 'system:apiserver', groups: ['system:masters', 'system:authenticated'] };

/** systemContext is a RequestContext for the apiserver's own calls into the registry. */
export function systemContext(namespace = ''): RequestContext {
  return { namespace, user: loopbackUser, dryRun: false, now: new Date() };
}

/** findDefinition returns the served definition of group/resource; throws when it is not served. */
export function findDefinition(registry: Registry, group: string, resource: string): ResourceDefinition {
  const def = registry.resources.find((d) => d.group === group && d.resource === resource);
  if (!def) throw new Error(`resource ${resource}.${group} is not served`);
  return def;
}

function keyOf(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}

/** RegistryInformer caches one resource's objects; start it once, read it any time. */
export class RegistryInformer<T = KubeObject> {
  private readonly items = new Map<string, KubeObject>();
  private synced = false;
  private readonly waiters: (() => void)[] = [];
  private readonly listeners: ((obj: T) => void)[] = [];

  constructor(
    private readonly registry: Registry,
    readonly def: ResourceDefinition,
    private readonly log: Logger,
  ) {}

  /** hasSynced reports whether the first list has been loaded. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** waitForSync resolves true once synced, false after timeoutMs. */
  async waitForSync(timeoutMs: number): Promise<boolean> {
    if (this.synced) return true;
    return new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      t.unref?.();
      this.waiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  /** onChange registers a handler called after every add, update or delete (with the new or last state). */
  onChange(fn: (obj: T) => void): void {
    this.listeners.push(fn);
  }

  get(namespace: string, name: string): T | undefined {
    return this.items.get(`${namespace}/${name}`) as T | undefined;
  }

  /** list returns every cached object, or those of one namespace. */
  list(namespace?: string): T[] {
    const out: T[] = [];
    for (const [k, v] of this.items) if (namespace === undefined || k.startsWith(`${namespace}/`)) out.push(v as T);
    return out;
  }

  /** run lists and watches until signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      try {
        const rv = await this.relist();
        failures = 0;
        await this.watchFrom(rv, signal);
      } catch (err) {
        if (signal.aborted) return;
        failures++;
        if (failures > 1) this.log.warn({ err, resource: this.def.resource }, 'Could not watch resource, retrying');
        await sleep(Math.min(100 * 2 ** failures, 5000), signal);
      }
    }
  }

  private async relist(): Promise<string> {
    const res = await this.registry.list(systemContext(), this.def, {});
    const fresh = new Map(res.items.map((o) => [keyOf(o), o] as const));
    const changed: KubeObject[] = [];
    for (const [k, v] of this.items) if (!fresh.has(k)) changed.push(v);
    this.items.clear();
    for (const [k, v] of fresh) this.items.set(k, v);
    changed.push(...res.items);
    if (!this.synced) {
      this.synced = true;
      for (const w of this.waiters.splice(0)) w();
    }
    for (const o of changed) this.notify(o);
    return res.resourceVersion;
  }

  private async watchFrom(rv: string, signal: AbortSignal): Promise<void> {
    const inner = new AbortController();
    const stop = (): void => inner.abort();
    signal.addEventListener('abort', stop, { once: true });
    try {
      const events = this.registry.watch(systemContext(), this.def, { resourceVersion: rv, allowWatchBookmarks: true }, inner.signal);
      for await (const ev of events) {
        if (ev.type === 'ERROR') throw new Error(`watch error: ${JSON.stringify(ev.object)}`);
        if (ev.type === 'BOOKMARK') continue;
        if (ev.type === 'DELETED') this.items.delete(keyOf(ev.object));
        else this.items.set(keyOf(ev.object), ev.object);
        this.notify(ev.object);
      }
    } finally {
      signal.removeEventListener('abort', stop);
      inner.abort();
    }
  }

  private notify(obj: KubeObject): void {
    for (const fn of this.listeners) {
      try {
        fn(obj as T);
      } catch (err) {
        this.log.error({ err, resource: this.def.resource }, 'Informer handler failed');
      }
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    t.unref?.();
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}
