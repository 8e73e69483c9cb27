import { describe, expect, it } from 'vitest';
import { formatRule, uncoveredRules } from './escalation.js';

describe('uncoveredRules', () => {
  const owner = [
    { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'deployments/*'] },
    { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] },
    { verbs: ['get'], nonResourceURLs: ['/healthz/*'] },
  ];

  it.each([
    { name: 'a subset of verbs', rule: { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, missing: 0 },
    { name: 'a verb not held', rule: { verbs: ['get', 'delete'], apiGroups: [''], resources: ['pods'] }, missing: 1 },
    { name: 'a subresource under resource/*', rule: { verbs: ['get'], apiGroups: [''], resources: ['deployments/scale'] }, missing: 0 },
    { name: 'a named object the owner may read', rule: { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }, missing: 0 },
    { name: 'every object when owner holds one name', rule: { verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }, missing: 1 },
    { name: 'a URL under a held prefix', rule: { verbs: ['get'], nonResourceURLs: ['/healthz/etcd'] }, missing: 0 },
    { name: 'a wildcard resource', rule: { verbs: ['get'], apiGroups: [''], resources: ['*'] }, missing: 1 },
  ])('$name', ({ rule, missing }) => {
    expect(uncoveredRules(owner, [rule])).toHaveLength(missing);
  });

  it('is covered entirely by cluster-admin', () => {
    const admin = [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }];
    expect(uncoveredRules(admin, [...owner, { verbs: ['escalate'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'] }])).toEqual([]);
  });

  it('formats a rule as upstream\'s compact string', () => {
    expect(formatRule({ verbs: ['delete'], apiGroups: [''], resources: ['pods'] })).toBe('{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}');
  });
});
