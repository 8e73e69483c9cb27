import { describe, expect, it } from 'vitest';
import { parseRequestInfo } from './request-info.js';

describe('parseRequestInfo', () => {
  it.each([
    { name: 'namespaced list', method: 'GET', path: '/api/v1/namespaces/default/pods', want: { verb: 'list', apiGroup: '', apiVersion: 'v1', namespace: 'default', resource: 'pods', name: '' } },
    { name: 'all-namespace list', method: 'GET', path: '/apis/apps/v1/deployments', want: { verb: 'list', apiGroup: 'apps', resource: 'deployments', namespace: '' } },
    { name: 'watch', method: 'GET', path: '/api/v1/pods', watch: 'true', want: { verb: 'watch', resource: 'pods' } },
    { name: 'watch=1 of one object', method: 'GET', path: '/api/v1/namespaces/a/pods/x', watch: '1', want: { verb: 'watch', name: 'x' } },
    { name: 'get', method: 'GET', path: '/api/v1/namespaces/a/pods/x', want: { verb: 'get', namespace: 'a', resource: 'pods', name: 'x' } },
    { name: 'subresource', method: 'PATCH', path: '/apis/apps/v1/namespaces/a/deployments/d/scale', want: { verb: 'patch', resource: 'deployments', name: 'd', subresource: 'scale' } },
    { name: 'create', method: 'POST', path: '/api/v1/namespaces/a/pods', want: { verb: 'create', resource: 'pods' } },
    { name: 'deletecollection', method: 'DELETE', path: '/api/v1/namespaces/a/pods', want: { verb: 'deletecollection' } },
    { name: 'namespace object', method: 'GET', path: '/api/v1/namespaces/team', want: { verb: 'get', resource: 'namespaces', name: 'team', namespace: 'team' } },
    { name: 'namespace finalize', method: 'PUT', path: '/api/v1/namespaces/team/finalize', want: { verb: 'update', resource: 'namespaces', name: 'team', subresource: 'finalize' } },
    { name: 'namespace list', method: 'GET', path: '/api/v1/namespaces', want: { verb: 'list', resource: 'namespaces', namespace: '' } },
    { name: 'cluster-scoped', method: 'GET', path: '/api/v1/nodes/n1/status', want: { resource: 'nodes', name: 'n1', subresource: 'status' } },
    { name: 'proxy path', method: 'GET', path: '/api/v1/namespaces/a/pods/p/proxy/x/y', want: { subresource: 'proxy', rest: ['x', 'y'] } },
  ])('parses $name', ({ method, path, watch, want }) => {
    const info = parseRequestInfo(method, path, watch);
    expect(info.isResourceRequest).toBe(true);
    expect(info).toMatchObject(want);
  });

  it.each([
    { path: '/api', apiVersion: '' },
    { path: '/api/v1', apiVersion: 'v1' },
    { path: '/apis/apps', apiGroup: 'apps' },
    { path: '/apis/apps/v1', apiGroup: 'apps', apiVersion: 'v1' },
    { path: '/healthz' },
  ])('treats $path as a non-resource request', ({ path, ...want }) => {
    const info = parseRequestInfo('GET', path);
    expect(info.isResourceRequest).toBe(false);
    expect(info.verb).toBe('get');
    expect(info).toMatchObject(want);
  });
});
