/** The `poddisruptionbudgets` resource (policy/v1). */
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { KubeObject } from '../../../types.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { defineStatusStrategy, defineStrategy } from '../../shared/strategy.js';
import { ageColumn, ageOf, col, nameColumn, table } from '../../shared/table.js';
import type { FieldError } from '../../shared/validation.js';
import { invalid, notSupported } from '../../shared/validation.js';
import { validateIntOrPercent, validateLabelSelector } from '../../shared/workload.js';

type PDB = PodDisruptionBudget;

function validatePDB(p: PDB): FieldError[] {
  const spec = p.spec;
  const errs: FieldError[] = [];
  if (spec?.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    errs.push(invalid('spec', '', 'minAvailable and maxUnavailable cannot be both set'));
  }
  errs.push(...validateIntOrPercent(spec?.minAvailable, 'spec.minAvailable'));
  errs.push(...validateIntOrPercent(spec?.maxUnavailable, 'spec.maxUnavailable'));
  errs.push(...validateLabelSelector(spec?.selector, 'spec.selector'));
  const policy = spec?.unhealthyPodEvictionPolicy;
  if (policy && policy !== 'IfHealthyBudget' && policy !== 'AlwaysAllow') {
    errs.push(notSupported('spec.unhealthyPodEvictionPolicy', policy, ['AlwaysAllow', 'IfHealthyBudget']));
  }
  return errs;
}

export const poddisruptionbudgets: NanoResourceDefinition = {
  group: 'policy',
  versions: ['v1'],
  resource: 'poddisruptionbudgets',
  singular: 'poddisruptionbudget',
  kind: 'PodDisruptionBudget',
  namespaced: true,
  shortNames: ['pdb'],
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  strategy: defineStrategy<PDB>({
    hasStatus: true,
    initialStatus: () => ({ currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 }),
    trackGeneration: true,
    validate: validatePDB,
  }),
  statusStrategy: defineStatusStrategy<PDB>(),
  table: table(
    [
      nameColumn,
      col('Min Available', 'The minimum number of pods that must be available.'),
      col('Max Unavailable', 'The maximum number of pods that may be unavailable.'),
      col('Allowed Disruptions', 'Calculated number of pods that may be disrupted at this time.', { type: 'integer' }),
      ageColumn,
    ],
    (o: KubeObject, now) => {
      const p = o as unknown as PDB;
      const min = p.spec?.minAvailable;
      const max = p.spec?.maxUnavailable;
      return [
        o.metadata.name ?? '',
        min === undefined ? 'N/A' : String(min),
        max === undefined ? 'N/A' : String(max),
        p.status?.disruptionsAllowed ?? 0,
        ageOf(o, now),
      ];
    },
  ),
};
