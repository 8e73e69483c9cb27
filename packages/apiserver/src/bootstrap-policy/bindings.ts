/**
 * Upstream's bootstrap ClusterRoleBindings, namespaced Roles and RoleBindings, plus the ones
 * `kubeadm init` creates for node bootstrap (bootstrap-token groups, anonymous cluster-info access,
 * CSR auto-approval, kubeadm:cluster-admins).
 */
import type { ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject } from 'kubernetes-types/rbac/v1.js';
import { autoupdateAnnotation, bootstrapLabels } from './cluster-roles.js';
import { controllerRoles } from './controller-roles.js';
import { eventsRule, legacyGroup, readVerbs, rbacGroup, rule } from './rule.js';

/** The group of kubeadm's default node bootstrap tokens. */
export const defaultNodeTokenGroup = 'system:bootstrappers:kubeadm:default-node-token';

const meta = (name: string, namespace?: string, managed = true): { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> } => ({
  name,
  ...(namespace ? { namespace } : {}),
  ...(managed ? { labels: { ...bootstrapLabels }, annotations: { [autoupdateAnnotation]: 'true' } } : {}),
});

export const user = (name: string): Subject => ({ kind: 'User', apiGroup: rbacGroup, name });
export const group = (name: string): Subject => ({ kind: 'Group', apiGroup: rbacGroup, name });
export const serviceAccount = (namespace: string, name: string): Subject => ({ kind: 'ServiceAccount', name, namespace });

function crb(name: string, role: string, subjects: Subject[], managed = true): ClusterRoleBinding {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: meta(name, undefined, managed),
    roleRef: { apiGroup: rbacGroup, kind: 'ClusterRole', name: role },
    subjects,
  };
}

function role(namespace: string, name: string, rules: PolicyRule[], managed = true): Role {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(name, namespace, managed), rules };
}

function rb(namespace: string, name: string, roleName: string, subjects: Subject[], managed = true): RoleBinding {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta(name, namespace, managed),
    roleRef: { apiGroup: rbacGroup, kind: 'Role', name: roleName },
    subjects,
  };
}

/** bootstrapClusterRoleBindings returns every default ClusterRoleBinding. */
export function bootstrapClusterRoleBindings(): ClusterRoleBinding[] {
  const out = [
    crb('cluster-admin', 'cluster-admin', [group('system:masters')]),
    crb('system:monitoring', 'system:monitoring', [group('system:monitoring')]),
    crb('system:discovery', 'system:discovery', [group('system:authenticated')]),
    crb('system:basic-user', 'system:basic-user', [group('system:authenticated')]),
    crb('system:public-info-viewer', 'system:public-info-viewer', [group('system:authenticated'), group('system:unauthenticated')]),
    crb('system:node-proxier', 'system:node-proxier', [user('system:kube-proxy')]),
    crb('system:kube-controller-manager', 'system:kube-controller-manager', [user('system:kube-controller-manager')]),
    crb('system:kube-dns', 'system:kube-dns', [serviceAccount('kube-system', 'kube-dns')]),
    crb('system:kube-scheduler', 'system:kube-scheduler', [user('system:kube-scheduler')]),
    crb('system:volume-scheduler', 'system:volume-scheduler', [user('system:kube-scheduler')]),
    crb('system:node', 'system:node', []),
    crb('system:service-account-issuer-discovery', 'system:service-account-issuer-discovery', [group('system:serviceaccounts')]),
    // kubeadm's.
    crb('kubeadm:cluster-admins', 'cluster-admin', [group('kubeadm:cluster-admins')], false),
    crb('kubeadm:kubelet-bootstrap', 'system:node-bootstrapper', [group(defaultNodeTokenGroup)], false),
    crb('kubeadm:node-autoapprove-bootstrap', 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', [group(defaultNodeTokenGroup)], false),
    crb('kubeadm:node-autoapprove-certificate-rotation', 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [group('system:nodes')], false),
    crb('kubeadm:get-nodes', 'kubeadm:get-nodes', [group(defaultNodeTokenGroup)], false),
  ];
  for (const name of Object.keys(controllerRoles)) {
    out.push(crb(`system:controller:${name}`, `system:controller:${name}`, [serviceAccount('kube-system', name)]));
  }
  return out;
}

/** bootstrapRoles returns the default namespaced Roles (kube-system, kube-public). */
export function bootstrapRoles(): Role[] {
  return [
    role('kube-system', 'extension-apiserver-authentication-reader', [rule(readVerbs, [legacyGroup], ['configmaps'], ['extension-apiserver-authentication'])]),
    role('kube-system', 'system::leader-locking-kube-controller-manager', [
      rule(['watch'], [legacyGroup], ['configmaps']),
      rule(['get', 'update'], [legacyGroup], ['configmaps'], ['kube-controller-manager']),
    ]),
    role('kube-system', 'system::leader-locking-kube-scheduler', [
      rule(['watch'], [legacyGroup], ['configmaps']),
      rule(['get', 'update'], [legacyGroup], ['configmaps'], ['kube-scheduler']),
    ]),
    role('kube-system', 'system:controller:bootstrap-signer', [rule(readVerbs, [legacyGroup], ['secrets'])]),
    role('kube-system', 'system:controller:cloud-provider', [rule(['create', 'get', 'list', 'watch'], [legacyGroup], ['configmaps'])]),
    role('kube-system', 'system:controller:token-cleaner', [rule(['delete', 'get', 'list', 'watch'], [legacyGroup], ['secrets']), eventsRule()]),
    role('kube-public', 'system:controller:bootstrap-signer', [
      rule(readVerbs, [legacyGroup], ['configmaps']),
      rule(['update'], [legacyGroup], ['configmaps'], ['cluster-info']),
      eventsRule(),
    ]),
    // kubeadm's: anonymous discovery reads only the cluster-info ConfigMap.
    role('kube-public', 'kubeadm:bootstrap-signer-clusterinfo', [rule(['get'], [legacyGroup], ['configmaps'], ['cluster-info'])], false),
    role('kube-system', 'kubeadm:nodes-kubeadm-config', [rule(['get'], [legacyGroup], ['configmaps'], ['kubeadm-config'])], false),
  ];
}

/** bootstrapRoleBindings returns the default RoleBindings. */
export function bootstrapRoleBindings(): RoleBinding[] {
  return [
    rb('kube-system', 'system::extension-apiserver-authentication-reader', 'extension-apiserver-authentication-reader', [user('system:kube-controller-manager'), user('system:kube-scheduler')]),
    rb('kube-system', 'system::leader-locking-kube-controller-manager', 'system::leader-locking-kube-controller-manager', [user('system:kube-controller-manager'), serviceAccount('kube-system', 'kube-controller-manager')]),
    rb('kube-system', 'system::leader-locking-kube-scheduler', 'system::leader-locking-kube-scheduler', [user('system:kube-scheduler'), serviceAccount('kube-system', 'kube-scheduler')]),
    rb('kube-system', 'system:controller:bootstrap-signer', 'system:controller:bootstrap-signer', [serviceAccount('kube-system', 'bootstrap-signer')]),
    rb('kube-system', 'system:controller:cloud-provider', 'system:controller:cloud-provider', [serviceAccount('kube-system', 'cloud-provider')]),
    rb('kube-system', 'system:controller:token-cleaner', 'system:controller:token-cleaner', [serviceAccount('kube-system', 'token-cleaner')]),
    rb('kube-public', 'system:controller:bootstrap-signer', 'system:controller:bootstrap-signer', [serviceAccount('kube-system', 'bootstrap-signer')]),
    rb('kube-public', 'kubeadm:bootstrap-signer-clusterinfo', 'kubeadm:bootstrap-signer-clusterinfo', [user('system:anonymous')], false),
    rb('kube-system', 'kubeadm:nodes-kubeadm-config', 'kubeadm:nodes-kubeadm-config', [group(defaultNodeTokenGroup), group('system:nodes')], false),
  ];
}
