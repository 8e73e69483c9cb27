/** The `pods` resource (core/v1). */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../../types.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { podStatusStrategy, podStrategy } from './strategy.js';
import { podTable } from './table.js';

const p = (o: KubeObject): Pod => o as unknown as Pod;

/** pods: status subresource plus the streaming and action subresources served elsewhere. */
export const pods: NanoResourceDefinition = {
  group: '',
  versions: ['v1'],
  resource: 'pods',
  singular: 'pod',
  kind: 'Pod',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  strategy: podStrategy,
  statusStrategy: podStatusStrategy,
  table: podTable,
  fieldSelectors: {
    'spec.nodeName': (o) => p(o).spec?.nodeName ?? '',
    'spec.restartPolicy': (o) => p(o).spec?.restartPolicy ?? '',
    'spec.schedulerName': (o) => p(o).spec?.schedulerName ?? '',
    'spec.serviceAccountName': (o) => p(o).spec?.serviceAccountName ?? '',
    'spec.hostNetwork': (o) => String(p(o).spec?.hostNetwork === true),
    'status.phase': (o) => p(o).status?.phase ?? '',
    'status.podIP': (o) => p(o).status?.podIP ?? '',
    'status.nominatedNodeName': (o) => p(o).status?.nominatedNodeName ?? '',
  },
  extraSubresources: [
    { name: 'attach', kind: { group: '', version: 'v1', kind: 'PodAttachOptions' }, verbs: ['create', 'get'] },
    { name: 'binding', kind: { group: '', version: 'v1', kind: 'Binding' }, verbs: ['create'] },
    { name: 'eviction', kind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] },
    { name: 'exec', kind: { group: '', version: 'v1', kind: 'PodExecOptions' }, verbs: ['create', 'get'] },
    { name: 'log', kind: { group: '', version: 'v1', kind: 'Pod' }, verbs: ['get'] },
    { name: 'portforward', kind: { group: '', version: 'v1', kind: 'PodPortForwardOptions' }, verbs: ['create', 'get'] },
    { name: 'proxy', kind: { group: '', version: 'v1', kind: 'PodProxyOptions' }, verbs: ['create', 'delete', 'get', 'patch', 'update'] },
  ],
};
