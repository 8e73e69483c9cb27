/**
 * The ClusterRole aggregation controller (upstream's clusterrole-aggregation-controller), run inside
 * the apiserver on its own ClusterRole informer: a ClusterRole with an aggregationRule gets, as its
 * `rules`, the union of the rules of every ClusterRole its selectors match. The authorizer does not
 * wait for this write: it evaluates aggregation itself (see aggregatedRules).
 */
import { isConflict, isNotFound } from '@nanokube/api';
import type { Logger } from '@nanokube/component-base';
import type { ClusterRole } from 'kubernetes-types/rbac/v1.js';
import type { KubeObject, Registry } from '../../registry/types.js';
import { systemContext, type RegistryInformer } from '../informer.js';
import { aggregateRules } from './policy.js';

const debounceMs = 50;

/** runClusterRoleAggregation keeps aggregated ClusterRoles' rules current until signal aborts. */
export function runClusterRoleAggregation(registry: Registry, informer: RegistryInformer<ClusterRole>, log: Logger, signal: AbortSignal): void {
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  const sync = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await syncAll(registry, informer, log);
      } while (again && !signal.aborted);
    } finally {
      running = false;
    }
  };
  informer.onChange(() => {
    if (signal.aborted) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void sync(), debounceMs);
    timer.unref?.();
  });
  signal.addEventListener('abort', () => timer && clearTimeout(timer), { once: true });
}

async function syncAll(registry: Registry, informer: RegistryInformer<ClusterRole>, log: Logger): Promise<void> {
  const roles = informer.list();
  for (const role of roles) {
    if (!role.aggregationRule?.clusterRoleSelectors?.length) continue;
    const rules = aggregateRules(role, roles);
    if (JSON.stringify(rules) === JSON.stringify(role.rules ?? [])) continue;
    const next = { ...structuredClone(role), rules } as unknown as KubeObject;
    try {
      await registry.update(systemContext(), informer.def, role.metadata?.name ?? '', next, { dryRun: false, fieldValidation: 'Ignore', fieldManager: 'clusterrole-aggregation-controller' });
    } catch (err) {
      if (!isConflict(err) && !isNotFound(err)) log.warn({ err, clusterRole: role.metadata?.name }, 'Could not update aggregated ClusterRole');
    }
  }
}
