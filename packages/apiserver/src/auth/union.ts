/**
 * Authorizer composition, as kube-apiserver's authorization chain: `system:masters` is allowed
 * everything before any authorizer runs; then each authorizer in order (Node, RBAC) may allow; a
 * request nobody allows is denied with the reasons collected.
 */
import type { Attributes, Authorizer, Decision } from '../server/auth.js';

/** The group upstream always authorizes (user.SystemPrivilegedGroup). */
export const privilegedGroup = 'system:masters';

/** privilegedGroupAuthorizer allows members of system:masters everything. */
export const privilegedGroupAuthorizer: Authorizer = (attrs) => ({ allowed: attrs.user.groups.includes(privilegedGroup) });

/** unionAuthorizer allows when any authorizer allows; the denial carries their reasons joined by ", ". */
export function unionAuthorizer(...authorizers: Authorizer[]): Authorizer {
  return async (attrs: Attributes): Promise<Decision> => {
    const reasons: string[] = [];
    for (const a of authorizers) {
      const d = await a(attrs);
      if (d.allowed) return d;
      if (d.reason) reasons.push(d.reason);
    }
    return reasons.length ? { allowed: false, reason: reasons.join(', ') } : { allowed: false };
  };
}
