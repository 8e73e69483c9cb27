/** The `replicationcontrollers` resource (core/v1) with status and scale. */
import type { ReplicationController } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../../types.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { defaultPodTemplate } from '../../shared/pod-spec/defaults.js';
import { defineStatusStrategy, defineStrategy } from '../../shared/strategy.js';
import { col, formatLabels } from '../../shared/table.js';
import { setDefault } from '../../shared/util.js';
import type { FieldError } from '../../shared/validation.js';
import { goStringMap, invalidRendered, required, validateLabels, validateNonNegative } from '../../shared/validation.js';
import { mapSelectorMatches, validatePodTemplate } from '../../shared/workload.js';
import { workloadTable } from '../../shared/workload-table.js';

const rc = (o: KubeObject): ReplicationController => o as unknown as ReplicationController;

function defaultRC(r: ReplicationController): void {
  const spec = r.spec;
  if (!spec) return;
  const labels = spec.template?.metadata?.labels;
  if (labels) {
    if (!spec.selector || Object.keys(spec.selector).length === 0) spec.selector = { ...labels };
    if (!r.metadata?.labels || Object.keys(r.metadata.labels).length === 0) (r.metadata ??= {}).labels = { ...labels };
  }
  setDefault(spec, 'replicas', 1);
  defaultPodTemplate(spec.template);
}

function validateRC(r: ReplicationController): FieldError[] {
  const spec = r.spec;
  const errs: FieldError[] = [];
  errs.push(...validateNonNegative(spec?.replicas, 'spec.replicas'));
  errs.push(...validateNonNegative(spec?.minReadySeconds, 'spec.minReadySeconds'));
  if (!spec?.selector || Object.keys(spec.selector).length === 0) errs.push(required('spec.selector'));
  else errs.push(...validateLabels(spec.selector, 'spec.selector'));
  if (!spec?.template) errs.push(required('spec.template'));
  else {
    const labels = spec.template.metadata?.labels;
    if (spec.selector && !mapSelectorMatches(spec.selector, labels)) {
      errs.push(invalidRendered('spec.template.metadata.labels', goStringMap(labels), '`selector` does not match template `labels`'));
    }
    errs.push(...validatePodTemplate(spec.template, 'spec.template', { restartPolicies: ['Always'], forbidDeadlineAs: 'ReplicationController' }));
  }
  return errs;
}

export const replicationcontrollers: NanoResourceDefinition = {
  group: '',
  versions: ['v1'],
  resource: 'replicationcontrollers',
  singular: 'replicationcontroller',
  kind: 'ReplicationController',
  namespaced: true,
  shortNames: ['rc'],
  categories: ['all'],
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  strategy: defineStrategy<ReplicationController>({ hasStatus: true, trackGeneration: true, defaults: defaultRC, validate: validateRC }),
  statusStrategy: defineStatusStrategy<ReplicationController>(),
  scale: {
    specReplicasPath: 'spec.replicas',
    statusReplicasPath: 'status.replicas',
    selector: (o) => {
      const s = rc(o).spec?.selector;
      return s && Object.keys(s).length ? formatLabels(s) : undefined;
    },
  },
  table: workloadTable<ReplicationController>({
    columns: [
      col('Desired', 'Replicas is the number of desired replicas.', { type: 'integer' }),
      col('Current', 'Replicas is the most recently observed number of replicas.', { type: 'integer' }),
      col('Ready', 'The number of ready replicas for this replication controller.', { type: 'integer' }),
    ],
    cells: (r) => [r.spec?.replicas ?? 0, r.status?.replicas ?? 0, r.status?.readyReplicas ?? 0],
    selector: { description: 'Selector is a label query over pods that should match the Replicas count.', cell: (r) => formatLabels(r.spec?.selector) },
  }),
};
