/**
 * Privilege-escalation prevention for the RBAC kinds (upstream does this in the rbac registry's
 * policy-based storage): creating or updating a Role/ClusterRole needs every rule it grants to be
 * held already, unless the user may `escalate` it; creating or updating a binding needs the
 * referenced role's rules, unless the user may `bind` it. system:masters passes through the
 * authorizer's privileged group.
 */
import { newForbidden } from '@nanokube/api';
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import type { RbacPolicy } from '../auth/rbac/policy.js';
import { roleRefRules } from '../auth/rbac/policy.js';
import { formatRule, uncoveredRules } from '../auth/rbac/escalation.js';
import { userRules } from '../auth/rbac/authorizer.js';
import type { Attributes, Authorizer, UserInfo } from '../server/auth.js';
import type { KubeObject } from '../registry/types.js';
import type { AdmissionPlugin, AdmissionRequest } from './types.js';

const rbacGroup = 'rbac.authorization.k8s.io';
const roleKinds = new Set(['roles', 'clusterroles']);
const bindingKinds = new Set(['rolebindings', 'clusterrolebindings']);

function check(user: UserInfo, verb: string, resource: string, namespace: string, name: string): Attributes {
  return { user, verb, isResourceRequest: true, apiGroup: rbacGroup, apiVersion: 'v1', resource, subresource: '', namespace, name, path: '' };
}

function goQuoted(xs: readonly string[]): string {
  return `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;
}

/** rbacEscalationAdmission builds the plugin over the authorizer and the RBAC policy. */
export function rbacEscalationAdmission(deps: { authorizer: Authorizer; policy: RbacPolicy }): AdmissionPlugin {
  function ownerRules(user: UserInfo, namespace: string): PolicyRule[] {
    const r = userRules(deps.policy, user, namespace);
    return [...r.resourceRules, ...r.nonResourceRules];
  }

  function escalationError(req: AdmissionRequest, obj: KubeObject, missing: PolicyRule[]): Error {
    const u = req.ctx.user;
    const why = `user ${JSON.stringify(u.name)} (groups=${goQuoted(u.groups)}) is attempting to grant RBAC permissions not currently held:\n${missing.map(formatRule).join('\n')}`;
    return newForbidden({ group: rbacGroup, resource: req.def.resource }, obj.metadata.name ?? req.name, why);
  }

  async function validateRole(req: AdmissionRequest, obj: KubeObject): Promise<void> {
    const ns = req.def.resource === 'roles' ? req.namespace : '';
    const escalate = await deps.authorizer(check(req.ctx.user, 'escalate', req.def.resource, ns, obj.metadata.name ?? req.name));
    if (escalate.allowed) return;
    const missing = uncoveredRules(ownerRules(req.ctx.user, ns), (obj['rules'] ?? []) as PolicyRule[]);
    if (missing.length) throw escalationError(req, obj, missing);
  }

  async function validateBinding(req: AdmissionRequest, obj: KubeObject): Promise<void> {
    const ns = req.def.resource === 'rolebindings' ? req.namespace : '';
    const ref = (obj['roleRef'] ?? {}) as { kind?: string; name?: string };
    const roleResource = ref.kind === 'Role' ? 'roles' : 'clusterroles';
    const bind = await deps.authorizer(check(req.ctx.user, 'bind', roleResource, ref.kind === 'Role' ? ns : '', ref.name ?? ''));
    if (bind.allowed) return;
    const rules = roleRefRules(deps.policy, ns, ref.kind ?? '', ref.name ?? '');
    if (!rules) {
      throw newForbidden({ group: rbacGroup, resource: req.def.resource }, obj.metadata.name ?? req.name, `${roleResource}.${rbacGroup} "${ref.name ?? ''}" not found`);
    }
    const missing = uncoveredRules(ownerRules(req.ctx.user, ns), rules);
    if (missing.length) throw escalationError(req, obj, missing);
  }

  return {
    name: 'RBACEscalation',
    handles: (req) => req.def.group === rbacGroup && req.subresource === '' && req.operation !== 'DELETE' && (roleKinds.has(req.def.resource) || bindingKinds.has(req.def.resource)),
    async validate(req) {
      const obj = req.operation === 'CREATE' ? req.object : await req.newObject();
      if (!obj) return;
      if (roleKinds.has(req.def.resource)) return validateRole(req, obj);
      return validateBinding(req, obj);
    },
  };
}
