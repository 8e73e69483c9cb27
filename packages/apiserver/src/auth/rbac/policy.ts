/**
 * The RBAC policy as the authorizer reads it: Roles, ClusterRoles and their bindings, with
 * upstream's subject matching and ClusterRole aggregation (a ClusterRole with an aggregationRule
 * holds the union of the rules of every ClusterRole its selectors match).
 */
import { selectorFromLabelSelector } from '@nanokube/api';
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject } from 'kubernetes-types/rbac/v1.js';
import type { UserInfo } from '../../server/auth.js';

/** RbacPolicy is read access to the RBAC objects (an informer-backed cache, or fixed lists in tests). */
export interface RbacPolicy {
  getRole(namespace: string, name: string): Role | undefined;
  getClusterRole(name: string): ClusterRole | undefined;
  listClusterRoles(): readonly ClusterRole[];
  listRoleBindings(namespace: string): readonly RoleBinding[];
  listClusterRoleBindings(): readonly ClusterRoleBinding[];
}

/** staticPolicy is an RbacPolicy over fixed lists (tests, bootstrap checks). */
export function staticPolicy(objs: { roles?: Role[]; clusterRoles?: ClusterRole[]; roleBindings?: RoleBinding[]; clusterRoleBindings?: ClusterRoleBinding[] }): RbacPolicy {
  return {
    getRole: (ns, name) => objs.roles?.find((r) => r.metadata?.namespace === ns && r.metadata?.name === name),
    getClusterRole: (name) => objs.clusterRoles?.find((r) => r.metadata?.name === name),
    listClusterRoles: () => objs.clusterRoles ?? [],
    listRoleBindings: (ns) => (objs.roleBindings ?? []).filter((b) => b.metadata?.namespace === ns),
    listClusterRoleBindings: () => objs.clusterRoleBindings ?? [],
  };
}

/** serviceAccountUsername is `system:serviceaccount:<ns>:<name>`. */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** subjectMatches reports whether a binding subject names the user (bindingNamespace fills SA subjects without one). */
export function subjectMatches(subject: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.name === subject.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const ns = subject.namespace || bindingNamespace;
      return ns !== '' && user.name === serviceAccountUsername(ns, subject.name);
    }
    default:
      return false;
  }
}

/** aggregatedRules returns a ClusterRole's effective rules: its own, or the union its aggregationRule selects. */
export function aggregatedRules(policy: RbacPolicy, role: ClusterRole): PolicyRule[] {
  const selectors = role.aggregationRule?.clusterRoleSelectors;
  if (!selectors || selectors.length === 0) return role.rules ?? [];
  return aggregateRules(role, policy.listClusterRoles());
}

/**
 * aggregateRules computes the rules an aggregated ClusterRole should hold, deduplicated, in name
 * order. A matched role that aggregates itself contributes its own aggregation (admin <- edit <-
 * view), so the answer does not wait for the aggregation controller to write intermediate roles.
 */
export function aggregateRules(role: ClusterRole, roles: readonly ClusterRole[], visiting: Set<string> = new Set()): PolicyRule[] {
  const name = role.metadata?.name ?? '';
  visiting.add(name);
  const selectors = (role.aggregationRule?.clusterRoleSelectors ?? []).map((s) => selectorFromLabelSelector(s));
  const out: PolicyRule[] = [];
  const seen = new Set<string>();
  const sorted = [...roles].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  for (const other of sorted) {
    const otherName = other.metadata?.name ?? '';
    if (visiting.has(otherName)) continue;
    if (!selectors.some((s) => s.matches(other.metadata?.labels ?? {}))) continue;
    const rules = other.aggregationRule?.clusterRoleSelectors?.length ? aggregateRules(other, roles, new Set(visiting)) : (other.rules ?? []);
    for (const rule of rules) {
      const key = JSON.stringify(rule);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(rule);
    }
  }
  return out;
}

/** A source of rules, for the allowed-by reason and for rules reviews. */
export interface RuleSource {
  binding: string;
  rules: readonly PolicyRule[];
}

/**
 * rulesForUser lists the rules bound to the user that apply in `namespace` ('' = cluster-wide
 * only), as upstream's VisitRulesFor: ClusterRoleBindings first, then RoleBindings of the namespace.
 */
export function rulesForUser(policy: RbacPolicy, user: UserInfo, namespace: string): RuleSource[] {
  const out: RuleSource[] = [];
  for (const b of policy.listClusterRoleBindings()) {
    const subject = (b.subjects ?? []).find((s) => subjectMatches(s, user, ''));
    if (!subject || b.roleRef.kind !== 'ClusterRole') continue;
    const role = policy.getClusterRole(b.roleRef.name);
    if (!role) continue;
    const binding = `ClusterRoleBinding "${b.metadata?.name ?? ''}" of ClusterRole "${b.roleRef.name}" to ${describeSubject(subject)}`;
    out.push({ binding, rules: aggregatedRules(policy, role) });
  }
  if (!namespace) return out;
  for (const b of policy.listRoleBindings(namespace)) {
    const subject = (b.subjects ?? []).find((s) => subjectMatches(s, user, namespace));
    if (!subject) continue;
    const rules = roleRefRules(policy, namespace, b.roleRef.kind, b.roleRef.name);
    if (!rules) continue;
    const binding = `RoleBinding "${b.metadata?.name ?? ''}/${namespace}" of ${b.roleRef.kind} "${b.roleRef.name}" to ${describeSubject(subject)}`;
    out.push({ binding, rules });
  }
  return out;
}

function describeSubject(s: Subject): string {
  return s.kind === 'ServiceAccount' && s.namespace ? `ServiceAccount "${s.name}/${s.namespace}"` : `${s.kind} "${s.name}"`;
}

/** roleRefRules resolves a RoleBinding's roleRef to rules (undefined when the role does not exist). */
export function roleRefRules(policy: RbacPolicy, namespace: string, kind: string, name: string): PolicyRule[] | undefined {
  if (kind === 'Role') {
    const role = policy.getRole(namespace, name);
    return role ? (role.rules ?? []) : undefined;
  }
  if (kind === 'ClusterRole') {
    const role = policy.getClusterRole(name);
    return role ? aggregatedRules(policy, role) : undefined;
  }
  return undefined;
}
