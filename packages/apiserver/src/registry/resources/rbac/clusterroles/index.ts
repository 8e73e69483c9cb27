/** The `clusterroles` resource (rbac.authorization.k8s.io/v1); aggregated roles skip rule validation. */
import type { ClusterRole } from 'kubernetes-types/rbac/v1.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { defineStrategy } from '../../shared/strategy.js';
import { defaultTable } from '../../shared/table.js';
import { validateRules } from '../validation.js';

export const clusterroles: NanoResourceDefinition = {
  group: 'rbac.authorization.k8s.io',
  versions: ['v1'],
  resource: 'clusterroles',
  singular: 'clusterrole',
  kind: 'ClusterRole',
  namespaced: false,
  verbs: standardVerbs,
  nameValidation: 'PathSegment',
  strategy: defineStrategy<ClusterRole>({ validate: (r) => (r.aggregationRule ? [] : validateRules(r.rules, false)) }),
  table: defaultTable,
};
