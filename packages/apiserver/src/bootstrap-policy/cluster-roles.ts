/**
 * Upstream's bootstrap ClusterRoles (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go): the
 * user-facing roles (cluster-admin, admin, edit, view with aggregation), the system: roles of
 * components and nodes, and kubeadm's node bootstrap roles.
 */
import type { ClusterRole, PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { controllerRoles } from './controller-roles.js';
import {
  appsGroup,
  authenticationGroup,
  authorizationGroup,
  autoscalingGroup,
  batchGroup,
  certificatesGroup,
  coordinationGroup,
  discoveryGroup,
  eventsGroup,
  eventsRule,
  legacyGroup,
  networkingGroup,
  policyGroup,
  rbacGroup,
  readVerbs,
  readWrite,
  rule,
  storageGroup,
  urlRule,
  writeVerbs,
} from './rule.js';

/** The label every bootstrap object carries (`kubernetes.io/bootstrapping: rbac-defaults`). */
export const bootstrapLabels = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
/** The annotation that lets the apiserver add missing permissions on start (`rbac.authorization.kubernetes.io/autoupdate`). */
export const autoupdateAnnotation = 'rbac.authorization.kubernetes.io/autoupdate';

const aggregateLabel = (to: string): Record<string, string> => ({ [`rbac.authorization.k8s.io/aggregate-to-${to}`]: 'true' });

function clusterRole(name: string, rules: PolicyRule[], extra: Partial<ClusterRole> & { labels?: Record<string, string> } = {}): ClusterRole {
  const { labels, ...rest } = extra;
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name, labels: { ...bootstrapLabels, ...labels }, annotations: { [autoupdateAnnotation]: 'true' } },
    rules,
    ...rest,
  };
}

function aggregated(name: string, to: string, labels?: Record<string, string>): ClusterRole {
  return clusterRole(name, [], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: aggregateLabel(to) }] }, ...(labels ? { labels } : {}) });
}

const podWrite = ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy'];

const aggregateToView: PolicyRule[] = [
  rule(readVerbs, [legacyGroup], ['pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps']),
  rule(readVerbs, [legacyGroup], ['limitranges', 'resourcequotas', 'bindings', 'events', 'pods/status', 'resourcequotas/status', 'namespaces/status', 'replicationcontrollers/status', 'pods/log']),
  rule(readVerbs, [legacyGroup], ['namespaces']),
  rule(readVerbs, [discoveryGroup], ['endpointslices']),
  rule(readVerbs, [appsGroup], ['controllerrevisions', 'statefulsets', 'statefulsets/scale', 'statefulsets/status', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status']),
  rule(readVerbs, [autoscalingGroup], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
  rule(readVerbs, [batchGroup], ['jobs', 'cronjobs', 'cronjobs/status', 'jobs/status']),
  rule(readVerbs, [policyGroup], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
  rule(readVerbs, [networkingGroup], ['networkpolicies', 'ingresses', 'ingresses/status']),
];

const aggregateToEdit: PolicyRule[] = [
  rule(readVerbs, [legacyGroup], ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy']),
  rule(['impersonate'], [legacyGroup], ['serviceaccounts']),
  rule(writeVerbs, [legacyGroup], podWrite),
  rule(['create'], [legacyGroup], ['pods/eviction']),
  rule(writeVerbs, [legacyGroup], ['replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy', 'persistentvolumeclaims', 'configmaps', 'secrets', 'events']),
  rule(['create'], [legacyGroup], ['serviceaccounts/token']),
  rule(writeVerbs, [appsGroup], ['statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'replicasets', 'replicasets/scale']),
  rule(writeVerbs, [autoscalingGroup], ['horizontalpodautoscalers']),
  rule(writeVerbs, [batchGroup], ['jobs', 'cronjobs']),
  rule(writeVerbs, [policyGroup], ['poddisruptionbudgets']),
  rule(writeVerbs, [networkingGroup], ['networkpolicies', 'ingresses']),
  rule(readWrite, [coordinationGroup], ['leases']),
];

const aggregateToAdmin: PolicyRule[] = [
  rule(['create'], [authorizationGroup], ['localsubjectaccessreviews']),
  rule(readWrite, [rbacGroup], ['rolebindings', 'roles']),
];

const nodeRules: PolicyRule[] = [
  rule(['create'], [authenticationGroup], ['tokenreviews']),
  rule(['create'], [authorizationGroup], ['subjectaccessreviews', 'localsubjectaccessreviews']),
  rule(readVerbs, [legacyGroup], ['services']),
  rule(['create', 'get', 'list', 'watch'], [legacyGroup], ['nodes']),
  rule(['update', 'patch'], [legacyGroup], ['nodes/status']),
  rule(['update', 'patch'], [legacyGroup], ['nodes']),
  rule(['create', 'update', 'patch'], [legacyGroup], ['events']),
  rule(readVerbs, [legacyGroup], ['pods']),
  rule(['create', 'delete'], [legacyGroup], ['pods']),
  rule(['update', 'patch'], [legacyGroup], ['pods/status']),
  rule(['create'], [legacyGroup], ['pods/eviction']),
  rule(readVerbs, [legacyGroup], ['secrets', 'configmaps']),
  rule(['get'], [legacyGroup], ['persistentvolumeclaims', 'persistentvolumes']),
  rule(['get'], [legacyGroup], ['endpoints']),
  rule(['get', 'update', 'patch'], [legacyGroup], ['persistentvolumeclaims/status']),
  rule(['create'], [legacyGroup], ['serviceaccounts/token']),
  rule(['create', 'get', 'list', 'watch'], [certificatesGroup], ['certificatesigningrequests']),
  rule(['get', 'create', 'update', 'patch', 'delete'], [coordinationGroup], ['leases']),
  rule(['get'], [storageGroup], ['volumeattachments']),
  rule(readVerbs, [storageGroup], ['csidrivers']),
  rule(readVerbs.concat(['create', 'update', 'patch', 'delete']), [storageGroup], ['csinodes']),
  rule(readVerbs, ['node.k8s.io'], ['runtimeclasses']),
];

/** systemNodeRules are the rules of ClusterRole system:node (also the node authorizer's static rules). */
export const systemNodeRules: readonly PolicyRule[] = nodeRules;

const schedulerRules: PolicyRule[] = [
  eventsRule(),
  rule(['create'], [coordinationGroup], ['leases']),
  rule(['get', 'update'], [coordinationGroup], ['leases'], ['kube-scheduler']),
  rule(['create'], [legacyGroup], ['endpoints']),
  rule(['get', 'update'], [legacyGroup], ['endpoints'], ['kube-scheduler']),
  rule(readVerbs, [legacyGroup], ['nodes']),
  rule(['delete', 'get', 'list', 'watch'], [legacyGroup], ['pods']),
  rule(['create'], [legacyGroup], ['bindings', 'pods/binding']),
  rule(['patch', 'update'], [legacyGroup], ['pods/status']),
  rule(readVerbs, [legacyGroup], ['replicationcontrollers', 'services']),
  rule(readVerbs, [appsGroup], ['replicasets', 'statefulsets']),
  rule(readVerbs, [policyGroup], ['poddisruptionbudgets']),
  rule(readVerbs, [legacyGroup], ['persistentvolumeclaims', 'persistentvolumes']),
  rule(['create'], [authenticationGroup], ['tokenreviews']),
  rule(['create'], [authorizationGroup], ['subjectaccessreviews']),
  rule(readVerbs, [storageGroup], ['csinodes', 'csidrivers', 'csistoragecapacities', 'storageclasses']),
  rule(readVerbs, [legacyGroup], ['namespaces']),
  rule(readVerbs, [legacyGroup], ['configmaps']),
];

const controllerManagerBase: PolicyRule[] = [
  eventsRule(),
  rule(['create'], [coordinationGroup], ['leases']),
  rule(['get', 'update'], [coordinationGroup], ['leases'], ['kube-controller-manager']),
  rule(['create'], [legacyGroup], ['endpoints']),
  rule(['get', 'update'], [legacyGroup], ['endpoints'], ['kube-controller-manager']),
  rule(['create', 'delete', 'get', 'update'], [legacyGroup], ['secrets', 'serviceaccounts']),
  rule(['create'], [authenticationGroup], ['tokenreviews']),
  rule(['create'], [authorizationGroup], ['subjectaccessreviews']),
  rule(['list', 'watch'], ['*'], ['*']),
  rule(['get'], [legacyGroup], ['namespaces'], ['kube-system']),
  rule(['create'], [legacyGroup], ['serviceaccounts/token']),
];

/**
 * nanokube's controller-manager runs every controller with its own one credential
 * (`--use-service-account-credentials=false`), so system:kube-controller-manager also holds every
 * controller role's rules, plus the bootstrap signer's and token cleaner's namespaced rules.
 */
const controllerManagerRules: PolicyRule[] = [
  ...controllerManagerBase,
  ...Object.values(controllerRoles).flat(),
  rule(readVerbs.concat(['delete']), [legacyGroup], ['secrets']),
  rule(readVerbs.concat(['update']), [legacyGroup], ['configmaps']),
  rule(readVerbs, [legacyGroup], ['nodes', 'pods', 'services', 'endpoints']),
  rule(['get', 'list', 'watch', 'update', 'patch'], [legacyGroup], ['nodes', 'nodes/status']),
  rule(['create', 'update', 'patch', 'delete', 'get', 'list', 'watch'], [coordinationGroup], ['leases']),
];

/** bootstrapClusterRoles returns every default ClusterRole. */
export function bootstrapClusterRoles(): ClusterRole[] {
  const roles: ClusterRole[] = [
    clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urlRule(['*'], ['*'])]),
    clusterRole('system:discovery', [urlRule(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'])]),
    clusterRole('system:monitoring', [urlRule(['get'], ['/healthz', '/healthz/*', '/livez', '/livez/*', '/metrics', '/metrics/slis', '/readyz', '/readyz/*'])]),
    clusterRole('system:basic-user', [
      rule(['create'], [authorizationGroup], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
      rule(['create'], [authenticationGroup], ['selfsubjectreviews']),
    ]),
    clusterRole('system:public-info-viewer', [urlRule(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])]),
    aggregated('admin', 'admin'),
    aggregated('edit', 'edit', aggregateLabel('admin')),
    aggregated('view', 'view', aggregateLabel('edit')),
    clusterRole('system:aggregate-to-admin', aggregateToAdmin, { labels: aggregateLabel('admin') }),
    clusterRole('system:aggregate-to-edit', aggregateToEdit, { labels: aggregateLabel('edit') }),
    clusterRole('system:aggregate-to-view', aggregateToView, { labels: aggregateLabel('view') }),
    clusterRole('system:heapster', [rule(readVerbs, [legacyGroup], ['events', 'pods', 'nodes', 'namespaces']), rule(readVerbs, [appsGroup], ['deployments'])]),
    clusterRole('system:node', nodeRules),
    clusterRole('system:node-problem-detector', [rule(['get'], [legacyGroup], ['nodes']), rule(['patch'], [legacyGroup], ['nodes/status']), eventsRule()]),
    clusterRole('system:kubelet-api-admin', [
      rule(['get', 'list', 'watch', 'proxy'], [legacyGroup], ['nodes']),
      rule(['*'], [legacyGroup], ['nodes/proxy', 'nodes/metrics', 'nodes/stats', 'nodes/log']),
    ]),
    clusterRole('system:node-bootstrapper', [rule(['create', 'get', 'list', 'watch'], [certificatesGroup], ['certificatesigningrequests'])]),
    clusterRole('system:auth-delegator', [rule(['create'], [authenticationGroup], ['tokenreviews']), rule(['create'], [authorizationGroup], ['subjectaccessreviews'])]),
    clusterRole('system:kube-aggregator', [rule(readVerbs, [legacyGroup], ['endpoints', 'services'])]),
    clusterRole('system:kube-controller-manager', controllerManagerRules),
    clusterRole('system:kube-dns', [rule(['list', 'watch'], [legacyGroup], ['endpoints', 'services']), rule(['list', 'watch'], [discoveryGroup], ['endpointslices'])]),
    clusterRole('system:persistent-volume-provisioner', [
      rule(['get', 'list', 'watch', 'create', 'delete'], [legacyGroup], ['persistentvolumes']),
      rule(['get', 'list', 'watch', 'update'], [legacyGroup], ['persistentvolumeclaims']),
      rule(readVerbs, [storageGroup], ['storageclasses']),
      rule(['watch'], [legacyGroup], ['events']),
      eventsRule(),
    ]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [rule(['create'], [certificatesGroup], ['certificatesigningrequests/nodeclient'])]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [rule(['create'], [certificatesGroup], ['certificatesigningrequests/selfnodeclient'])]),
    clusterRole('system:volume-scheduler', [
      rule(['get', 'list', 'patch', 'update', 'watch'], [legacyGroup], ['persistentvolumes']),
      rule(readVerbs, [storageGroup], ['storageclasses']),
      rule(['get', 'list', 'patch', 'update', 'watch'], [legacyGroup], ['persistentvolumeclaims']),
    ]),
    clusterRole('system:certificates.k8s.io:legacy-unknown-approver', [rule(['approve'], [certificatesGroup], ['signers'], ['kubernetes.io/legacy-unknown'])]),
    clusterRole('system:certificates.k8s.io:kubelet-serving-approver', [rule(['approve'], [certificatesGroup], ['signers'], ['kubernetes.io/kubelet-serving'])]),
    clusterRole('system:certificates.k8s.io:kube-apiserver-client-approver', [rule(['approve'], [certificatesGroup], ['signers'], ['kubernetes.io/kube-apiserver-client'])]),
    clusterRole('system:certificates.k8s.io:kube-apiserver-client-kubelet-approver', [rule(['approve'], [certificatesGroup], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet'])]),
    clusterRole('system:service-account-issuer-discovery', [urlRule(['get'], ['/.well-known/openid-configuration', '/.well-known/openid-configuration/', '/openid/v1/jwks', '/openid/v1/jwks/'])]),
    clusterRole('system:kube-scheduler', schedulerRules),
    clusterRole('system:node-proxier', [
      rule(['list', 'watch'], [legacyGroup], ['services', 'endpoints']),
      rule(readVerbs, [legacyGroup], ['nodes']),
      rule(['create', 'patch', 'update'], [legacyGroup, eventsGroup], ['events']),
      rule(['list', 'watch'], [discoveryGroup], ['endpointslices']),
    ]),
    // kubeadm's: joining nodes read their Node before TLS bootstrap completes.
    { ...clusterRole('kubeadm:get-nodes', [rule(['get'], [legacyGroup], ['nodes'])]), metadata: { name: 'kubeadm:get-nodes' } },
  ];
  for (const [name, rules] of Object.entries(controllerRoles)) roles.push(clusterRole(`system:controller:${name}`, rules));
  return roles;
}
