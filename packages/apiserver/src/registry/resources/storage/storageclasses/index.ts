/** The `storageclasses` resource (storage.k8s.io/v1, cluster-scoped). */
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { defineStrategy } from '../../shared/strategy.js';
import { ageColumn, ageOf, col, nameColumn, table } from '../../shared/table.js';
import { deepEqual, setDefault } from '../../shared/util.js';
import type { FieldError } from '../../shared/validation.js';
import { fieldImmutable, forbidden, goQuote, notSupported, required } from '../../shared/validation.js';

const defaultAnnotation = 'storageclass.kubernetes.io/is-default-class';

function validateStorageClass(sc: StorageClass): FieldError[] {
  const errs: FieldError[] = [];
  if (!sc.provisioner) errs.push(required('provisioner'));
  const rp = sc.reclaimPolicy;
  if (rp && rp !== 'Delete' && rp !== 'Retain') errs.push(notSupported('reclaimPolicy', rp, ['Delete', 'Retain']));
  const mode = sc.volumeBindingMode;
  if (mode && mode !== 'Immediate' && mode !== 'WaitForFirstConsumer') errs.push(notSupported('volumeBindingMode', mode, ['Immediate', 'WaitForFirstConsumer']));
  return errs;
}

function validateStorageClassUpdate(sc: StorageClass, old: StorageClass): FieldError[] {
  const errs: FieldError[] = [];
  if (!deepEqual(sc.parameters ?? {}, old.parameters ?? {})) errs.push(forbidden('parameters', 'updates to parameters are forbidden.'));
  if (sc.provisioner !== old.provisioner) errs.push(forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (sc.reclaimPolicy !== old.reclaimPolicy) errs.push(forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  if (sc.volumeBindingMode !== old.volumeBindingMode) errs.push(fieldImmutable('volumeBindingMode', goQuote(sc.volumeBindingMode ?? '')));
  return errs;
}

export const storageclasses: NanoResourceDefinition = {
  group: 'storage.k8s.io',
  versions: ['v1'],
  resource: 'storageclasses',
  singular: 'storageclass',
  kind: 'StorageClass',
  namespaced: false,
  shortNames: ['sc'],
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  strategy: defineStrategy<StorageClass>({
    defaults: (sc) => {
      setDefault(sc, 'reclaimPolicy', 'Delete');
      setDefault(sc, 'volumeBindingMode', 'Immediate');
    },
    validate: validateStorageClass,
    validateUpdate: validateStorageClassUpdate,
  }),
  table: table(
    [
      nameColumn,
      col('Provisioner', 'provisioner indicates the type of the provisioner.'),
      col('ReclaimPolicy', 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.'),
      col('VolumeBindingMode', 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.'),
      col('AllowVolumeExpansion', 'allowVolumeExpansion shows whether the storage class allow volume expand.'),
      ageColumn,
    ],
    (o, now) => {
      const sc = o as unknown as StorageClass;
      const isDefault = o.metadata.annotations?.[defaultAnnotation] === 'true' || o.metadata.annotations?.['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
      return [
        `${o.metadata.name ?? ''}${isDefault ? ' (default)' : ''}`,
        sc.provisioner ?? '',
        sc.reclaimPolicy ?? 'Delete',
        sc.volumeBindingMode ?? 'Immediate',
        sc.allowVolumeExpansion === true,
        ageOf(o, now),
      ];
    },
  ),
};
