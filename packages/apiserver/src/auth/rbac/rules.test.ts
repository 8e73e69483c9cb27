import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { describe, expect, it } from 'vitest';
import type { Attributes } from '../../server/auth.js';
import { ruleAllows } from './rules.js';

const jane = { name: 'jane', groups: ['system:authenticated'] };

function res(verb: string, resource: string, opts: Partial<Attributes> = {}): Attributes {
  return { user: jane, verb, isResourceRequest: true, apiGroup: '', apiVersion: 'v1', resource, subresource: '', namespace: 'default', name: '', path: '', ...opts };
}

function url(verb: string, path: string): Attributes {
  return { user: jane, verb, isResourceRequest: false, apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '', path };
}

const podsRead: PolicyRule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] };

describe('ruleAllows', () => {
  it.each([
    { name: 'exact verb, group and resource', rule: podsRead, attrs: res('list', 'pods'), want: true },
    { name: 'verb not listed', rule: podsRead, attrs: res('delete', 'pods'), want: false },
    { name: 'other group', rule: podsRead, attrs: res('list', 'pods', { apiGroup: 'apps' }), want: false },
    { name: 'subresource needs its own entry', rule: podsRead, attrs: res('get', 'pods', { subresource: 'log' }), want: false },
    { name: 'pods/log entry', rule: { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }, attrs: res('get', 'pods', { subresource: 'log' }), want: true },
    { name: '*/scale matches any scale subresource', rule: { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] }, attrs: res('get', 'deployments', { apiGroup: 'apps', subresource: 'scale' }), want: true },
    { name: '*/scale does not match the main resource', rule: { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] }, attrs: res('get', 'deployments', { apiGroup: 'apps' }), want: false },
    { name: 'wildcards match everything', rule: { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, attrs: res('delete', 'pods', { subresource: 'exec' }), want: true },
    { name: 'resourceNames allows the named object', rule: { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-info'] }, attrs: res('get', 'configmaps', { name: 'cluster-info' }), want: true },
    { name: 'resourceNames refuses other objects', rule: { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-info'] }, attrs: res('get', 'configmaps', { name: 'other' }), want: false },
    { name: 'resourceNames refuses lists (no name)', rule: { verbs: ['list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-info'] }, attrs: res('list', 'configmaps'), want: false },
    { name: 'resource rule does not allow URLs', rule: podsRead, attrs: url('get', '/healthz'), want: false },
    { name: 'exact URL', rule: { verbs: ['get'], nonResourceURLs: ['/healthz'] }, attrs: url('get', '/healthz'), want: true },
    { name: 'URL prefix with *', rule: { verbs: ['get'], nonResourceURLs: ['/healthz/*'] }, attrs: url('get', '/healthz/etcd'), want: true },
    { name: 'URL prefix does not match the bare path', rule: { verbs: ['get'], nonResourceURLs: ['/apis/*'] }, attrs: url('get', '/apis'), want: false },
    { name: 'URL verb must match', rule: { verbs: ['get'], nonResourceURLs: ['*'] }, attrs: url('post', '/api'), want: false },
  ])('$name', ({ rule, attrs, want }) => {
    expect(ruleAllows(attrs, rule)).toBe(want);
  });
});
