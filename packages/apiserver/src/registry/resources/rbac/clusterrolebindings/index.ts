/** The `clusterrolebindings` resource (rbac.authorization.k8s.io/v1); roleRef is immutable. */
import type { ClusterRoleBinding } from 'kubernetes-types/rbac/v1.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { defineStrategy } from '../../shared/strategy.js';
import { bindingTable } from '../rolebindings/index.js';
import { defaultBinding, validateBinding, validateRoleRefUnchanged } from '../validation.js';

export const clusterrolebindings: NanoResourceDefinition = {
  group: 'rbac.authorization.k8s.io',
  versions: ['v1'],
  resource: 'clusterrolebindings',
  singular: 'clusterrolebinding',
  kind: 'ClusterRoleBinding',
  namespaced: false,
  verbs: standardVerbs,
  nameValidation: 'PathSegment',
  strategy: defineStrategy<ClusterRoleBinding>({
    defaults: defaultBinding,
    validate: (b) => validateBinding(b, false),
    validateUpdate: (b, old) => validateRoleRefUnchanged(b.roleRef, old.roleRef),
  }),
  table: bindingTable('clusterRoleBinding'),
};
