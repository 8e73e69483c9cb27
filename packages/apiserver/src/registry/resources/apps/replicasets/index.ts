/** The `replicasets` resource (apps/v1). */
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { KubeObject } from '../../../types.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { defaultPodTemplate } from '../../shared/pod-spec/defaults.js';
import { defineStatusStrategy, defineStrategy } from '../../shared/strategy.js';
import {
  ageColumn,
  ageOf,
  col,
  containersColumn,
  imagesColumn,
  labelSelectorString,
  layoutContainerCells,
  nameColumn,
  selectorColumn,
  table,
} from '../../shared/table.js';
import { setDefault } from '../../shared/util.js';
import { validateNonNegative } from '../../shared/validation.js';
import { validateSelectorAndTemplate } from '../../shared/workload.js';
import { validateSelectorImmutable } from '../deployments/strategy.js';

const rs = (o: KubeObject): ReplicaSet => o as unknown as ReplicaSet;

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

export const replicaSetTable = table(
  [
    nameColumn,
    col('Desired', 'Replicas is the number of desired pods.', { type: 'integer' }),
    col('Current', 'Replicas is the most recently observed number of replicas.', { type: 'integer' }),
    col('Ready', 'The number of ready replicas for this replica set.', { type: 'integer' }),
    ageColumn,
    containersColumn,
    imagesColumn,
    selectorColumn('Selector is a label query over pods that should match the replica count.'),
  ],
  (o, now) => {
    const r = rs(o);
    const [containers, images] = layoutContainerCells(r.spec?.template?.spec?.containers);
    return [
      o.metadata.name ?? '',
      r.spec?.replicas ?? 0,
      r.status?.replicas ?? 0,
      r.status?.readyReplicas ?? 0,
      ageOf(o, now),
      containers,
      images,
      labelSelectorString(r.spec?.selector),
    ];
  },
);

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
  scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', selector: (o) => labelSelectorString(rs(o).spec?.selector) || undefined },
  table: replicaSetTable,
};
