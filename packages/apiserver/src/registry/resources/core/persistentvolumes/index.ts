/** The `persistentvolumes` resource (core/v1, cluster-scoped). */
import type { PersistentVolume } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../../types.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { volumeSourceKeys } from '../../shared/pod-spec/defaults.js';
import { defineStatusStrategy, defineStrategy } from '../../shared/strategy.js';
import { ageColumn, ageOf, col, nameColumn, table } from '../../shared/table.js';
import { rec, setDefault } from '../../shared/util.js';
import type { FieldError } from '../../shared/validation.js';
import { forbidden, notSupported, required } from '../../shared/validation.js';
import { accessModeShort, accessModesString } from '../persistentvolumeclaims/index.js';

function validatePV(pv: PersistentVolume): FieldError[] {
  const spec = pv.spec;
  if (!spec) return [required('spec')];
  const errs: FieldError[] = [];
  if (!spec.accessModes?.length) errs.push(required('spec.accessModes'));
  for (const m of spec.accessModes ?? []) {
    if (!(m in accessModeShort)) errs.push(notSupported('spec.accessModes', m, Object.keys(accessModeShort)));
  }
  if (!spec.capacity?.['storage']) errs.push(required('spec.capacity'));
  const policy = spec.persistentVolumeReclaimPolicy;
  if (policy && !['Delete', 'Recycle', 'Retain'].includes(policy)) {
    errs.push(notSupported('spec.persistentVolumeReclaimPolicy', policy, ['Delete', 'Recycle', 'Retain']));
  }
  const sources = volumeSourceKeys(spec as never);
  if (sources.length === 0 && !spec.local) errs.push(required('spec', 'must specify a volume type'));
  for (const extra of sources.slice(1)) errs.push(forbidden(`spec.${extra}`, 'may not specify more than 1 volume type'));
  if (spec.hostPath && !spec.hostPath.path) errs.push(required('spec.hostPath.path'));
  return errs;
}

export const persistentVolumeStrategy = defineStrategy<PersistentVolume>({
  hasStatus: true,
  initialStatus: (_pv, ctx) => ({ phase: 'Pending', lastPhaseTransitionTime: ctx.now.toISOString().replace(/\.\d{3}Z$/, 'Z') }),
  defaults(pv) {
    const spec = pv.spec;
    if (!spec) return;
    setDefault(spec, 'persistentVolumeReclaimPolicy', 'Retain');
    setDefault(spec, 'volumeMode', 'Filesystem');
    if (spec.hostPath) setDefault(rec(spec.hostPath), 'type', '');
  },
  validate: validatePV,
});

export const persistentVolumeTable = table(
  [
    nameColumn,
    col('Capacity', 'capacity is the description of the persistent volume\'s resources and capacity.'),
    col('Access Modes', 'accessModes contains all ways the volume can be mounted.'),
    col('Reclaim Policy', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.'),
    col('Status', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
    col('Claim', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
    col('StorageClass', 'StorageClass of the pv'),
    col('VolumeAttributesClass', 'VolumeAttributesClass of the pv'),
    col('Reason', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
    ageColumn,
    col('VolumeMode', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.', { wide: true }),
  ],
  (o: KubeObject, now: Date) => {
    const pv = o as unknown as PersistentVolume;
    const ref = pv.spec?.claimRef;
    const claim = ref ? `${ref.namespace ?? ''}/${ref.name ?? ''}` : '';
    const phase = o.metadata.deletionTimestamp ? 'Terminating' : (pv.status?.phase ?? '');
    return [
      o.metadata.name ?? '',
      pv.spec?.capacity?.['storage'] ?? '0',
      accessModesString(pv.spec?.accessModes),
      pv.spec?.persistentVolumeReclaimPolicy ?? '',
      phase,
      claim,
      pv.spec?.storageClassName ?? o.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? '',
      pv.spec?.volumeAttributesClassName || '<unset>',
      pv.status?.reason ?? '',
      ageOf(o, now),
      pv.spec?.volumeMode ?? '<unset>',
    ];
  },
);

export const persistentvolumes: NanoResourceDefinition = {
  group: '',
  versions: ['v1'],
  resource: 'persistentvolumes',
  singular: 'persistentvolume',
  kind: 'PersistentVolume',
  namespaced: false,
  shortNames: ['pv'],
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  strategy: persistentVolumeStrategy,
  statusStrategy: defineStatusStrategy<PersistentVolume>(),
  table: persistentVolumeTable,
};
