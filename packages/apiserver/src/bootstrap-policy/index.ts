/** Upstream's (and kubeadm's) default RBAC policy and the hook that installs it at apiserver start. */
export { bootstrapClusterRoles, systemNodeRules, autoupdateAnnotation, bootstrapLabels } from './cluster-roles.js';
export { bootstrapClusterRoleBindings, bootstrapRoles, bootstrapRoleBindings, defaultNodeTokenGroup } from './bindings.js';
export { controllerRoles } from './controller-roles.js';
export { ensureBootstrapPolicy, reconcile } from './ensure.js';
