import type { GroupVersionResource } from './rest/types.js';

const gvr = (group: string, version: string, resource: string, kind: string, namespaced = true): GroupVersionResource => ({
  group,
  version,
  resource,
  kind,
  namespaced,
});

/** The built-in resources components use, by plural name. */
export const resources = {
  namespaces: gvr('', 'v1', 'namespaces', 'Namespace', false),
  nodes: gvr('', 'v1', 'nodes', 'Node', false),
  pods: gvr('', 'v1', 'pods', 'Pod'),
  services: gvr('', 'v1', 'services', 'Service'),
  endpoints: gvr('', 'v1', 'endpoints', 'Endpoints'),
  configmaps: gvr('', 'v1', 'configmaps', 'ConfigMap'),
  secrets: gvr('', 'v1', 'secrets', 'Secret'),
  serviceaccounts: gvr('', 'v1', 'serviceaccounts', 'ServiceAccount'),
  events: gvr('', 'v1', 'events', 'Event'),
  persistentvolumes: gvr('', 'v1', 'persistentvolumes', 'PersistentVolume', false),
  persistentvolumeclaims: gvr('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim'),
  limitranges: gvr('', 'v1', 'limitranges', 'LimitRange'),
  resourcequotas: gvr('', 'v1', 'resourcequotas', 'ResourceQuota'),
  replicationcontrollers: gvr('', 'v1', 'replicationcontrollers', 'ReplicationController'),
  podtemplates: gvr('', 'v1', 'podtemplates', 'PodTemplate'),
  deployments: gvr('apps', 'v1', 'deployments', 'Deployment'),
  replicasets: gvr('apps', 'v1', 'replicasets', 'ReplicaSet'),
  statefulsets: gvr('apps', 'v1', 'statefulsets', 'StatefulSet'),
  daemonsets: gvr('apps', 'v1', 'daemonsets', 'DaemonSet'),
  controllerrevisions: gvr('apps', 'v1', 'controllerrevisions', 'ControllerRevision'),
  jobs: gvr('batch', 'v1', 'jobs', 'Job'),
  cronjobs: gvr('batch', 'v1', 'cronjobs', 'CronJob'),
  horizontalpodautoscalers: gvr('autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler'),
  leases: gvr('coordination.k8s.io', 'v1', 'leases', 'Lease'),
  endpointslices: gvr('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice'),
  certificatesigningrequests: gvr('certificates.k8s.io', 'v1', 'certificatesigningrequests', 'CertificateSigningRequest', false),
  poddisruptionbudgets: gvr('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget'),
  roles: gvr('rbac.authorization.k8s.io', 'v1', 'roles', 'Role'),
  rolebindings: gvr('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding'),
  clusterroles: gvr('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
  clusterrolebindings: gvr('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
} as const satisfies Record<string, GroupVersionResource>;

export type ResourceName = keyof typeof resources;
