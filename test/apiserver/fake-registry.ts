/**
 * An in-memory Registry fake for HTTP-layer tests, plus a few hand-written ResourceDefinitions (pods,
 * deployments, namespaces, a table-less cluster resource). Semantics are deliberately simple: merge
 * patches only, equality label selectors, metadata.name field selectors.
 */
import { EventEmitter } from 'node:events';
import { newAlreadyExists, newNotFound, newResourceExpired, StatusError, newStatus } from '@nanokube/api';
import type {
  DeleteOptions,
  KubeObject,
  ListOptions,
  ListResult,
  PatchType,
  Registry,
  RequestContext,
  ResourceDefinition,
  ResourceStrategy,
  WatchEvent,
  WatchOptions,
  WriteOptions,
  WriteResult,
} from '../../packages/apiserver/src/registry/types.js';

const noopStrategy: ResourceStrategy = {
  prepareForCreate: () => undefined,
  applyDefaults: () => undefined,
  validate: () => [],
  prepareForUpdate: () => undefined,
  validateUpdate: () => [],
};

function age(obj: KubeObject, now: Date): string {
  const t = obj.metadata.creationTimestamp ? Date.parse(obj.metadata.creationTimestamp) : now.getTime();
  return `${Math.max(0, Math.floor((now.getTime() - t) / 1000))}s`;
}

export const podsDef: ResourceDefinition = {
  group: '',
  versions: ['v1'],
  resource: 'pods',
  singular: 'pod',
  kind: 'Pod',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  strategy: noopStrategy,
  statusStrategy: { prepareForUpdate: () => undefined, validateUpdate: () => [] },
  table: {
    columns: [
      { name: 'Name', type: 'string', format: 'name', description: 'name', priority: 0 },
      { name: 'Ready', type: 'string', description: 'ready', priority: 0 },
      { name: 'Status', type: 'string', description: 'status', priority: 0 },
      { name: 'Restarts', type: 'string', description: 'restarts', priority: 0 },
      { name: 'Age', type: 'string', description: 'age', priority: 0 },
      { name: 'IP', type: 'string', description: 'ip', priority: 1 },
      { name: 'Node', type: 'string', description: 'node', priority: 1 },
    ],
    row: (obj, now) => {
      const spec = (obj['spec'] ?? {}) as { containers?: unknown[]; nodeName?: string };
      const status = (obj['status'] ?? {}) as { phase?: string; podIP?: string };
      const n = spec.containers?.length ?? 0;
      return [obj.metadata.name, `0/${n}`, status.phase ?? 'Pending', '0', age(obj, now), status.podIP ?? '<none>', spec.nodeName ?? '<none>'];
    },
  },
  extraSubresources: [
    { name: 'binding', kind: { group: '', version: 'v1', kind: 'Binding' }, verbs: ['create'] },
    { name: 'eviction', kind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] },
    { name: 'log', verbs: ['get'] },
    { name: 'exec', kind: { group: '', version: 'v1', kind: 'PodExecOptions' }, verbs: ['create', 'get'] },
  ],
};

export const deploymentsDef: ResourceDefinition = {
  group: 'apps',
  versions: ['v1'],
  resource: 'deployments',
  singular: 'deployment',
  kind: 'Deployment',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  strategy: noopStrategy,
  statusStrategy: { prepareForUpdate: () => undefined, validateUpdate: () => [] },
  scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', selector: () => 'app=x' },
  table: {
    columns: [
      { name: 'Name', type: 'string', description: 'name', priority: 0 },
      { name: 'Ready', type: 'string', description: 'ready', priority: 0 },
      { name: 'Age', type: 'string', description: 'age', priority: 0 },
      { name: 'Images', type: 'string', description: 'images', priority: 1 },
    ],
    row: (obj, now) => {
      const spec = (obj['spec'] ?? {}) as { replicas?: number; template?: { spec?: { containers?: { image?: string }[] } } };
      const images = (spec.template?.spec?.containers ?? []).map((c) => c.image ?? '').join(',');
      return [obj.metadata.name, `0/${spec.replicas ?? 1}`, age(obj, now), images];
    },
  },
};

export const namespacesDef: ResourceDefinition = {
  group: '',
  versions: ['v1'],
  resource: 'namespaces',
  singular: 'namespace',
  kind: 'Namespace',
  namespaced: false,
  shortNames: ['ns'],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  strategy: noopStrategy,
  statusStrategy: { prepareForUpdate: () => undefined, validateUpdate: () => [] },
  table: {
    columns: [
      { name: 'Name', type: 'string', format: 'name', description: 'name', priority: 0 },
      { name: 'Status', type: 'string', description: 'status', priority: 0 },
      { name: 'Age', type: 'string', description: 'age', priority: 0 },
    ],
    row: (obj, now) => [obj.metadata.name, ((obj['status'] ?? {}) as { phase?: string }).phase ?? 'Active', age(obj, now)],
  },
};

/** A cluster-scoped resource without a table converter (exercises the default table). */
export const widgetsDef = {
  group: 'example.nanokube.io',
  versions: ['v1'],
  resource: 'widgets',
  singular: 'widget',
  kind: 'Widget',
  namespaced: false,
  verbs: ['create', 'get', 'list', 'watch'],
  strategy: noopStrategy,
} as unknown as ResourceDefinition;

export const testResources: ResourceDefinition[] = [podsDef, namespacesDef, deploymentsDef, widgetsDef];

function key(def: ResourceDefinition, ns: string, name: string): string {
  return `${def.group}/${def.resource}/${ns}/${name}`;
}

function matchesLabels(obj: KubeObject, selector: string | undefined): boolean {
  if (!selector) return true;
  const labels = obj.metadata.labels ?? {};
  return selector.split(',').every((req) => {
    const [k, v] = req.split('=');
    return k !== undefined && labels[k] === v;
  });
}

function matchesFields(obj: KubeObject, selector: string | undefined): boolean {
  if (!selector) return true;
  return selector.split(',').every((req) => {
    const [k, v] = req.split('=');
    if (k === 'metadata.name') return obj.metadata.name === v;
    if (k === 'metadata.namespace') return obj.metadata.namespace === v;
    return true;
  });
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** FakeRegistry keeps objects in a Map and fans events out through an EventEmitter. */
export class FakeRegistry implements Registry {
  readonly objects = new Map<string, KubeObject>();
  readonly events = new EventEmitter();
  rv = 100;
  /** Watches from a resourceVersion below this answer 410 Expired. */
  compactedRevision = 0;
  isReady = true;
  /** Every call, for assertions: [method, resource, extra]. */
  readonly calls: [string, string, unknown][] = [];

  constructor(readonly resources: readonly ResourceDefinition[] = testResources) {
    this.events.setMaxListeners(1000);
  }

  ready(): boolean {
    return this.isReady;
  }

  private commit(def: ResourceDefinition, type: WatchEvent['type'], obj: KubeObject): KubeObject {
    const stored = Object.freeze({ ...obj, metadata: Object.freeze({ ...obj.metadata, resourceVersion: String(++this.rv) }) }) as KubeObject;
    const k = key(def, obj.metadata.namespace ?? '', obj.metadata.name ?? '');
    if (type === 'DELETED') this.objects.delete(k);
    else this.objects.set(k, stored);
    this.events.emit(`${def.group}/${def.resource}`, { type, object: stored });
    return stored;
  }

  async get(ctx: RequestContext, def: ResourceDefinition, name: string): Promise<KubeObject> {
    this.calls.push(['get', def.resource, name]);
    const obj = this.objects.get(key(def, ctx.namespace, name));
    if (!obj) throw newNotFound({ group: def.group, resource: def.resource }, name);
    return obj;
  }

  async list(ctx: RequestContext, def: ResourceDefinition, opts: ListOptions): Promise<ListResult> {
    this.calls.push(['list', def.resource, opts]);
    const prefix = `${def.group}/${def.resource}/`;
    const items = [...this.objects.entries()]
      .filter(([k, o]) => k.startsWith(prefix) && (ctx.namespace === '' || o.metadata.namespace === ctx.namespace))
      .map(([, o]) => o)
      .filter((o) => matchesLabels(o, opts.labelSelector) && matchesFields(o, opts.fieldSelector));
    return { items, resourceVersion: String(this.rv) };
  }

  async create(ctx: RequestContext, def: ResourceDefinition, obj: KubeObject, opts: WriteOptions): Promise<WriteResult> {
    this.calls.push(['create', def.resource, { obj, opts }]);
    const name = obj.metadata.name ?? `${obj.metadata.generateName ?? 'x-'}abcde`;
    const ns = def.namespaced ? ctx.namespace : '';
    if (this.objects.has(key(def, ns, name))) throw newAlreadyExists({ group: def.group, resource: def.resource }, name);
    const meta = { ...obj.metadata, name, ...(def.namespaced ? { namespace: ns } : {}), uid: `uid-${name}`, creationTimestamp: ctx.now.toISOString().replace(/\.\d+Z$/, 'Z') };
    const full = { ...obj, metadata: meta };
    if (opts.dryRun) return { object: full, created: true, warnings: [] };
    return { object: this.commit(def, 'ADDED', full), created: true, warnings: [] };
  }

  async update(ctx: RequestContext, def: ResourceDefinition, name: string, obj: KubeObject, opts: WriteOptions & { subresource?: string }): Promise<WriteResult> {
    this.calls.push(['update', def.resource, { name, obj, opts }]);
    const old = await this.get(ctx, def, name);
    if (opts.subresource === 'scale') {
      const replicas = (obj['spec'] as { replicas?: number } | undefined)?.replicas;
      const next = { ...old, spec: { ...(old['spec'] as object), replicas } };
      return { object: this.scaleOf(this.commit(def, 'MODIFIED', next)), created: false, warnings: [] };
    }
    const next = { ...obj, metadata: { ...old.metadata, ...obj.metadata } };
    return { object: this.commit(def, 'MODIFIED', next), created: false, warnings: ['fake update warning'] };
  }

  async patch(ctx: RequestContext, def: ResourceDefinition, name: string, type: PatchType, patch: unknown, opts: WriteOptions & { subresource?: string }): Promise<WriteResult> {
    this.calls.push(['patch', def.resource, { name, type, patch, opts }]);
    if (type === 'apply' && !this.objects.has(key(def, ctx.namespace, name))) {
      return this.create(ctx, def, patch as KubeObject, opts);
    }
    const old = await this.get(ctx, def, name);
    if (opts.subresource === 'scale') {
      const replicas = (patch as { spec?: { replicas?: number } }).spec?.replicas;
      const next = { ...old, spec: { ...(old['spec'] as object), replicas } };
      return { object: this.scaleOf(this.commit(def, 'MODIFIED', next)), created: false, warnings: [] };
    }
    if (type === 'json') return { object: old, created: false, warnings: [] };
    const next = mergePatch(old, patch) as KubeObject;
    return { object: this.commit(def, 'MODIFIED', next), created: false, warnings: [] };
  }

  async delete(ctx: RequestContext, def: ResourceDefinition, name: string, opts: DeleteOptions): Promise<{ object: KubeObject; deleted: boolean }> {
    this.calls.push(['delete', def.resource, { name, opts }]);
    const old = await this.get(ctx, def, name);
    if (opts.gracePeriodSeconds !== undefined && opts.gracePeriodSeconds > 0) {
      const marked = this.commit(def, 'MODIFIED', { ...old, metadata: { ...old.metadata, deletionTimestamp: ctx.now.toISOString() } });
      return { object: marked, deleted: false };
    }
    return { object: this.commit(def, 'DELETED', old), deleted: true };
  }

  async deleteCollection(ctx: RequestContext, def: ResourceDefinition, list: ListOptions, opts: DeleteOptions): Promise<ListResult> {
    const all = await this.list(ctx, def, list);
    for (const o of all.items) await this.delete({ ...ctx, namespace: o.metadata.namespace ?? '' }, def, o.metadata.name ?? '', opts);
    return all;
  }

  async *watch(ctx: RequestContext, def: ResourceDefinition, opts: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent> {
    this.calls.push(['watch', def.resource, opts]);
    const from = opts.resourceVersion ? Number(opts.resourceVersion) : 0;
    if (from !== 0 && from < this.compactedRevision) throw newResourceExpired(`too old resource version: ${from} (${this.compactedRevision})`);
    const queue: WatchEvent[] = [];
    let wake: (() => void) | undefined;
    const onEvent = (ev: WatchEvent): void => {
      queue.push(ev);
      wake?.();
    };
    const channel = `${def.group}/${def.resource}`;
    this.events.on(channel, onEvent);
    const onAbort = (): void => wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      if (from === 0) {
        for (const o of (await this.list(ctx, def, opts)).items) yield { type: 'ADDED', object: o };
      }
      while (!signal.aborted) {
        const ev = queue.shift();
        if (!ev) {
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
          continue;
        }
        const o = ev.object;
        if (ctx.namespace && o.metadata.namespace !== ctx.namespace) continue;
        if (!matchesLabels(o, opts.labelSelector) || !matchesFields(o, opts.fieldSelector)) continue;
        if (Number(o.metadata.resourceVersion) <= from) continue;
        if (o.metadata.name === 'explode') throw new StatusError(newStatus('InternalError', 'boom'));
        yield ev;
      }
    } finally {
      this.events.off(channel, onEvent);
      signal.removeEventListener('abort', onAbort);
    }
  }

  private scaleOf(obj: KubeObject): KubeObject {
    const spec = (obj['spec'] ?? {}) as { replicas?: number };
    return {
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace, uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion },
      spec: { replicas: spec.replicas },
      status: { replicas: 0, selector: 'app=x' },
    };
  }

  async getSubresource(ctx: RequestContext, def: ResourceDefinition, name: string, subresource: string): Promise<KubeObject> {
    const obj = await this.get(ctx, def, name);
    return subresource === 'scale' ? this.scaleOf(obj) : obj;
  }

  async createSubresource(
    ctx: RequestContext,
    def: ResourceDefinition,
    name: string,
    subresource: string,
    body: KubeObject,
    opts: WriteOptions,
  ): Promise<{ object: KubeObject; code: number }> {
    this.calls.push(['createSubresource', `${def.resource}/${subresource}`, { name, body, opts }]);
    await this.get(ctx, def, name);
    return { object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } as unknown as KubeObject, code: 201 };
  }
}
