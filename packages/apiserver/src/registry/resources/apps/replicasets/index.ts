/** The `replicasets` resource (apps/v1). */
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { defaultPodTemplate } from '../../shared/pod-spec/defaults.js';
import { defineStatusStrategy, defineStrategy } from '../../shared/strategy.js';
import { col } from '../../shared/table.js';
import { setDefault } from '../../shared/util.js';
import { validateNonNegative } from '../../shared/validation.js';
import { validateSelectorAndTemplate } from '../../shared/workload.js';
import { labelSelectorCell, labelSelectorScale, workloadTable } from '../../shared/workload-table.js';
import { validateSelectorImmutable } from '../deployments/strategy.js';

export const replicaSetStrategy = defineStrategy<ReplicaSet>({
  hasStatus: true,
  trackGeneration: true,
  defaults(r) {
    if (!r.spec) return;
    setDefault(r.spec, 'replicas', 1);
    defaultPodTemplate(r.spec.template);
  },
  validate: (r) => [
    ...validateNonNegative(r.spec?.replicas, 'spec.replicas'),
    ...validateNonNegative(r.spec?.minReadySeconds, 'spec.minReadySeconds'),
    ...validateSelectorAndTemplate(r.spec, { emptySelectorKind: 'deployment', restartPolicies: ['Always'], forbidDeadlineAs: 'ReplicaSet' }),
  ],
  validateUpdate: (r, old) => validateSelectorImmutable(r.spec?.selector, old.spec?.selector),
});

export const replicaSetTable = workloadTable<ReplicaSet>({
  columns: [
    col('Desired', 'Replicas is the number of desired pods.', { type: 'integer' }),
    col('Current', 'Replicas is the most recently observed number of replicas.', { type: 'integer' }),
    col('Ready', 'The number of ready replicas for this replica set.', { type: 'integer' }),
  ],
  cells: (r) => [r.spec?.replicas ?? 0, r.status?.replicas ?? 0, r.status?.readyReplicas ?? 0],
  selector: { description: 'Selector is a label query over pods that should match the replica count.', cell: labelSelectorCell },
});

export const replicasets: NanoResourceDefinition = {
  group: 'apps',
  versions: ['v1'],
  resource: 'replicasets',
  singular: 'replicaset',
  kind: 'ReplicaSet',
  namespaced: true,
  shortNames: ['rs'],
  categories: ['all'],
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  strategy: replicaSetStrategy,
  statusStrategy: defineStatusStrategy<ReplicaSet>(),
  scale: labelSelectorScale,
  table: replicaSetTable,
};
