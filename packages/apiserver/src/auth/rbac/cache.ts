/**
 * informerPolicy is the RbacPolicy the apiserver authorizes with: four RegistryInformers over
 * roles, clusterroles, rolebindings and clusterrolebindings.
 */
import type { Logger } from '@nanokube/component-base';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import type { Registry } from '../../registry/types.js';
import { findDefinition, RegistryInformer } from '../informer.js';
import type { RbacPolicy } from './policy.js';

const rbacGroup = 'rbac.authorization.k8s.io';

/** An RbacPolicy with its informers' lifecycle. */
export interface InformerPolicy extends RbacPolicy {
  /** Starts the informers; they stop when signal aborts. */
  start(signal: AbortSignal): void;
  /** Resolves true once every informer has listed (false after timeoutMs). */
  waitForSync(timeoutMs: number): Promise<boolean>;
  readonly clusterRoles: RegistryInformer<ClusterRole>;
}

/** informerPolicy builds the registry-backed RbacPolicy. */
export function informerPolicy(registry: Registry, log: Logger): InformerPolicy {
  const roles = new RegistryInformer<Role>(registry, findDefinition(registry, rbacGroup, 'roles'), log);
  const clusterRoles = new RegistryInformer<ClusterRole>(registry, findDefinition(registry, rbacGroup, 'clusterroles'), log);
  const roleBindings = new RegistryInformer<RoleBinding>(registry, findDefinition(registry, rbacGroup, 'rolebindings'), log);
  const clusterRoleBindings = new RegistryInformer<ClusterRoleBinding>(registry, findDefinition(registry, rbacGroup, 'clusterrolebindings'), log);
  const informers = [roles, clusterRoles, roleBindings, clusterRoleBindings] as const;
  return {
    clusterRoles,
    getRole: (ns, name) => roles.get(ns, name),
    getClusterRole: (name) => clusterRoles.get('', name),
    listClusterRoles: () => clusterRoles.list(),
    listRoleBindings: (ns) => roleBindings.list(ns),
    listClusterRoleBindings: () => clusterRoleBindings.list(),
    start(signal) {
      for (const i of informers) void i.run(signal);
    },
    async waitForSync(timeoutMs) {
      const res = await Promise.all(informers.map((i) => i.waitForSync(timeoutMs)));
      return res.every(Boolean);
    },
  };
}
