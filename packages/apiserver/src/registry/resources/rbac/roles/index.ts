/** The `roles` resource (rbac.authorization.k8s.io/v1); upstream prints Name and Created At. */
import type { Role } from 'kubernetes-types/rbac/v1.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { defineStrategy } from '../../shared/strategy.js';
import { defaultTable } from '../../shared/table.js';
import { validateRules } from '../validation.js';

export const roles: NanoResourceDefinition = {
  group: 'rbac.authorization.k8s.io',
  versions: ['v1'],
  resource: 'roles',
  singular: 'role',
  kind: 'Role',
  namespaced: true,
  verbs: standardVerbs,
  nameValidation: 'PathSegment',
  strategy: defineStrategy<Role>({ validate: (r) => validateRules(r.rules, true) }),
  table: defaultTable,
};
