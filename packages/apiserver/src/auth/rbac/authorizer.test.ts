import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import { describe, expect, it } from 'vitest';
import type { Attributes, UserInfo } from '../../server/auth.js';
import { rbacAuthorizer, userRules } from './authorizer.js';
import { staticPolicy } from './policy.js';

const rbac = 'rbac.authorization.k8s.io';
const jane: UserInfo = { name: 'jane', groups: ['devs', 'system:authenticated'] };
const sa: UserInfo = { name: 'system:serviceaccount:team:builder', groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'] };

function attrs(user: UserInfo, verb: string, resource: string, namespace: string, extra: Partial<Attributes> = {}): Attributes {
  return { user, verb, isResourceRequest: true, apiGroup: '', apiVersion: 'v1', resource, subresource: '', namespace, name: '', path: '', ...extra };
}

const view: ClusterRole = { metadata: { name: 'view' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }] }, rules: [] };
const viewParts: ClusterRole = {
  metadata: { name: 'system:aggregate-to-view', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
  rules: [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'] }],
};
const podReader: Role = { metadata: { name: 'pod-reader', namespace: 'team' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] };
const nodesReader: ClusterRole = { metadata: { name: 'nodes-reader' }, rules: [{ verbs: ['list'], apiGroups: [''], resources: ['nodes'] }] };

const bindings: RoleBinding[] = [
  { metadata: { name: 'jane-view', namespace: 'default' }, roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', apiGroup: rbac, name: 'jane' }] },
  { metadata: { name: 'builder', namespace: 'team' }, roleRef: { apiGroup: rbac, kind: 'Role', name: 'pod-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'builder' }] },
];
const clusterBindings: ClusterRoleBinding[] = [
  { metadata: { name: 'devs-nodes' }, roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: 'nodes-reader' }, subjects: [{ kind: 'Group', apiGroup: rbac, name: 'devs' }] },
];
const policy = staticPolicy({ roles: [podReader], clusterRoles: [view, viewParts, nodesReader], roleBindings: bindings, clusterRoleBindings: clusterBindings });
const authorize = rbacAuthorizer(policy);

describe('rbacAuthorizer', () => {
  it('allows through an aggregated ClusterRole bound in the namespace', async () => {
    const d = await authorize(attrs(jane, 'list', 'pods', 'default'));
    expect(d).toEqual({ allowed: true, reason: 'RBAC: allowed by RoleBinding "jane-view/default" of ClusterRole "view" to User "jane"' });
  });

  it('does not extend a RoleBinding to other namespaces', async () => {
    expect((await authorize(attrs(jane, 'list', 'pods', 'kube-system'))).allowed).toBe(false);
  });

  it('denies verbs the role lacks, with no reason (as upstream)', async () => {
    expect(await authorize(attrs(jane, 'delete', 'pods', 'default'))).toEqual({ allowed: false });
  });

  it('matches Group subjects of ClusterRoleBindings in every namespace', async () => {
    expect((await authorize(attrs(jane, 'list', 'nodes', ''))).allowed).toBe(true);
  });

  it('matches ServiceAccount subjects without a namespace to the binding namespace', async () => {
    expect((await authorize(attrs(sa, 'get', 'pods', 'team'))).allowed).toBe(true);
    expect((await authorize(attrs(sa, 'list', 'pods', 'team'))).allowed).toBe(false);
  });

  it('sees a newly labelled ClusterRole through aggregation', async () => {
    const extra: ClusterRole = { metadata: { name: 'crd-view', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }, rules: [{ verbs: ['get'], apiGroups: ['example.com'], resources: ['widgets'] }] };
    const p = staticPolicy({ clusterRoles: [view, viewParts, extra], roleBindings: bindings });
    expect((await rbacAuthorizer(p)(attrs(jane, 'get', 'widgets', 'default', { apiGroup: 'example.com' }))).allowed).toBe(true);
  });
});

describe('userRules', () => {
  it('lists namespace rules split into resource and non-resource rules', () => {
    const r = userRules(policy, jane, 'default');
    expect(r.resourceRules).toContainEqual({ verbs: ['list'], apiGroups: [''], resources: ['nodes'] });
    expect(r.resourceRules).toContainEqual({ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'] });
    expect(r.nonResourceRules).toEqual([]);
  });
});

describe('aggregation chains', () => {
  it('gives admin the rules of view through edit before any controller wrote them', async () => {
    const admin: ClusterRole = { metadata: { name: 'admin' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' } }] } };
    const edit: ClusterRole = {
      metadata: { name: 'edit', labels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' } },
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' } }] },
    };
    const viewAgg: ClusterRole = { ...view, metadata: { name: 'view', labels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' } } };
    const binding: RoleBinding = { metadata: { name: 'b', namespace: 'default' }, roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: 'admin' }, subjects: [{ kind: 'User', apiGroup: rbac, name: 'jane' }] };
    const p = staticPolicy({ clusterRoles: [admin, edit, viewAgg, viewParts], roleBindings: [binding] });
    expect((await rbacAuthorizer(p)(attrs(jane, 'watch', 'pods', 'default'))).allowed).toBe(true);
  });
});
