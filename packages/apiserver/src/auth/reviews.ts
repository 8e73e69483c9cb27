/**
 * The review APIs, answered without storage: SelfSubjectAccessReview, SubjectAccessReview,
 * LocalSubjectAccessReview (`kubectl auth can-i`), SelfSubjectRulesReview (`can-i --list`),
 * TokenReview and SelfSubjectReview (`kubectl auth whoami`).
 */
import { newBadRequest } from '@nanokube/api';
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import type { KubeObject, RequestContext } from '../registry/types.js';
import type { Attributes, Authorizer, UserInfo } from '../server/auth.js';

/** What the review handlers need. */
export interface ReviewDeps {
  authorizer: Authorizer;
  /** Rules that apply to a user in a namespace (RBAC + node rules). */
  rulesFor(user: UserInfo, namespace: string): { resourceRules: PolicyRule[]; nonResourceRules: PolicyRule[] };
  /** Authenticates a bearer token for audiences (TokenReview). */
  authenticateToken(token: string, audiences: string[] | undefined): Promise<{ user: UserInfo; audiences: string[] } | undefined>;
  /** The API audiences, reported when a TokenReview names none. */
  apiAudiences: string[];
}

interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

interface AccessReviewSpec {
  resourceAttributes?: ResourceAttributes;
  nonResourceAttributes?: { path?: string; verb?: string };
  user?: string;
  groups?: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

/** reviewKinds maps review resources to their handlers' kinds. */
export const reviewResources = new Set(['selfsubjectaccessreviews', 'subjectaccessreviews', 'localsubjectaccessreviews', 'selfsubjectrulesreviews', 'tokenreviews', 'selfsubjectreviews']);

function accessAttributes(user: UserInfo, spec: AccessReviewSpec): Attributes {
  const r = spec.resourceAttributes;
  if (r) {
    return {
      user,
      verb: r.verb ?? '',
      isResourceRequest: true,
      apiGroup: r.group ?? '',
      apiVersion: r.version ?? '',
      resource: r.resource ?? '',
      subresource: r.subresource ?? '',
      namespace: r.namespace ?? '',
      name: r.name ?? '',
      path: '',
    };
  }
  const n = spec.nonResourceAttributes ?? {};
  return { user, verb: n.verb ?? '', isResourceRequest: false, apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '', path: n.path ?? '' };
}

function reply(body: KubeObject, status: Record<string, unknown>): KubeObject {
  return { ...body, metadata: { ...(body.metadata ?? {}), creationTimestamp: null }, status } as unknown as KubeObject;
}

async function accessReview(deps: ReviewDeps, body: KubeObject, user: UserInfo): Promise<KubeObject> {
  const spec = (body['spec'] ?? {}) as AccessReviewSpec;
  const d = await deps.authorizer(accessAttributes(user, spec));
  return reply(body, { allowed: d.allowed, ...(d.reason ? { reason: d.reason } : {}) });
}

function specUser(spec: AccessReviewSpec): UserInfo {
  return { name: spec.user ?? '', groups: spec.groups ?? [], ...(spec.uid ? { uid: spec.uid } : {}), ...(spec.extra ? { extra: spec.extra } : {}) };
}

function userInfoJson(u: UserInfo): Record<string, unknown> {
  return { username: u.name, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups, ...(u.extra ? { extra: u.extra } : {}) };
}

/** answerReview fills in the status of a review of `resource` posted by ctx.user. */
export async function answerReview(deps: ReviewDeps, resource: string, ctx: RequestContext, body: KubeObject): Promise<KubeObject> {
  const spec = (body['spec'] ?? {}) as AccessReviewSpec & { namespace?: string; token?: string; audiences?: string[] };
  switch (resource) {
    case 'selfsubjectaccessreviews':
      return accessReview(deps, body, ctx.user);
    case 'subjectaccessreviews':
      return accessReview(deps, body, specUser(spec));
    case 'localsubjectaccessreviews': {
      const ns = spec.resourceAttributes?.namespace ?? '';
      if (ns !== ctx.namespace) throw newBadRequest(`spec.resourceAttributes.namespace must match namespace: ${ctx.namespace}`);
      return accessReview(deps, body, specUser(spec));
    }
    case 'selfsubjectrulesreviews': {
      const rules = deps.rulesFor(ctx.user, spec.namespace ?? '');
      return reply(body, { resourceRules: rules.resourceRules, nonResourceRules: rules.nonResourceRules, incomplete: false });
    }
    case 'tokenreviews': {
      const res = await deps.authenticateToken(spec.token ?? '', spec.audiences?.length ? spec.audiences : undefined);
      if (!res) return reply(body, { user: {}, error: '[invalid bearer token, token lookup failed]', authenticated: false });
      const groups = res.user.groups.includes('system:authenticated') ? res.user.groups : [...res.user.groups, 'system:authenticated'];
      return reply(body, { authenticated: true, user: userInfoJson({ ...res.user, groups }), audiences: res.audiences });
    }
    case 'selfsubjectreviews':
      return reply(body, { userInfo: userInfoJson(ctx.user) });
    default:
      throw newBadRequest(`${resource} is not a review resource`);
  }
}
