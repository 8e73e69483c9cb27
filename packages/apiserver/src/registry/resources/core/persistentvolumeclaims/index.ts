/** The `persistentvolumeclaims` resource (core/v1). */
import type { PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../../types.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { validateResources } from '../../shared/pod-spec/validation.js';
import { defineStatusStrategy, defineStrategy } from '../../shared/strategy.js';
import { ageColumn, ageOf, col, nameColumn, table } from '../../shared/table.js';
import { clone, deepEqual, rec, setDefault } from '../../shared/util.js';
import type { FieldError } from '../../shared/validation.js';
import { forbidden, notSupported, required } from '../../shared/validation.js';

/** The access modes and their short forms as `kubectl get pv/pvc` prints them. */
export const accessModeShort: Record<string, string> = {
  ReadWriteOnce: 'RWO',
  ReadOnlyMany: 'ROX',
  ReadWriteMany: 'RWX',
  ReadWriteOncePod: 'RWOP',
};

/** accessModesString is GetAccessModesAsString: RWO,ROX,RWX,RWOP in that order, deduplicated. */
export function accessModesString(modes: string[] | undefined): string {
  const set = new Set(modes ?? []);
  return Object.keys(accessModeShort)
    .filter((m) => set.has(m))
    .map((m) => accessModeShort[m])
    .join(',');
}

/** defaultPersistentVolumeClaim applies SetDefaults_PersistentVolumeClaimSpec (also for volumeClaimTemplates). */
export function defaultPersistentVolumeClaim(pvc: { spec?: PersistentVolumeClaim['spec'] }): void {
  if (pvc.spec) setDefault(pvc.spec, 'volumeMode', 'Filesystem');
}

function validatePVC(pvc: PersistentVolumeClaim): FieldError[] {
  const spec = pvc.spec;
  if (!spec) return [required('spec')];
  const errs: FieldError[] = [];
  if (!spec.accessModes?.length) errs.push(required('spec.accessModes', 'at least 1 access mode is required'));
  for (const m of spec.accessModes ?? []) {
    if (!(m in accessModeShort)) errs.push(notSupported('spec.accessModes', m, Object.keys(accessModeShort)));
  }
  if (spec.volumeMode && spec.volumeMode !== 'Filesystem' && spec.volumeMode !== 'Block') {
    errs.push(notSupported('spec.volumeMode', spec.volumeMode, ['Block', 'Filesystem']));
  }
  if (!spec.dataSource && !spec.resources?.requests?.['storage']) errs.push(required('spec.resources[storage]'));
  validateResourcesOfClaim(spec.resources, errs);
  return errs;
}

function validateResourcesOfClaim(res: { requests?: Record<string, string>; limits?: Record<string, string> } | undefined, errs: FieldError[]): void {
  const checked: FieldError[] = [];
  validateResources({ requests: res?.requests, limits: res?.limits }, 'spec.resources', checked);
  // Claims may name `storage`, which the container rule does not list.
  errs.push(...checked.filter((e) => !e.field.endsWith('[storage]') || !e.detail.includes('standard resource')));
}

function validatePVCUpdate(pvc: PersistentVolumeClaim, old: PersistentVolumeClaim): FieldError[] {
  const a = rec(clone(pvc.spec ?? {}));
  const b = rec(clone(old.spec ?? {}));
  // Requests may grow (expansion); volumeName may be set once by the binder.
  delete a['resources'];
  delete b['resources'];
  if (!b['volumeName']) delete a['volumeName'];
  if (deepEqual(a, b)) return [];
  return [forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims')];
}

export const persistentVolumeClaimStrategy = defineStrategy<PersistentVolumeClaim>({
  hasStatus: true,
  initialStatus: () => ({ phase: 'Pending' }),
  defaults: (pvc) => defaultPersistentVolumeClaim(pvc),
  validate: validatePVC,
  validateUpdate: validatePVCUpdate,
});

export const persistentVolumeClaimTable = table(
  [
    nameColumn,
    col('Status', 'phase represents the current phase of PersistentVolumeClaim.'),
    col('Volume', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
    col('Capacity', 'capacity represents the actual resources of the underlying volume.'),
    col('Access Modes', 'accessModes contains the actual access modes the volume backing the PVC has.'),
    col('StorageClass', 'StorageClass of the pvc'),
    col('VolumeAttributesClass', 'VolumeAttributesClass of the pvc'),
    ageColumn,
    col('VolumeMode', 'volumeMode defines what type of volume is required by the claim.', { wide: true }),
  ],
  (o: KubeObject, now: Date) => {
    const pvc = o as unknown as PersistentVolumeClaim;
    const phase = o.metadata.deletionTimestamp ? 'Terminating' : (pvc.status?.phase ?? '');
    const bound = Boolean(pvc.spec?.volumeName);
    const storageClass = pvc.spec?.storageClassName ?? o.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? '';
    return [
      o.metadata.name ?? '',
      phase,
      pvc.spec?.volumeName ?? '',
      bound ? (pvc.status?.capacity?.['storage'] ?? '0') : '',
      bound ? accessModesString(pvc.status?.accessModes) : '',
      storageClass,
      pvc.spec?.volumeAttributesClassName || '<unset>',
      ageOf(o, now),
      pvc.spec?.volumeMode ?? '<unset>',
    ];
  },
);

export const persistentvolumeclaims: NanoResourceDefinition = {
  group: '',
  versions: ['v1'],
  resource: 'persistentvolumeclaims',
  singular: 'persistentvolumeclaim',
  kind: 'PersistentVolumeClaim',
  namespaced: true,
  shortNames: ['pvc'],
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  strategy: persistentVolumeClaimStrategy,
  statusStrategy: defineStatusStrategy<PersistentVolumeClaim>(),
  table: persistentVolumeClaimTable,
};
