/** The `priorityclasses` resource (scheduling.k8s.io/v1, cluster-scoped). */
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { defineStrategy } from '../../shared/strategy.js';
import { ageColumn, ageOf, col, nameColumn, table } from '../../shared/table.js';
import { rec, setDefault } from '../../shared/util.js';
import type { FieldError } from '../../shared/validation.js';
import { forbidden, invalid, notSupported } from '../../shared/validation.js';

/** The priority values reserved for system classes. */
export const highestUserDefinablePriority = 1000000000;
const systemClasses = new Set(['system-cluster-critical', 'system-node-critical']);

function validatePriorityClass(pc: PriorityClass): FieldError[] {
  const errs: FieldError[] = [];
  const name = pc.metadata?.name ?? '';
  if (name.startsWith('system-') && !systemClasses.has(name)) {
    errs.push(invalid('metadata.name', name, "priority class names with 'system-' prefix are reserved"));
  }
  if (!systemClasses.has(name) && pc.value > highestUserDefinablePriority) {
    errs.push(forbidden('value', `maximum allowed value of a user defined priority is ${highestUserDefinablePriority}`));
  }
  const pp = pc.preemptionPolicy;
  if (pp && pp !== 'PreemptLowerPriority' && pp !== 'Never') errs.push(notSupported('preemptionPolicy', pp, ['Never', 'PreemptLowerPriority']));
  return errs;
}

function validateUpdate(pc: PriorityClass, old: PriorityClass): FieldError[] {
  const errs: FieldError[] = [];
  if (pc.value !== old.value) errs.push(forbidden('value', 'may not be changed in an update.'));
  if (pc.preemptionPolicy !== old.preemptionPolicy) errs.push(invalid('preemptionPolicy', pc.preemptionPolicy ?? '', 'field is immutable'));
  return errs;
}

export const priorityclasses: NanoResourceDefinition = {
  group: 'scheduling.k8s.io',
  versions: ['v1'],
  resource: 'priorityclasses',
  singular: 'priorityclass',
  kind: 'PriorityClass',
  namespaced: false,
  shortNames: ['pc'],
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  strategy: defineStrategy<PriorityClass>({
    defaults: (pc) => {
      setDefault(pc, 'preemptionPolicy', 'PreemptLowerPriority');
      if (typeof rec(pc)['value'] !== 'number') rec(pc)['value'] = 0;
    },
    validate: validatePriorityClass,
    validateUpdate,
  }),
  table: table(
    [
      nameColumn,
      col('Value', 'value represents the integer value of this priority class.', { type: 'integer' }),
      col('Global-Default', 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.', { type: 'boolean' }),
      ageColumn,
      col('PreemptionPolicy', 'preemptionPolicy is the Policy for preempting pods with lower priority.'),
    ],
    (o, now) => {
      const pc = o as unknown as PriorityClass;
      return [o.metadata.name ?? '', pc.value ?? 0, pc.globalDefault === true, ageOf(o, now), pc.preemptionPolicy ?? ''];
    },
  ),
};
