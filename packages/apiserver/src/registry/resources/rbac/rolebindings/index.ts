/** The `rolebindings` resource (rbac.authorization.k8s.io/v1); roleRef is immutable. */
import type { RoleBinding } from 'kubernetes-types/rbac/v1.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { defineStrategy } from '../../shared/strategy.js';
import { ageColumn, ageOf, col, nameColumn, table } from '../../shared/table.js';
import { defaultBinding, subjectCells, validateBinding, validateRoleRefUnchanged } from '../validation.js';

/** bindingTable prints Role (`Kind/name`), Age and the wide subject columns. */
export function bindingTable(word: string) {
  return table(
    [
      nameColumn,
      col('Role', 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace.'),
      ageColumn,
      col('Users', `Users in the ${word}`, { wide: true }),
      col('Groups', `Groups in the ${word}`, { wide: true }),
      col('ServiceAccounts', `ServiceAccounts in the ${word}`, { wide: true }),
    ],
    (o, now) => {
      const ref = (o as unknown as RoleBinding).roleRef;
      return [o.metadata.name ?? '', `${ref?.kind ?? ''}/${ref?.name ?? ''}`, ageOf(o, now), ...subjectCells(o)];
    },
  );
}

export const rolebindings: NanoResourceDefinition = {
  group: 'rbac.authorization.k8s.io',
  versions: ['v1'],
  resource: 'rolebindings',
  singular: 'rolebinding',
  kind: 'RoleBinding',
  namespaced: true,
  verbs: standardVerbs,
  nameValidation: 'PathSegment',
  strategy: defineStrategy<RoleBinding>({
    defaults: defaultBinding,
    validate: (b) => validateBinding(b, true),
    validateUpdate: (b, old) => validateRoleRefUnchanged(b.roleRef, old.roleRef),
  }),
  table: bindingTable('roleBinding'),
};
