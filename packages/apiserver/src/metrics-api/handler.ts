/**
 * The `metrics.k8s.io/v1beta1` API (NodeMetrics, PodMetrics) served in-process, in metrics-server's
 * shapes: `get` and `list` only, label selectors applied against the Nodes and Pods of the registry.
 */
import type { FastifyReply } from 'fastify';
import { newMethodNotSupported, newNotFound } from '@nanokube/api';
import type { KubeObject, Registry, RequestContext, ResourceDefinition } from '../registry/types.js';
import { negotiateResourceOutput } from '../server/negotiation.js';
import type { RequestInfo } from '../server/request-info.js';
import { sendJson } from '../server/resource-handler.js';
import type { MetricsStore, NodeMetricsPoint, PodMetricsPoint, Usage } from './store.js';

export const metricsGroup = 'metrics.k8s.io';
export const metricsVersion = 'v1beta1';
const apiVersion = `${metricsGroup}/${metricsVersion}`;

const unsupported = {
  prepareForCreate: () => undefined,
  applyDefaults: () => undefined,
  validate: () => [],
  prepareForUpdate: () => undefined,
  validateUpdate: () => [],
};
const noTable = { columns: [], row: () => [] };

/** metricsDefinitions describe the two resources for discovery only (they are never stored). */
export const metricsDefinitions: readonly ResourceDefinition[] = [
  { group: metricsGroup, versions: [metricsVersion], resource: 'nodes', singular: '', kind: 'NodeMetrics', namespaced: false, verbs: ['get', 'list'], strategy: unsupported, table: noTable, virtual: true },
  { group: metricsGroup, versions: [metricsVersion], resource: 'pods', singular: '', kind: 'PodMetrics', namespaced: true, verbs: ['get', 'list'], strategy: unsupported, table: noTable, virtual: true },
];

/** formatCpu renders nanocores as metrics-server does (`250m`, or `1234567n` when not whole millicores). */
export function formatCpu(nanoCores: number): string {
  const n = Math.max(0, Math.round(nanoCores));
  if (n === 0) return '0';
  return n % 1_000_000 === 0 ? `${n / 1_000_000}m` : `${n}n`;
}

/** formatMemory renders bytes in BinarySI (`64Mi`, `4100Ki`, `123`). */
export function formatMemory(bytes: number): string {
  let n = Math.max(0, Math.round(bytes));
  if (n === 0) return '0';
  const suffixes = ['', 'Ki', 'Mi', 'Gi', 'Ti'];
  let i = 0;
  while (i < suffixes.length - 1 && n % 1024 === 0) {
    n /= 1024;
    i++;
  }
  return `${n}${suffixes[i] ?? ''}`;
}

function usage(u: Usage): { cpu: string; memory: string } {
  return { cpu: formatCpu(u.cpuNanoCores), memory: formatMemory(u.memoryBytes) };
}

function window(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}

function iso(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function nodeObject(p: NodeMetricsPoint): MetricsObject {
  return {
    kind: 'NodeMetrics',
    apiVersion,
    metadata: { name: p.name, creationTimestamp: iso(Date.now()), ...(Object.keys(p.labels).length ? { labels: p.labels } : {}) },
    timestamp: iso(p.timestamp),
    window: window(p.windowMs),
    usage: usage(p.usage),
  };
}

function podObject(p: PodMetricsPoint, labels: Record<string, string> | undefined): MetricsObject {
  return {
    kind: 'PodMetrics',
    apiVersion,
    metadata: { name: p.name, namespace: p.namespace, creationTimestamp: iso(Date.now()), ...(labels && Object.keys(labels).length ? { labels } : {}) },
    timestamp: iso(p.timestamp),
    window: window(p.windowMs),
    containers: p.containers.map((c) => ({ name: c.name, usage: usage(c.usage) })),
  };
}

function list(kind: string, items: unknown[]): Record<string, unknown> {
  return { kind, apiVersion, metadata: {}, items };
}

type MetricsObject = Record<string, unknown> & { metadata: Record<string, unknown>; window: string };

/** The columns metrics-server prints (`kubectl get nodes.metrics.k8s.io`). */
const tableColumns = [
  { name: 'Name', type: 'string', format: 'name', description: 'Name of the resource', priority: 0 },
  { name: 'CPU', type: 'string', format: '', description: 'CPU usage', priority: 0 },
  { name: 'Memory', type: 'string', format: '', description: 'Memory usage', priority: 0 },
  { name: 'Window', type: 'string', format: '', description: 'Interval of resource usage measurement', priority: 0 },
];

function usageOf(o: MetricsObject): { cpu: string; memory: string } {
  if (o['usage']) return o['usage'] as { cpu: string; memory: string };
  // A pod's row sums its containers, as metrics-server's table does.
  const containers = (o['containers'] ?? []) as { usage: { cpu: string; memory: string } }[];
  let cpu = 0;
  let mem = 0;
  for (const c of containers) {
    cpu += parseCpu(c.usage.cpu);
    mem += parseMemory(c.usage.memory);
  }
  return { cpu: formatCpu(cpu), memory: formatMemory(mem) };
}

function parseCpu(s: string): number {
  if (s.endsWith('n')) return Number(s.slice(0, -1));
  if (s.endsWith('m')) return Number(s.slice(0, -1)) * 1e6;
  return Number(s) * 1e9;
}

function parseMemory(s: string): number {
  const m = /^(\d+)(Ki|Mi|Gi|Ti)?$/.exec(s);
  const pow = { Ki: 1, Mi: 2, Gi: 3, Ti: 4 }[m?.[2] ?? ''] ?? 0;
  return Number(m?.[1] ?? 0) * 1024 ** pow;
}

function table(version: string, objects: MetricsObject[]): Record<string, unknown> {
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${version}`,
    metadata: {},
    columnDefinitions: tableColumns,
    rows: objects.map((o) => {
      const u = usageOf(o);
      return {
        cells: [o.metadata['name'], u.cpu, u.memory, o.window],
        object: { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: o.metadata },
      };
    }),
  };
}

/** MetricsApiHandler answers requests under `/apis/metrics.k8s.io/v1beta1`. */
export class MetricsApiHandler {
  private readonly nodeDef: ResourceDefinition | undefined;
  private readonly podDef: ResourceDefinition | undefined;

  constructor(
    private readonly store: MetricsStore,
    private readonly registry: Registry,
  ) {
    this.nodeDef = registry.resources.find((d) => d.group === '' && d.resource === 'nodes');
    this.podDef = registry.resources.find((d) => d.group === '' && d.resource === 'pods');
  }

  async handle(reply: FastifyReply, info: RequestInfo, query: Record<string, unknown>, ctx: RequestContext, accept?: string): Promise<void> {
    const output = negotiateResourceOutput(accept);
    const send = (kind: string, objects: MetricsObject[], single: boolean): void => {
      if (output.as === 'Table') return sendJson(reply, 200, JSON.stringify(table(output.version, objects)), `application/json;as=Table;v=${output.version};g=meta.k8s.io`);
      sendJson(reply, 200, JSON.stringify(single ? objects[0] : list(kind, objects)));
    };
    const resource = info.resource;
    if ((resource !== 'nodes' && resource !== 'pods') || info.subresource) throw newNotFound({ group: metricsGroup, resource }, info.name);
    if (info.verb !== 'get' && info.verb !== 'list') throw newMethodNotSupported({ group: metricsGroup, resource }, info.verb);
    await this.store.ensureFresh();
    const labelSelector = typeof query['labelSelector'] === 'string' ? query['labelSelector'] : undefined;
    const fieldSelector = typeof query['fieldSelector'] === 'string' ? query['fieldSelector'] : undefined;
    if (resource === 'nodes') {
      const points = this.store.nodeMetrics();
      if (info.verb === 'get') {
        const p = points.find((x) => x.name === info.name);
        if (!p) throw newNotFound({ group: metricsGroup, resource: 'nodes' }, info.name);
        return send('NodeMetrics', [nodeObject(p)], true);
      }
      const wanted = labelSelector || fieldSelector ? await this.names(this.nodeDef, { ...ctx, namespace: '' }, labelSelector, fieldSelector) : undefined;
      return send('NodeMetricsList', points.filter((p) => !wanted || wanted.has(`/${p.name}`)).map(nodeObject), false);
    }
    const ns = info.namespace;
    const pods = this.store.podMetrics().filter((p) => !ns || p.namespace === ns);
    if (info.verb === 'get') {
      const p = pods.find((x) => x.name === info.name);
      if (!p) throw newNotFound({ group: metricsGroup, resource: 'pods' }, info.name);
      return send('PodMetrics', [podObject(p, undefined)], true);
    }
    // The pods of the registry decide membership (selectors) and supply labels.
    const live = await this.objects(this.podDef, { ...ctx, namespace: ns }, labelSelector, fieldSelector);
    const items = pods.filter((p) => live.has(`${p.namespace}/${p.name}`)).map((p) => podObject(p, live.get(`${p.namespace}/${p.name}`)?.metadata.labels));
    send('PodMetricsList', items, false);
  }

  private async names(def: ResourceDefinition | undefined, ctx: RequestContext, labelSelector?: string, fieldSelector?: string): Promise<Set<string>> {
    return new Set((await this.objects(def, ctx, labelSelector, fieldSelector)).keys());
  }

  private async objects(def: ResourceDefinition | undefined, ctx: RequestContext, labelSelector?: string, fieldSelector?: string): Promise<Map<string, KubeObject>> {
    if (!def) return new Map();
    const res = await this.registry.list(ctx, def, { ...(labelSelector ? { labelSelector } : {}), ...(fieldSelector ? { fieldSelector } : {}) });
    return new Map(res.items.map((o) => [`${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`, o]));
  }
}
