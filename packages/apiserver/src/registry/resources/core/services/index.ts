/** The `services` resource (core/v1). ClusterIP and NodePort allocation are the registry's admission step. */
import type { Service } from 'kubernetes-types/core/v1.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { serviceStatusStrategy, serviceStrategy } from './strategy.js';
import { serviceTable } from './table.js';

export const services: NanoResourceDefinition = {
  group: '',
  versions: ['v1'],
  resource: 'services',
  singular: 'service',
  kind: 'Service',
  namespaced: true,
  shortNames: ['svc'],
  categories: ['all'],
  verbs: standardVerbs,
  nameValidation: 'DNS1035Label',
  strategy: serviceStrategy,
  statusStrategy: serviceStatusStrategy,
  table: serviceTable,
  fieldSelectors: {
    'spec.clusterIP': (o) => (o as unknown as Service).spec?.clusterIP ?? '',
    'spec.type': (o) => (o as unknown as Service).spec?.type ?? '',
  },
  extraSubresources: [{ name: 'proxy', kind: { group: '', version: 'v1', kind: 'ServiceProxyOptions' }, verbs: ['create', 'delete', 'get', 'patch', 'update'] }],
};


