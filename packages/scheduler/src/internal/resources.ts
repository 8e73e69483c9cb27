/** The API resources the scheduler reads and writes. */
import type { GroupVersionResource } from '@nanokube/client';

export const podsResource: GroupVersionResource = { group: '', version: 'v1', resource: 'pods', namespaced: true, kind: 'Pod' };
export const nodesResource: GroupVersionResource = { group: '', version: 'v1', resource: 'nodes', namespaced: false, kind: 'Node' };
export const servicesResource: GroupVersionResource = { group: '', version: 'v1', resource: 'services', namespaced: true, kind: 'Service' };
export const replicationControllersResource: GroupVersionResource = {
  group: '',
  version: 'v1',
  resource: 'replicationcontrollers',
  namespaced: true,
  kind: 'ReplicationController',
};
export const replicaSetsResource: GroupVersionResource = { group: 'apps', version: 'v1', resource: 'replicasets', namespaced: true, kind: 'ReplicaSet' };
export const statefulSetsResource: GroupVersionResource = { group: 'apps', version: 'v1', resource: 'statefulsets', namespaced: true, kind: 'StatefulSet' };
export const eventsResource: GroupVersionResource = { group: '', version: 'v1', resource: 'events', namespaced: true, kind: 'Event' };
export const leasesResource: GroupVersionResource = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespaced: true, kind: 'Lease' };
