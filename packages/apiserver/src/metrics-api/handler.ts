/**
 * The `metrics.k8s.io/v1beta1` API (NodeMetrics, PodMetrics) served in-process, in metrics-server's
 * shapes: `get` and `list` only, label selectors applied against the Nodes and Pods of the registry.
 */
import type { FastifyReply } from 'fastify';
import { newMethodNotSupported, newNotFound } from '@nanokube/api';
import type { KubeObject, Registry, RequestContext, ResourceDefinition } from '../registry/types.js';
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

function nodeObject(p: NodeMetricsPoint): Record<string, unknown> {
  return {
    kind: 'NodeMetrics',
    apiVersion,
    metadata: { name: p.name, creationTimestamp: iso(Date.now()), ...(Object.keys(p.labels).length ? { labels: p.labels } : {}) },
    timestamp: iso(p.timestamp),
    window: window(p.windowMs),
    usage: usage(p.usage),
  };
}

function podObject(p: PodMetricsPoint, labels: Record<string, string> | undefined): Record<string, unknown> {
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

  async handle(reply: FastifyReply, info: RequestInfo, query: Record<string, unknown>, ctx: RequestContext): Promise<void> {
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
        return sendJson(reply, 200, JSON.stringify(nodeObject(p)));
      }
      const wanted = labelSelector || fieldSelector ? await this.names(this.nodeDef, { ...ctx, namespace: '' }, labelSelector, fieldSelector) : undefined;
      return sendJson(reply, 200, JSON.stringify(list('NodeMetricsList', points.filter((p) => !wanted || wanted.has(`/${p.name}`)).map(nodeObject))));
    }
    const ns = info.namespace;
    const pods = this.store.podMetrics().filter((p) => !ns || p.namespace === ns);
    if (info.verb === 'get') {
      const p = pods.find((x) => x.name === info.name);
      if (!p) throw newNotFound({ group: metricsGroup, resource: 'pods' }, info.name);
      return sendJson(reply, 200, JSON.stringify(podObject(p, undefined)));
    }
    // The pods of the registry decide membership (selectors) and supply labels.
    const live = await this.objects(this.podDef, { ...ctx, namespace: ns }, labelSelector, fieldSelector);
    const items = pods.filter((p) => live.has(`${p.namespace}/${p.name}`)).map((p) => podObject(p, live.get(`${p.namespace}/${p.name}`)?.metadata.labels));
    sendJson(reply, 200, JSON.stringify(list('PodMetricsList', items)));
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
