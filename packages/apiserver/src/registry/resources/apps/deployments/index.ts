/** The `deployments` resource (apps/v1). */
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { KubeObject } from '../../../types.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
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
import { deploymentStatusStrategy, deploymentStrategy } from './strategy.js';

const d = (o: KubeObject): Deployment => o as unknown as Deployment;

export const deploymentTable = table(
  [
    nameColumn,
    col('Ready', 'Number of the pod with ready state'),
    col('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    col('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
    ageColumn,
    containersColumn,
    imagesColumn,
    selectorColumn('Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.'),
  ],
  (o, now) => {
    const dep = d(o);
    const [containers, images] = layoutContainerCells(dep.spec?.template?.spec?.containers);
    return [
      o.metadata.name ?? '',
      `${dep.status?.readyReplicas ?? 0}/${dep.spec?.replicas ?? 0}`,
      dep.status?.updatedReplicas ?? 0,
      dep.status?.availableReplicas ?? 0,
      ageOf(o, now),
      containers,
      images,
      labelSelectorString(dep.spec?.selector),
    ];
  },
);

export const deployments: NanoResourceDefinition = {
  group: 'apps',
  versions: ['v1'],
  resource: 'deployments',
  singular: 'deployment',
  kind: 'Deployment',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  strategy: deploymentStrategy,
  statusStrategy: deploymentStatusStrategy,
  scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', selector: (o) => labelSelectorString(d(o).spec?.selector) || undefined },
  table: deploymentTable,
};
