/** Builders for policy rules, as upstream's rbacv1helpers.NewRule(...).Groups(...).Resources(...). */
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';

/** Core API group. */
export const legacyGroup = '';
export const appsGroup = 'apps';
export const batchGroup = 'batch';
export const rbacGroup = 'rbac.authorization.k8s.io';
export const certificatesGroup = 'certificates.k8s.io';
export const coordinationGroup = 'coordination.k8s.io';
export const discoveryGroup = 'discovery.k8s.io';
export const eventsGroup = 'events.k8s.io';
export const networkingGroup = 'networking.k8s.io';
export const policyGroup = 'policy';
export const storageGroup = 'storage.k8s.io';
export const autoscalingGroup = 'autoscaling';
export const authenticationGroup = 'authentication.k8s.io';
export const authorizationGroup = 'authorization.k8s.io';

export const readVerbs = ['get', 'list', 'watch'];
export const writeVerbs = ['create', 'delete', 'deletecollection', 'patch', 'update'];
export const readWrite = [...readVerbs, ...writeVerbs];

/** rule builds a resource rule. */
export function rule(verbs: string[], groups: string[], resources: string[], resourceNames?: string[]): PolicyRule {
  return { verbs, apiGroups: groups, resources, ...(resourceNames?.length ? { resourceNames } : {}) };
}

/** urlRule builds a non-resource rule. */
export function urlRule(verbs: string[], urls: string[]): PolicyRule {
  return { verbs, nonResourceURLs: urls };
}

/** eventsRule lets a component record events through core/v1 and events.k8s.io/v1. */
export function eventsRule(): PolicyRule {
  return rule(['create', 'patch', 'update'], [legacyGroup, eventsGroup], ['events']);
}
