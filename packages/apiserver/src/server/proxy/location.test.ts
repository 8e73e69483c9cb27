import { StatusError } from '@nanokube/api';
import type { Endpoints, Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { proxiedPath } from './forward.js';
import { isProxyableAddress, podTarget, serviceTarget, splitSchemeNamePort } from './location.js';

describe('proxy locations', () => {
  it('splits name, name:port and scheme:name:port as upstream', () => {
    expect(splitSchemeNamePort('web')).toEqual({ raw: 'web', scheme: '', name: 'web', port: '' });
    expect(splitSchemeNamePort('web:80')).toEqual({ raw: 'web:80', scheme: '', name: 'web', port: '80' });
    expect(splitSchemeNamePort('https:web:443')).toEqual({ raw: 'https:web:443', scheme: 'https', name: 'web', port: '443' });
    expect(splitSchemeNamePort('ftp:web:21')).toBeUndefined();
    expect(splitSchemeNamePort(':80')).toBeUndefined();
    expect(splitSchemeNamePort('a:b:c:d')).toBeUndefined();
  });

  it('takes the path after /proxy from the raw URL, keeping a trailing slash', () => {
    expect(proxiedPath('/api/v1/namespaces/d/pods/web:80/proxy/a/b/', 'pods', 'web:80')).toBe('/a/b/');
    expect(proxiedPath('/api/v1/namespaces/d/pods/web/proxy/', 'pods', 'web')).toBe('/');
    expect(proxiedPath('/api/v1/namespaces/d/pods/web/proxy', 'pods', 'web')).toBe('');
    expect(proxiedPath('/api/v1/namespaces/d/services/http%3Aback%3A80/proxy/x%20y', 'services', 'http:back:80')).toBe('/x%20y');
  });

  it('refuses unspecified, link-local and multicast addresses', () => {
    for (const ip of ['10.244.0.5', '127.0.0.1', '2001:db8::1']) expect(isProxyableAddress(ip)).toBe(true);
    for (const ip of ['', '0.0.0.0', '169.254.169.254', '224.0.0.1', '::', 'fe80::1', 'ff02::1', 'web']) expect(isProxyableAddress(ip)).toBe(false);
    const pod = (ip: string): Pod => ({ spec: { containers: [{ name: 'c', ports: [{ containerPort: 8080 }] }] }, status: { podIPs: [{ ip }] } });
    expect(podTarget(pod('10.0.0.9'), { raw: 'p', scheme: '', name: 'p', port: '' })).toEqual({ scheme: 'http', host: '10.0.0.9', port: 8080 });
    expect(() => podTarget(pod('169.254.169.254'), { raw: 'p', scheme: '', name: 'p', port: '' })).toThrow('address not allowed');
  });

  it('picks a service endpoint only when its pod carries the address', async () => {
    const eps: Endpoints = {
      subsets: [{
        addresses: [{ ip: '10.0.0.1', targetRef: { kind: 'Pod', name: 'gone', namespace: 'd' } }, { ip: '10.0.0.2', targetRef: { kind: 'Pod', name: 'b', namespace: 'd' } }, { ip: '10.0.0.3' }],
        ports: [{ name: 'http', port: 8080 }],
      }],
    };
    const id = { raw: 'svc:http', scheme: '' as const, name: 'svc', port: 'http' };
    const ips = async (name: string): Promise<string[] | undefined> => (name === 'b' ? ['10.0.0.2'] : undefined);
    for (let seed = 0; seed < 3; seed++) {
      expect(await serviceTarget(eps, id, 'http', 'd', ips, () => seed)).toEqual({ scheme: 'http', host: '10.0.0.2', port: 8080 });
    }
    const err = await serviceTarget(eps, id, 'metrics', 'd', ips).catch((e: unknown) => e);
    expect(err instanceof StatusError && err.code).toBe(503);
  });
});
