/** The `daemonsets` resource (apps/v1). */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { defaultPodTemplate } from '../../shared/pod-spec/defaults.js';
import { defineStatusStrategy, defineStrategy } from '../../shared/strategy.js';
import { col, formatLabels } from '../../shared/table.js';
import { setDefault } from '../../shared/util.js';
import type { FieldError } from '../../shared/validation.js';
import { invalid, validateNonNegative } from '../../shared/validation.js';
import { isZeroIntOrPercent, validateIntOrPercent, validateSelectorAndTemplate, validateStrategyType } from '../../shared/workload.js';
import { labelSelectorCell, workloadTable } from '../../shared/workload-table.js';
import { validateSelectorImmutable } from '../deployments/strategy.js';

function defaultDaemonSet(d: DaemonSet): void {
  const spec = d.spec;
  if (!spec) return;
  const us = (spec.updateStrategy ??= {});
  setDefault(us, 'type', 'RollingUpdate');
  if (us.type === 'RollingUpdate') {
    const ru = (us.rollingUpdate ??= {});
    setDefault(ru, 'maxUnavailable', 1);
    setDefault(ru, 'maxSurge', 0);
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplate(spec.template);
}

function validateDaemonSet(d: DaemonSet): FieldError[] {
  const spec = d.spec;
  const errs: FieldError[] = [];
  errs.push(...validateSelectorAndTemplate(spec, { emptySelectorKind: 'daemonset', restartPolicies: ['Always'], forbidDeadlineAs: 'DaemonSet' }));
  errs.push(...validateStrategyType(spec?.updateStrategy?.type, 'spec.updateStrategy.type', ['OnDelete', 'RollingUpdate']));
  const ru = spec?.updateStrategy?.rollingUpdate;
  if (ru) {
    errs.push(...validateIntOrPercent(ru.maxUnavailable, 'spec.updateStrategy.rollingUpdate.maxUnavailable'));
    errs.push(...validateIntOrPercent(ru.maxSurge, 'spec.updateStrategy.rollingUpdate.maxSurge'));
    if (isZeroIntOrPercent(ru.maxUnavailable) && isZeroIntOrPercent(ru.maxSurge)) {
      errs.push(invalid('spec.updateStrategy.rollingUpdate.maxUnavailable', ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
    }
  }
  errs.push(...validateNonNegative(spec?.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...validateNonNegative(spec?.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  return errs;
}

export const daemonSetStrategy = defineStrategy<DaemonSet>({
  hasStatus: true,
  trackGeneration: true,
  defaults: defaultDaemonSet,
  validate: validateDaemonSet,
  validateUpdate: (d, old) => validateSelectorImmutable(d.spec?.selector, old.spec?.selector),
});

export const daemonSetTable = workloadTable<DaemonSet>({
  columns: [
    col('Desired', 'The total number of nodes that should be running the daemon pod.', { type: 'integer' }),
    col('Current', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.', { type: 'integer' }),
    col('Ready', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.', { type: 'integer' }),
    col('Up-to-date', 'The total number of nodes that are running updated daemon pod', { type: 'integer' }),
    col('Available', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.', { type: 'integer' }),
    col('Node Selector', 'NodeSelector is a selector which must be true for the pod to fit on a node.'),
  ],
  cells: (d) => {
    const st = d.status;
    return [
      st?.desiredNumberScheduled ?? 0,
      st?.currentNumberScheduled ?? 0,
      st?.numberReady ?? 0,
      st?.updatedNumberScheduled ?? 0,
      st?.numberAvailable ?? 0,
      formatLabels(d.spec?.template?.spec?.nodeSelector),
    ];
  },
  selector: { description: 'A label query over pods that are managed by the daemon set.', cell: labelSelectorCell },
});

export const daemonsets: NanoResourceDefinition = {
  group: 'apps',
  versions: ['v1'],
  resource: 'daemonsets',
  singular: 'daemonset',
  kind: 'DaemonSet',
  namespaced: true,
  shortNames: ['ds'],
  categories: ['all'],
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  strategy: daemonSetStrategy,
  statusStrategy: defineStatusStrategy<DaemonSet>(),
  table: daemonSetTable,
};
