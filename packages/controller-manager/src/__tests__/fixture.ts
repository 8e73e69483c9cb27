/**
 * Test fixture for controller unit tests (not exported from the package): a fake RestClient that keeps
 * objects in memory and records every request, and a ControllerContext built on it whose informers are
 * never started — tests seed their stores and call sync(key) directly.
 */
import { newAlreadyExists, newConflict, newNotFound, type Status } from '@nanokube/api';
import {
  EventRecorder,
  ResourceClient,
  SharedInformerFactory,
  resources,
  type Clock,
  type GroupVersionResource,
  type KubeObject,
  type RestClient,
  type RestRequest,
} from '@nanokube/client';
import { createLogger } from '@nanokube/component-base';
import type { ControllerContext, ControllerManagerOptions } from '../shared/index.js';
import { defaultOptions } from '../options.js';

/** One recorded API request. */
export interface Action {
  verb: 'get' | 'list' | 'create' | 'update' | 'patch' | 'delete';
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  body?: unknown;
}

interface ParsedPath {
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

function parsePath(path: string): ParsedPath {
  const parts = path.split('?')[0]!.split('/').filter(Boolean).map(decodeURIComponent);
  const rest = parts[0] === 'api' ? parts.slice(2) : parts.slice(3);
  let namespace: string | undefined;
  // `namespaces/x/status` and `namespaces/x/finalize` are subresources of a namespace, not a prefix.
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && ['status', 'finalize'].includes(rest[2]!))) {
    namespace = rest[1];
    rest.splice(0, 2);
  }
  const out: ParsedPath = { resource: rest[0] ?? '' };
  if (namespace !== undefined) out.namespace = namespace;
  if (rest[1] !== undefined) out.name = rest[1];
  if (rest[2] !== undefined) out.subresource = rest[2];
  return out;
}

const gr = (resource: string): { group: string; resource: string } => ({ group: '', resource });

function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** FakeRest is an in-memory apiserver good enough for controller tests. */
export class FakeRest {
  readonly actions: Action[] = [];
  readonly objects = new Map<string, KubeObject>();
  /** A reactor may throw or return a value to short-circuit a request. */
  reactors: ((a: Action) => unknown)[] = [];
  private rv = 100;
  private uid = 0;
  private rand = 0;

  private key(resource: string, namespace: string | undefined, name: string): string {
    return `${resource}/${namespace ?? ''}/${name}`;
  }

  /** seed stores an object as if it existed on the server (returns the stored copy). */
  seed<T extends KubeObject>(gvr: GroupVersionResource, obj: T): T {
    const o = structuredClone(obj) as T;
    o.metadata = { uid: `uid-${++this.uid}`, resourceVersion: String(++this.rv), ...o.metadata };
    this.objects.set(this.key(gvr.resource, gvr.namespaced ? o.metadata.namespace : undefined, o.metadata.name ?? ''), o);
    return o;
  }

  get<T extends KubeObject>(resource: string, namespace: string | undefined, name: string): T | undefined {
    return this.objects.get(this.key(resource, namespace, name)) as T | undefined;
  }

  /** writes returns the recorded mutating actions, events excluded. */
  writes(): Action[] {
    return this.actions.filter((a) => a.verb !== 'get' && a.verb !== 'list' && a.resource !== 'events');
  }

  async request<T>(req: RestRequest): Promise<T> {
    const p = parsePath(req.path);
    const verb = ({ GET: p.name ? 'get' : 'list', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as const)[req.method];
    const action: Action = { verb, resource: p.resource, body: req.body };
    if (p.namespace !== undefined) action.namespace = p.namespace;
    if (p.name !== undefined) action.name = p.name;
    if (p.subresource !== undefined) action.subresource = p.subresource;
    this.actions.push(action);
    for (const r of this.reactors) {
      const v = r(action);
      if (v !== undefined) return v as T;
    }
    return structuredClone(this.handle(action)) as T;
  }

  private handle(a: Action): unknown {
    const body = structuredClone(a.body) as KubeObject;
    switch (a.verb) {
      case 'get': {
        const o = this.objects.get(this.key(a.resource, a.namespace, a.name!));
        if (!o) throw newNotFound(gr(a.resource), a.name!);
        return o;
      }
      case 'list': {
        const prefix = `${a.resource}/${a.namespace ?? ''}`;
        const items = [...this.objects.entries()].filter(([k]) => (a.namespace ? k.startsWith(prefix + '/') : k.startsWith(`${a.resource}/`))).map(([, o]) => o);
        return { metadata: { resourceVersion: String(this.rv) }, items };
      }
      case 'create': {
        if (a.subresource) return body;
        const meta = (body.metadata ??= {});
        if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${(++this.rand).toString(36).padStart(5, 'x')}`;
        const k = this.key(a.resource, a.namespace, meta.name ?? '');
        if (this.objects.has(k)) throw newAlreadyExists(gr(a.resource), meta.name ?? '');
        meta.uid = `uid-${++this.uid}`;
        meta.resourceVersion = String(++this.rv);
        if (a.namespace) meta.namespace = a.namespace;
        this.objects.set(k, body);
        return body;
      }
      case 'update': {
        const k = this.key(a.resource, a.namespace, a.name!);
        const old = this.objects.get(k);
        if (!old) throw newNotFound(gr(a.resource), a.name!);
        if (body.metadata?.resourceVersion && body.metadata.resourceVersion !== old.metadata?.resourceVersion) {
          throw newConflict(gr(a.resource), a.name!, 'the object has been modified');
        }
        body.metadata = { ...body.metadata, resourceVersion: String(++this.rv) };
        this.objects.set(k, body);
        return body;
      }
      case 'patch': {
        const k = this.key(a.resource, a.namespace, a.name!);
        const old = this.objects.get(k);
        if (!old) throw newNotFound(gr(a.resource), a.name!);
        const patch = typeof a.body === 'string' ? JSON.parse(a.body) : a.body;
        const rv = (patch as KubeObject)?.metadata?.resourceVersion;
        if (rv && rv !== old.metadata?.resourceVersion) throw newConflict(gr(a.resource), a.name!, 'the object has been modified');
        const next = mergePatch(old, patch) as KubeObject;
        next.metadata = { ...next.metadata, resourceVersion: String(++this.rv) };
        this.objects.set(k, next);
        return next;
      }
      case 'delete': {
        const k = this.key(a.resource, a.namespace, a.name!);
        const old = this.objects.get(k);
        if (!old) throw newNotFound(gr(a.resource), a.name!);
        this.objects.delete(k);
        return { kind: 'Status', apiVersion: 'v1', status: 'Success', metadata: {} } satisfies Partial<Status>;
      }
    }
  }
}

/** FakeClock is a settable clock; timers never fire on their own. */
export class FakeClock implements Clock {
  constructor(public ms = Date.parse('2024-01-01T00:00:00Z')) {}
  now(): number {
    return this.ms;
  }
  setTimeout(): { cancel(): void } {
    return { cancel: () => undefined };
  }
}

/** newTestContext builds a ControllerContext over a FakeRest. */
export function newTestContext(overrides: Partial<ControllerManagerOptions> = {}): {
  ctx: ControllerContext;
  rest: FakeRest;
  clock: FakeClock;
} {
  const rest = new FakeRest();
  const clock = new FakeClock();
  const log = createLogger({ component: 'test', level: 'silent', pretty: false });
  const asRest = rest as unknown as RestClient;
  const ctx: ControllerContext = {
    rest: asRest,
    informers: new SharedInformerFactory(asRest, log),
    client: <T extends KubeObject>(gvr: GroupVersionResource) => new ResourceClient<T>(asRest, gvr),
    recorder: new EventRecorder({ events: new ResourceClient(asRest, resources.events), component: 'controller-manager', log, clock }),
    log,
    options: { ...defaultOptions(), ...overrides },
    clock,
  };
  return { ctx, rest, clock };
}

/** settle lets fire-and-forget promises (event recording) run. */
export function settle(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}

/** mirror makes an informer's cache equal to the fake server's objects of one resource (a caught-up watch). */
export function mirror<T extends KubeObject>(rest: FakeRest, store: { list(): T[]; set(o: T): unknown; delete(k: string): unknown; listKeys(): string[] }, resource: string): void {
  for (const k of store.listKeys()) store.delete(k);
  for (const [k, o] of rest.objects) if (k.startsWith(`${resource}/`)) store.set(structuredClone(o) as T);
}
