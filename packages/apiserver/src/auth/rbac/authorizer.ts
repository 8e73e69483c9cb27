/**
 * The RBAC authorizer: allows a request when a rule bound to the user allows it, and otherwise has
 * no opinion (the Forbidden message then carries no reason, as upstream's).
 */
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import type { Attributes, Authorizer, UserInfo } from '../../server/auth.js';
import { rulesForUser, type RbacPolicy } from './policy.js';
import { rulesAllow } from './rules.js';

/** rbacAuthorizer authorizes against the policy's roles and bindings. */
export function rbacAuthorizer(policy: RbacPolicy): Authorizer {
  return (attrs: Attributes) => {
    for (const src of rulesForUser(policy, attrs.user, attrs.isResourceRequest ? attrs.namespace : '')) {
      if (rulesAllow(attrs, src.rules)) return { allowed: true, reason: `RBAC: allowed by ${src.binding}` };
    }
    return { allowed: false };
  };
}

/** Rules split as SelfSubjectRulesReview reports them. */
export interface UserRules {
  resourceRules: PolicyRule[];
  nonResourceRules: PolicyRule[];
}

/** userRules lists every rule that applies to the user in namespace, for rules reviews and escalation checks. */
export function userRules(policy: RbacPolicy, user: UserInfo, namespace: string): UserRules {
  const resourceRules: PolicyRule[] = [];
  const nonResourceRules: PolicyRule[] = [];
  for (const src of rulesForUser(policy, user, namespace)) {
    for (const r of src.rules) {
      if ((r.nonResourceURLs ?? []).length > 0) nonResourceRules.push({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs ?? [] });
      if ((r.resources ?? []).length > 0) {
        resourceRules.push({
          verbs: r.verbs,
          apiGroups: r.apiGroups ?? [],
          resources: r.resources ?? [],
          ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}),
        });
      }
    }
  }
  return { resourceRules, nonResourceRules };
}
