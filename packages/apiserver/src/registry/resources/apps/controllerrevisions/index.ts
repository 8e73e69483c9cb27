/** The `controllerrevisions` resource (apps/v1): immutable revision data of StatefulSets and DaemonSets. */
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { KubeObject } from '../../../types.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { defineStrategy } from '../../shared/strategy.js';
import { ageColumn, ageOf, col, nameColumn, table } from '../../shared/table.js';
import { deepEqual } from '../../shared/util.js';
import { fieldImmutable, required, validateNonNegative } from '../../shared/validation.js';

const cr = (o: KubeObject): ControllerRevision => o as unknown as ControllerRevision;

export const controllerRevisionTable = table(
  [nameColumn, col('Controller', 'Controller of the object'), col('Revision', 'Revision indicates the revision of the state represented by Data.'), ageColumn],
  (o, now) => {
    const owner = (o.metadata.ownerReferences ?? []).find((r) => r.controller === true);
    let controller = '<none>';
    if (owner) {
      const slash = owner.apiVersion.indexOf('/');
      const group = slash >= 0 ? owner.apiVersion.slice(0, slash) : '';
      controller = `${owner.kind.toLowerCase()}${group ? `.${group}` : ''}/${owner.name}`;
    }
    return [o.metadata.name ?? '', controller, cr(o).revision ?? 0, ageOf(o, now)];
  },
);

export const controllerrevisions: NanoResourceDefinition = {
  group: 'apps',
  versions: ['v1'],
  resource: 'controllerrevisions',
  singular: 'controllerrevision',
  kind: 'ControllerRevision',
  namespaced: true,
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  strategy: defineStrategy<ControllerRevision>({
    validate: (r) => [
      ...validateNonNegative(r.revision, 'revision'),
      ...(r.data === undefined || r.data === null ? [required('data', 'data is mandatory')] : []),
    ],
    validateUpdate: (r, old) => (deepEqual(r.data, old.data) ? [] : [fieldImmutable('data', 'runtime.RawExtension{...}')]),
  }),
  table: controllerRevisionTable,
};
