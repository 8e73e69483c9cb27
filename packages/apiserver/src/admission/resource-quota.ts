/**
 * The ResourceQuota admission plugin: a create that would take a namespace past a quota's `hard`
 * limit is refused with upstream's message (`exceeded quota: q, requested: pods=1, used: pods=2,
 * limited: pods=2`), pods must state the compute resources a quota limits, and every quota's
 * `status.used` is recomputed after each counted write (and by a periodic resync, which stands in
 * for the resource quota controller's replenishment). Creates are serialised per namespace so that
 * concurrent creates cannot both take the last unit.
 */
import { addQuantities, compareQuantities, formatQuantity, newForbidden, parseQuantity, quantityFromInt } from '@nanokube/api';
import type { Logger } from '@nanokube/component-base';
import type { Pod, ResourceQuota } from 'kubernetes-types/core/v1.js';
import type { KubeObject, ResourceDefinition } from '../registry/types.js';
import { countName, formatUsage, matchesScopes, missingComputeResources, sumUsage, usageOf, type Usage } from './quota-usage.js';
import type { AdmissionPlugin, AdmissionRequest } from './types.js';

/** What the plugin reads and writes (reads must be consistent, not cached). */
export interface QuotaDeps {
  listQuotas(namespace: string): Promise<ResourceQuota[]>;
  /** Whether a namespace has any quota (consistent, limit 1); creates elsewhere then skip the lock. */
  hasQuotas?(namespace: string): Promise<boolean>;
  /** Every quota in the cluster, for the resync. */
  listAllQuotas(): Promise<ResourceQuota[]>;
  listObjects(def: ResourceDefinition, namespace: string): Promise<KubeObject[]>;
  writeStatus(quota: ResourceQuota, status: { hard: Record<string, string>; used: Record<string, string> }): Promise<void>;
  resources: readonly ResourceDefinition[];
  log: Logger;
}

const legacyResource: Record<string, string> = {
  pods: 'pods',
  services: 'services',
  secrets: 'secrets',
  configmaps: 'configmaps',
  persistentvolumeclaims: 'persistentvolumeclaims',
  replicationcontrollers: 'replicationcontrollers',
  resourcequotas: 'resourcequotas',
  'services.nodeports': 'services',
  'services.loadbalancers': 'services',
  'requests.storage': 'persistentvolumeclaims',
};

/** The plugin plus its status maintenance. */
export interface ResourceQuotaPlugin extends AdmissionPlugin {
  /** recomputeNamespace rewrites status.used of every quota in a namespace. */
  recomputeNamespace(namespace: string): Promise<void>;
  /** resync recomputes every quota (run periodically). */
  resync(): Promise<void>;
}

/** resourceQuotaAdmission builds the plugin. */
export function resourceQuotaAdmission(deps: QuotaDeps): ResourceQuotaPlugin {
  const locks = new Map<string, Promise<void>>();
  const releases = new WeakMap<AdmissionRequest, () => void>();

  function defFor(name: string): ResourceDefinition | undefined {
    const legacy = legacyResource[name];
    if (legacy) return deps.resources.find((d) => d.group === '' && d.resource === legacy);
    if (/^(requests\.|limits\.)?(cpu|memory|ephemeral-storage)$/.test(name) || name.startsWith('requests.') || name.startsWith('limits.')) {
      return deps.resources.find((d) => d.group === '' && d.resource === 'pods');
    }
    if (name.startsWith('count/')) return deps.resources.find((d) => countName(d) === name);
    return undefined;
  }

  async function lock(ns: string): Promise<() => void> {
    const prev = locks.get(ns) ?? Promise.resolve();
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    const chained = prev.then(() => next);
    locks.set(ns, chained);
    await prev;
    return () => {
      release();
      if (locks.get(ns) === chained) locks.delete(ns);
    };
  }

  async function usedBy(def: ResourceDefinition, ns: string, quota: ResourceQuota): Promise<Usage> {
    const objs = await deps.listObjects(def, ns);
    return sumUsage(objs.filter((o) => matchesScopes(quota, def, o)).map((o) => usageOf(def, o)));
  }

  async function check(req: AdmissionRequest, quotas: ResourceQuota[]): Promise<void> {
    const obj = req.object as KubeObject;
    const delta = usageOf(req.def, obj);
    const isPod = req.def.group === '' && req.def.resource === 'pods';
    for (const quota of quotas) {
      if (!matchesScopes(quota, req.def, obj)) continue;
      const hard = (quota.spec?.hard ?? {}) as Record<string, string>;
      const name = quota.metadata?.name ?? '';
      if (isPod) {
        const missing = missingComputeResources(quota, obj as unknown as Pod);
        if (missing.length) throw forbid(req, `failed quota: ${name}: must specify ${missing.join('; ')}`);
      }
      const relevant = Object.keys(hard).filter((k) => delta.has(k));
      if (relevant.length === 0) continue;
      const used = await usedBy(req.def, req.namespace, quota);
      const exceeded = relevant.filter((k) => {
        const sum = addQuantities(used.get(k) ?? quantityFromInt(0), delta.get(k) ?? quantityFromInt(0));
        return compareQuantities(sum, parseQuantity(hard[k] ?? '0')) > 0;
      });
      if (exceeded.length === 0) continue;
      const limited: Usage = new Map(exceeded.map((k) => [k, parseQuantity(hard[k] ?? '0')]));
      throw forbid(req, `exceeded quota: ${name}, requested: ${formatUsage(delta, exceeded)}, used: ${formatUsage(used, exceeded)}, limited: ${formatUsage(limited, exceeded)}`);
    }
  }

  async function recomputeNamespace(ns: string): Promise<void> {
    for (const quota of await deps.listQuotas(ns)) await recomputeQuota(quota);
  }

  async function recomputeQuota(quota: ResourceQuota): Promise<void> {
    const ns = quota.metadata?.namespace ?? '';
    const hard = (quota.spec?.hard ?? {}) as Record<string, string>;
    const byDef = new Map<ResourceDefinition, Usage>();
    const used: Record<string, string> = {};
    for (const k of Object.keys(hard).sort()) {
      const def = defFor(k);
      if (!def) continue;
      let u = byDef.get(def);
      if (!u) {
        u = await usedBy(def, ns, quota);
        byDef.set(def, u);
      }
      used[k] = formatQuantity(u.get(k) ?? quantityFromInt(0));
    }
    const status = { hard: Object.fromEntries(Object.entries(hard).map(([k, v]) => [k, formatQuantity(parseQuantity(String(v)))])), used };
    if (JSON.stringify(quota.status?.hard ?? {}) === JSON.stringify(status.hard) && JSON.stringify(quota.status?.used ?? {}) === JSON.stringify(used)) return;
    await deps.writeStatus(quota, status);
  }

  return {
    name: 'ResourceQuota',
    handles: (req) => req.subresource === '' && req.namespace !== '' && (req.operation === 'CREATE' || req.operation === 'DELETE' || isQuota(req.def)),
    async validate(req) {
      if (req.operation !== 'CREATE' || isQuota(req.def)) return;
      if (deps.hasQuotas && !(await deps.hasQuotas(req.namespace))) return;
      const release = await lock(req.namespace);
      releases.set(req, release);
      const quotas = await deps.listQuotas(req.namespace);
      if (quotas.length) await check(req, quotas);
    },
    async afterWrite(req, stored) {
      releases.get(req)?.();
      releases.delete(req);
      if (!stored && req.operation !== 'DELETE') return;
      if (!isQuota(req.def) && deps.hasQuotas && !(await deps.hasQuotas(req.namespace))) return;
      try {
        await recomputeNamespace(req.namespace);
      } catch (err) {
        deps.log.warn({ err, namespace: req.namespace }, 'Could not update resource quota status');
      }
    },
    recomputeNamespace,
    async resync() {
      for (const quota of await deps.listAllQuotas()) {
        try {
          await recomputeQuota(quota);
        } catch (err) {
          deps.log.debug({ err, resourceQuota: `${quota.metadata?.namespace}/${quota.metadata?.name}` }, 'Could not resync resource quota');
        }
      }
    },
  };
}

function isQuota(def: ResourceDefinition): boolean {
  return def.group === '' && def.resource === 'resourcequotas';
}

function forbid(req: AdmissionRequest, why: string): Error {
  return newForbidden({ group: req.def.group, resource: req.def.resource }, req.object?.metadata.name ?? req.name, why);
}
