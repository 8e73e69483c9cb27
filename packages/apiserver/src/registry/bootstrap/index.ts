/**
 * Bootstrap: what kube-apiserver's bootstrap controllers ensure at start — the system namespaces
 * (default, kube-system, kube-public, kube-node-lease) and the `kubernetes` Service in `default`
 * (first address of the service range, port 443 `https` -> the secure port) with its Endpoints and
 * EndpointSlice pointing at the advertise address. Idempotent: existing objects are reconciled
 * only where they differ.
 */
import { isAlreadyExists, isNotFound } from '@nanokube/api';
import type { Logger } from '@nanokube/component-base';
import { deepEqual } from '../generic/objects.js';
import type { KubeObject, Registry, RequestContext, ResourceDefinition } from '../types.js';

/** The namespaces every cluster has. */
export const systemNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** Options of bootstrapCluster. */
export interface BootstrapOptions {
  /** The `kubernetes` Service's ClusterIP (first address of the service range, 10.96.0.1). */
  serviceIP: string;
  advertiseAddress?: string;
  securePort?: number;
  logger: Logger;
}

function systemContext(namespace: string): RequestContext {
  return { namespace, user: { name: 'system:apiserver', groups: ['system:masters'] }, dryRun: false, now: new Date() };
}

function findDef(registry: Registry, group: string, resource: string): ResourceDefinition | undefined {
  return registry.resources.find((d) => d.group === group && d.resource === resource);
}

/** ensureObject creates obj if absent, or replaces the fields in `compare` when they differ. */
async function ensureObject(registry: Registry, def: ResourceDefinition, obj: KubeObject, compare: string[]): Promise<void> {
  const ctx = systemContext(obj.metadata.namespace ?? '');
  const name = obj.metadata.name ?? '';
  let cur: KubeObject | undefined;
  try {
    cur = await registry.get(ctx, def, name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (!cur) {
    try {
      await registry.create(ctx, def, obj, { dryRun: false, fieldValidation: 'Ignore' });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    return;
  }
  const differs = compare.some((f) => !deepEqual(subset(cur[f], obj[f]), obj[f]));
  if (!differs) return;
  const next = structuredClone(cur) as KubeObject;
  for (const f of compare) next[f] = obj[f];
  next.metadata = { ...next.metadata, labels: { ...next.metadata.labels, ...obj.metadata.labels } };
  await registry.update(ctx, def, name, next, { dryRun: false, fieldValidation: 'Ignore' });
}

/** subset keeps the keys of `have` that `want` names, so that defaulted extra fields do not count. */
function subset(have: unknown, want: unknown): unknown {
  if (typeof have !== 'object' || have === null || Array.isArray(have) || typeof want !== 'object' || want === null || Array.isArray(want)) {
    return have;
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(want)) out[k] = subset((have as Record<string, unknown>)[k], (want as Record<string, unknown>)[k]);
  return out;
}

/** bootstrapCluster ensures the system namespaces and the `kubernetes` Service, Endpoints and EndpointSlice. */
export async function bootstrapCluster(registry: Registry, opts: BootstrapOptions): Promise<void> {
  const namespaces = findDef(registry, '', 'namespaces');
  if (namespaces) {
    for (const name of systemNamespaces) {
      await ensureObject(registry, namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, []);
    }
  }
  const services = findDef(registry, '', 'services');
  const port = opts.securePort ?? 6443;
  const labels = { component: 'apiserver', provider: 'kubernetes' };
  if (services) {
    await ensureObject(
      registry,
      services,
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'kubernetes', namespace: 'default', labels },
        spec: {
          type: 'ClusterIP',
          clusterIP: opts.serviceIP,
          ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }],
          sessionAffinity: 'None',
        },
      },
      [],
    );
  }
  if (!opts.advertiseAddress) return;
  const endpoints = findDef(registry, '', 'endpoints');
  if (endpoints) {
    await ensureObject(
      registry,
      endpoints,
      {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
        subsets: [{ addresses: [{ ip: opts.advertiseAddress }], ports: [{ name: 'https', port, protocol: 'TCP' }] }],
      },
      ['subsets'],
    );
  }
  const slices = findDef(registry, 'discovery.k8s.io', 'endpointslices');
  if (slices) {
    await ensureObject(
      registry,
      slices,
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: [opts.advertiseAddress], conditions: { ready: true } }],
        ports: [{ name: 'https', port, protocol: 'TCP' }],
      },
      ['endpoints', 'ports'],
    );
  }
  opts.logger.info({ advertiseAddress: opts.advertiseAddress, port }, 'Ensured the kubernetes Service and its endpoints');
}
