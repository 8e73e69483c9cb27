/** Hand-written resource definitions for the OpenAPI tests (the real ones live in registry/resources). */
import type { ResourceDefinition, ResourceStrategy, StatusStrategy } from '../registry/types.js';

const strategy: ResourceStrategy = {
  prepareForCreate: () => undefined,
  applyDefaults: () => undefined,
  validate: () => [],
  prepareForUpdate: () => undefined,
  validateUpdate: () => [],
};
const statusStrategy: StatusStrategy = { prepareForUpdate: () => undefined, validateUpdate: () => [] };
const table = { columns: [], row: () => [] };
const verbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function def(d: Pick<ResourceDefinition, 'group' | 'versions' | 'resource' | 'kind' | 'namespaced'> & Partial<ResourceDefinition>): ResourceDefinition {
  return { singular: d.kind.toLowerCase(), verbs, strategy, table, ...d };
}

export const deployments = def({
  group: 'apps',
  versions: ['v1'],
  resource: 'deployments',
  kind: 'Deployment',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  statusStrategy,
  scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', selector: () => undefined },
});
export const pods = def({
  group: '',
  versions: ['v1'],
  resource: 'pods',
  kind: 'Pod',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  statusStrategy,
  extraSubresources: [
    { name: 'binding', kind: { group: '', version: 'v1', kind: 'Binding' }, verbs: ['create'] },
    { name: 'eviction', kind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] },
    { name: 'exec', verbs: ['create', 'get'] },
    { name: 'log', verbs: ['get'] },
  ],
});
export const namespaces = def({
  group: '',
  versions: ['v1'],
  resource: 'namespaces',
  kind: 'Namespace',
  namespaced: false,
  shortNames: ['ns'],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  statusStrategy,
});
export const services = def({ group: '', versions: ['v1'], resource: 'services', kind: 'Service', namespaced: true, shortNames: ['svc'], categories: ['all'], statusStrategy });
export const configmaps = def({ group: '', versions: ['v1'], resource: 'configmaps', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] });
export const hpas = def({
  group: 'autoscaling',
  versions: ['v2', 'v1'],
  resource: 'horizontalpodautoscalers',
  kind: 'HorizontalPodAutoscaler',
  namespaced: true,
  shortNames: ['hpa'],
  categories: ['all'],
  statusStrategy,
});
export const widgets = def({ group: 'example.nanokube.io', versions: ['v1'], resource: 'widgets', kind: 'Widget', namespaced: true });

export const testResources: ResourceDefinition[] = [deployments, pods, namespaces, services, configmaps, hpas];
