/** The `deployments` resource (apps/v1). */
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { col } from '../../shared/table.js';
import { labelSelectorCell, labelSelectorScale, workloadTable } from '../../shared/workload-table.js';
import { deploymentStatusStrategy, deploymentStrategy } from './strategy.js';

export const deploymentTable = workloadTable<Deployment>({
  columns: [
    col('Ready', 'Number of the pod with ready state'),
    col('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    col('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
  ],
  cells: (dep) => [`${dep.status?.readyReplicas ?? 0}/${dep.spec?.replicas ?? 0}`, dep.status?.updatedReplicas ?? 0, dep.status?.availableReplicas ?? 0],
  selector: {
    description: 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.',
    cell: labelSelectorCell,
  },
});

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
  scale: labelSelectorScale,
  table: deploymentTable,
};
