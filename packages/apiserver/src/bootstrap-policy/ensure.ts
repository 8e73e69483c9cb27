/**
 * ensureBootstrapPolicy is the apiserver's `rbac/bootstrap-roles` post-start hook: it creates every
 * missing default role and binding, and for existing ones annotated
 * `rbac.authorization.kubernetes.io/autoupdate: "true"` adds missing rules and subjects (never
 * removes what an administrator added).
 */
import { isAlreadyExists, isConflict, isNotFound } from '@nanokube/api';
import type { Logger } from '@nanokube/component-base';
import type { KubeObject, Registry, ResourceDefinition } from '../registry/types.js';
import { findDefinition, systemContext } from '../auth/informer.js';
import { uncoveredRules } from '../auth/rbac/escalation.js';
import { bootstrapClusterRoleBindings, bootstrapRoleBindings, bootstrapRoles } from './bindings.js';
import { autoupdateAnnotation, bootstrapClusterRoles } from './cluster-roles.js';

const rbacGroup = 'rbac.authorization.k8s.io';
const writeOpts = { dryRun: false, fieldValidation: 'Ignore' as const, fieldManager: 'kube-apiserver' };

/** ensureBootstrapPolicy creates or reconciles the default RBAC objects; returns how many it wrote. */
export async function ensureBootstrapPolicy(registry: Registry, logger: Logger): Promise<number> {
  const log = logger.child({ subsystem: 'bootstrap-policy' });
  const sets: [string, KubeObject[]][] = [
    ['clusterroles', bootstrapClusterRoles() as unknown as KubeObject[]],
    ['clusterrolebindings', bootstrapClusterRoleBindings() as unknown as KubeObject[]],
    ['roles', bootstrapRoles() as unknown as KubeObject[]],
    ['rolebindings', bootstrapRoleBindings() as unknown as KubeObject[]],
  ];
  let written = 0;
  for (const [resource, objs] of sets) {
    const def = findDefinition(registry, rbacGroup, resource);
    for (const obj of objs) {
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          if (await ensureOne(registry, def, obj)) written++;
          break;
        } catch (err) {
          if (!isConflict(err) && !isAlreadyExists(err)) {
            log.warn({ err, resource, name: obj.metadata.name }, 'Could not ensure bootstrap policy object');
            break;
          }
        }
      }
    }
  }
  log.info({ written }, 'Ensured bootstrap RBAC policy');
  return written;
}

async function ensureOne(registry: Registry, def: ResourceDefinition, want: KubeObject): Promise<boolean> {
  const ctx = systemContext(want.metadata.namespace ?? '');
  let cur: KubeObject;
  try {
    cur = await registry.get(ctx, def, want.metadata.name ?? '');
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await registry.create(ctx, def, structuredClone(want), writeOpts);
    return true;
  }
  if (cur.metadata.annotations?.[autoupdateAnnotation] !== 'true') return false;
  const next = reconcile(cur, want);
  if (!next) return false;
  await registry.update(ctx, def, want.metadata.name ?? '', next, writeOpts);
  return true;
}

/** reconcile returns the updated object when cur lacks rules or subjects of want, else undefined. */
export function reconcile(cur: KubeObject, want: KubeObject): KubeObject | undefined {
  const next = structuredClone(cur) as KubeObject & { rules?: unknown[]; subjects?: unknown[]; aggregationRule?: unknown };
  let changed = false;
  if (want['rules'] !== undefined && !want['aggregationRule']) {
    const have = (cur['rules'] ?? []) as Parameters<typeof uncoveredRules>[0];
    const missing = ((want['rules'] ?? []) as Parameters<typeof uncoveredRules>[1]).filter((r) => uncoveredRules(have, [r]).length > 0);
    if (missing.length) {
      next.rules = [...have, ...missing];
      changed = true;
    }
  }
  if (want['aggregationRule'] && !cur['aggregationRule']) {
    next.aggregationRule = want['aggregationRule'];
    changed = true;
  }
  if (want['subjects'] !== undefined) {
    const have = (cur['subjects'] ?? []) as { kind: string; name: string; namespace?: string }[];
    const key = (s: { kind: string; name: string; namespace?: string }): string => `${s.kind}/${s.namespace ?? ''}/${s.name}`;
    const missing = ((want['subjects'] ?? []) as typeof have).filter((s) => !have.some((h) => key(h) === key(s)));
    if (missing.length) {
      next.subjects = [...have, ...missing];
      changed = true;
    }
  }
  return changed ? next : undefined;
}
