/**
 * The create-only review kinds of authorization.k8s.io/v1 and authentication.k8s.io/v1. They are
 * `virtual`: never stored; a handler answers the POST with the filled-in status.
 */
import { defineStrategy } from '../shared/strategy.js';
import { defaultTable } from '../shared/table.js';
import type { NanoResourceDefinition } from '../shared/definition.js';
import type { FieldError } from '../shared/validation.js';
import { invalid, required } from '../shared/validation.js';

interface AccessReviewSpec {
  resourceAttributes?: unknown;
  nonResourceAttributes?: unknown;
  user?: string;
  groups?: string[];
  uid?: string;
}

function validateAccessReview(spec: AccessReviewSpec | undefined, needsUser: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const has = Number(spec?.resourceAttributes !== undefined) + Number(spec?.nonResourceAttributes !== undefined);
  if (has === 0) {
    errs.push(invalid('spec.resourceAttributes', 'null', 'exactly one of nonResourceAttributes or resourceAttributes must be specified'));
  } else if (has === 2) {
    errs.push(invalid('spec.nonResourceAttributes', '', 'cannot be specified in combination with resourceAttributes'));
  }
  if (needsUser && !spec?.user && !(spec?.groups?.length ?? 0)) {
    errs.push(invalid('spec.user', '', 'at least one of user or group must be specified'));
  }
  return errs;
}

function review(
  group: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  validate: (obj: { spec?: AccessReviewSpec & { token?: string } }) => FieldError[] = () => [],
): NanoResourceDefinition {
  return {
    group,
    versions: ['v1'],
    resource,
    singular: resource.replace(/s$/, ''),
    kind,
    namespaced,
    verbs: ['create'],
    nameValidation: 'DNS1123Subdomain',
    virtual: true,
    strategy: defineStrategy<{ spec?: AccessReviewSpec & { token?: string } }>({ validate }),
    table: defaultTable,
  };
}

const authz = 'authorization.k8s.io';
const authn = 'authentication.k8s.io';

export const reviewResources: NanoResourceDefinition[] = [
  review(authz, 'localsubjectaccessreviews', 'LocalSubjectAccessReview', true, (o) => validateAccessReview(o.spec, true)),
  review(authz, 'selfsubjectaccessreviews', 'SelfSubjectAccessReview', false, (o) => validateAccessReview(o.spec, false)),
  review(authz, 'selfsubjectrulesreviews', 'SelfSubjectRulesReview', false),
  review(authz, 'subjectaccessreviews', 'SubjectAccessReview', false, (o) => validateAccessReview(o.spec, true)),
  review(authn, 'selfsubjectreviews', 'SelfSubjectReview', false),
  review(authn, 'tokenreviews', 'TokenReview', false, (o) => (o.spec?.token ? [] : [required('spec.token')])),
];
