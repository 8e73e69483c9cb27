/** RBAC validation and defaulting shared by the four RBAC kinds (pkg/apis/rbac/validation). */
import type { PolicyRule, RoleRef, Subject } from 'kubernetes-types/rbac/v1.js';
import type { KubeObject } from '../../types.js';
import { deepEqual, setDefault } from '../shared/util.js';
import type { FieldError } from '../shared/validation.js';
import { goQuote, invalidRendered, isDNS1123Subdomain, invalid, notSupported, required } from '../shared/validation.js';

export const rbacGroup = 'rbac.authorization.k8s.io';

function goStrings(list: string[]): string {
  return `[]string{${list.map(goQuote).join(', ')}}`;
}

/** validatePolicyRule is upstream's ValidatePolicyRule. */
export function validatePolicyRule(rule: PolicyRule, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!rule.verbs?.length) errs.push(required(`${path}.verbs`, 'verbs must contain at least one value'));
  const urls = rule.nonResourceURLs ?? [];
  if (urls.length > 0) {
    if (namespaced) errs.push(invalidRendered(`${path}.nonResourceURLs`, goStrings(urls), 'namespaced rules cannot apply to non-resource URLs'));
    if (rule.apiGroups?.length || rule.resources?.length || rule.resourceNames?.length) {
      errs.push(invalidRendered(`${path}.nonResourceURLs`, goStrings(urls), 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (!rule.apiGroups?.length) errs.push(required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  if (!rule.resources?.length) errs.push(required(`${path}.resources`, 'resource rules must supply at least one resource'));
  return errs;
}

/** validateRules validates every rule of a Role or ClusterRole. */
export function validateRules(rules: PolicyRule[] | undefined, namespaced: boolean): FieldError[] {
  return (rules ?? []).flatMap((r, i) => validatePolicyRule(r, namespaced, `rules[${i}]`));
}

/** defaultBinding applies SetDefaults_Subject and the roleRef apiGroup default. */
export function defaultBinding(b: { roleRef?: RoleRef; subjects?: Subject[] }): void {
  if (b.roleRef) setDefault(b.roleRef, 'apiGroup', rbacGroup);
  for (const s of b.subjects ?? []) {
    if (!s.apiGroup && (s.kind === 'User' || s.kind === 'Group')) s.apiGroup = rbacGroup;
  }
}

/** validateBinding checks roleRef and subjects (ValidateRoleBinding / ValidateClusterRoleBinding). */
export function validateBinding(b: { roleRef?: RoleRef; subjects?: Subject[] }, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const ref = b.roleRef;
  if (ref?.apiGroup !== rbacGroup) errs.push(notSupported('roleRef.apiGroup', ref?.apiGroup ?? '', [rbacGroup]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!ref?.kind || !kinds.includes(ref.kind)) errs.push(notSupported('roleRef.kind', ref?.kind ?? '', kinds));
  if (!ref?.name) errs.push(required('roleRef.name'));
  for (const [i, s] of (b.subjects ?? []).entries()) errs.push(...validateSubject(s, namespaced, `subjects[${i}]`));
  return errs;
}

function validateSubject(s: Subject, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.name) errs.push(required(`${path}.name`));
  switch (s.kind) {
    case 'ServiceAccount':
      if (s.name) for (const m of isDNS1123Subdomain(s.name)) errs.push(invalid(`${path}.name`, s.name, m));
      if (s.apiGroup) errs.push(notSupported(`${path}.apiGroup`, s.apiGroup, ['']));
      if (!namespaced && !s.namespace) errs.push(required(`${path}.namespace`));
      break;
    case 'User':
    case 'Group':
      if (s.apiGroup !== rbacGroup) errs.push(notSupported(`${path}.apiGroup`, s.apiGroup ?? '', [rbacGroup]));
      break;
    default:
      errs.push(notSupported(`${path}.kind`, s.kind, ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

/** validateRoleRefUnchanged: `roleRef: Invalid value: rbac.RoleRef{...}: cannot change roleRef`. */
export function validateRoleRefUnchanged(ref: RoleRef | undefined, old: RoleRef | undefined): FieldError[] {
  if (deepEqual(ref, old)) return [];
  const r = `rbac.RoleRef{APIGroup:${goQuote(ref?.apiGroup ?? '')}, Kind:${goQuote(ref?.kind ?? '')}, Name:${goQuote(ref?.name ?? '')}}`;
  return [invalidRendered('roleRef', r, 'cannot change roleRef')];
}

/** subjectCells renders the Users, Groups and ServiceAccounts cells (`ns:name` for service accounts). */
export function subjectCells(o: KubeObject): [string, string, string] {
  const subjects = (o['subjects'] as Subject[] | undefined) ?? [];
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of subjects) {
    if (s.kind === 'User') users.push(s.name);
    else if (s.kind === 'Group') groups.push(s.name);
    else if (s.kind === 'ServiceAccount') sas.push(`${s.namespace ?? ''}:${s.name}`);
  }
  return [users.join(', '), groups.join(', '), sas.join(', ')];
}
