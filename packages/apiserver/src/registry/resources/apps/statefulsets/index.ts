/** The `statefulsets` resource (apps/v1). */
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import { defaultPersistentVolumeClaim } from '../../core/persistentvolumeclaims/index.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { defaultPodTemplate } from '../../shared/pod-spec/defaults.js';
import { defineStatusStrategy, defineStrategy } from '../../shared/strategy.js';
import { col } from '../../shared/table.js';
import { clone, deepEqual, rec, setDefault } from '../../shared/util.js';
import type { FieldError } from '../../shared/validation.js';
import { forbidden, notSupported, validateNonNegative } from '../../shared/validation.js';
import { validateSelectorAndTemplate, validateStrategyType } from '../../shared/workload.js';
import { labelSelectorScale, workloadTable } from '../../shared/workload-table.js';
import { validateSelectorImmutable } from '../deployments/strategy.js';

function defaultStatefulSet(s: StatefulSet): void {
  const spec = s.spec;
  if (!spec) return;
  setDefault(spec, 'podManagementPolicy', 'OrderedReady');
  const us = (spec.updateStrategy ??= {});
  setDefault(us, 'type', 'RollingUpdate');
  if (us.type === 'RollingUpdate') setDefault((us.rollingUpdate ??= {}), 'partition', 0);
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', 10);
  const retention = (spec.persistentVolumeClaimRetentionPolicy ??= {});
  setDefault(retention, 'whenDeleted', 'Retain');
  setDefault(retention, 'whenScaled', 'Retain');
  defaultPodTemplate(spec.template);
  for (const pvc of spec.volumeClaimTemplates ?? []) {
    defaultPersistentVolumeClaim(pvc);
    setDefault(pvc, 'apiVersion', 'v1');
    setDefault(pvc, 'kind', 'PersistentVolumeClaim');
    setDefault(pvc, 'status', { phase: 'Pending' });
  }
}

function validateStatefulSet(s: StatefulSet): FieldError[] {
  const spec = s.spec;
  const errs: FieldError[] = [];
  const pmp = spec?.podManagementPolicy;
  if (pmp && pmp !== 'OrderedReady' && pmp !== 'Parallel') errs.push(notSupported('spec.podManagementPolicy', pmp, ['OrderedReady', 'Parallel']));
  errs.push(...validateStrategyType(spec?.updateStrategy?.type, 'spec.updateStrategy.type', ['OnDelete', 'RollingUpdate']));
  errs.push(...validateNonNegative(spec?.replicas, 'spec.replicas'));
  errs.push(...validateNonNegative(spec?.updateStrategy?.rollingUpdate?.partition, 'spec.updateStrategy.rollingUpdate.partition'));
  errs.push(...validateNonNegative(spec?.minReadySeconds, 'spec.minReadySeconds'));
  // Containers may mount a volumeClaimTemplate by name: the controller adds those volumes to each pod, so
  // validate the template as the pods will look (upstream skips volume checks of the template for this).
  const withClaims = spec?.template?.spec
    ? {
        ...spec,
        template: {
          ...spec.template,
          spec: {
            ...spec.template.spec,
            volumes: [
              ...(spec.template.spec.volumes ?? []),
              ...(spec.volumeClaimTemplates ?? [])
                .filter((t) => t.metadata?.name && !(spec.template.spec?.volumes ?? []).some((v) => v.name === t.metadata?.name))
                .map((t) => ({ name: t.metadata?.name as string, persistentVolumeClaim: { claimName: t.metadata?.name as string } })),
            ],
          },
        },
      }
    : spec;
  errs.push(...validateSelectorAndTemplate(withClaims, { emptySelectorKind: 'statefulset', restartPolicies: ['Always'], forbidDeadlineAs: 'StatefulSet' }));
  return errs;
}

const mutableFields = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

function validateStatefulSetUpdate(s: StatefulSet, old: StatefulSet): FieldError[] {
  const errs = validateSelectorImmutable(s.spec?.selector, old.spec?.selector);
  const a = rec(clone(s.spec ?? {}));
  const b = rec(clone(old.spec ?? {}));
  for (const f of [...mutableFields, 'selector']) {
    delete a[f];
    delete b[f];
  }
  if (!deepEqual(a, b)) {
    errs.push(
      forbidden(
        'spec',
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  }
  return errs;
}

export const statefulSetStrategy = defineStrategy<StatefulSet>({
  hasStatus: true,
  trackGeneration: true,
  defaults: defaultStatefulSet,
  validate: validateStatefulSet,
  validateUpdate: validateStatefulSetUpdate,
});

export const statefulSetTable = workloadTable<StatefulSet>({
  columns: [col('Ready', 'Number of the pod with ready state')],
  cells: (s) => [`${s.status?.readyReplicas ?? 0}/${s.spec?.replicas ?? 0}`],
});

export const statefulsets: NanoResourceDefinition = {
  group: 'apps',
  versions: ['v1'],
  resource: 'statefulsets',
  singular: 'statefulset',
  kind: 'StatefulSet',
  namespaced: true,
  shortNames: ['sts'],
  categories: ['all'],
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  strategy: statefulSetStrategy,
  statusStrategy: defineStatusStrategy<StatefulSet>(),
  scale: labelSelectorScale,
  table: statefulSetTable,
};
