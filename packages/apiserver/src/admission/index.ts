/** The admission chain: plugin contract, the admitting Registry wrapper, and upstream's plugins. */
export type { AdmissionPlugin, AdmissionRequest, Operation } from './types.js';
export { admittingRegistry } from './registry.js';
export type { AdmittingRegistryOptions } from './registry.js';
export { serviceAccountAdmission, projectedTokenVolume, serviceAccountMountPath } from './service-account.js';
export { limitRangerAdmission, limitRangerAnnotation } from './limit-ranger.js';
export { resourceQuotaAdmission } from './resource-quota.js';
export { nodeRestrictionAdmission } from './node-restriction.js';
export { rbacEscalationAdmission } from './rbac-escalation.js';
