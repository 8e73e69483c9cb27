import { generateCA, publicKeyHash } from '@nanokube/pki';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseToken, tokenSecret } from '../token/bootstrap-token.js';
import { clusterInfoConfigMap, signClusterInfo, verifyClusterInfo } from './cluster-info.js';
import { computeDetachedSignature, verifyDetachedSignature } from './jws.js';

const now = new Date('2026-01-01T00:00:00Z');
const token = parseToken('abcdef.0123456789abcdef');
let caPem = '';
let otherCaPem = '';

beforeAll(async () => {
  caPem = (await generateCA('kubernetes')).certPem;
  otherCaPem = (await generateCA('other')).certPem;
});

describe('detached JWS', () => {
  it('verifies with the token that signed and not with another', () => {
    const sig = computeDetachedSignature('content', 'abcdef', '0123456789abcdef');
    expect(sig).toMatch(/^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+$/);
    expect(verifyDetachedSignature(sig, 'content', 'abcdef', '0123456789abcdef')).toBe(true);
    expect(verifyDetachedSignature(sig, 'content', 'abcdef', '0123456789abcdee')).toBe(false);
    expect(verifyDetachedSignature(sig, 'contenT', 'abcdef', '0123456789abcdef')).toBe(false);
  });
});

describe('cluster-info', () => {
  const signed = (): Record<string, string> => {
    const cm = clusterInfoConfigMap(caPem, 'https://192.168.56.10:6443');
    return signClusterInfo(cm.data, [tokenSecret({ token, ttlMs: 0, now })], now) ?? {};
  };

  it('is signed per signing token and verifies with the pinned CA hash', () => {
    const data = signed();
    expect(Object.keys(data).sort()).toEqual(['jws-kubeconfig-abcdef', 'kubeconfig']);
    const cluster = verifyClusterInfo(data, token, [publicKeyHash(caPem)], false);
    expect(cluster.server).toBe('https://192.168.56.10:6443');
    expect(cluster.caPem).toBe(caPem);
  });

  it('is left alone when already signed, and loses signatures of expired or deleted tokens', () => {
    const data = signed();
    expect(signClusterInfo(data, [tokenSecret({ token, ttlMs: 0, now })], now)).toBeUndefined();
    const expired = tokenSecret({ token, ttlMs: 1000, now: new Date(now.getTime() - 10_000) });
    expect(Object.keys(signClusterInfo(data, [expired], now) ?? {})).toEqual(['kubeconfig']);
    expect(Object.keys(signClusterInfo(data, [], now) ?? {})).toEqual(['kubeconfig']);
  });

  it('refuses a CA whose hash is not pinned, with a clear message', () => {
    expect(() => verifyClusterInfo(signed(), token, [publicKeyHash(otherCaPem)], false)).toThrow(
      `cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "${publicKeyHash(caPem)}" are pinned`,
    );
    expect(verifyClusterInfo(signed(), token, [], true).caPem).toBe(caPem);
  });

  it('refuses a token the cluster did not sign for, and a forged signature', () => {
    expect(() => verifyClusterInfo(signed(), parseToken('zzzzzz.0123456789abcdef'), [publicKeyHash(caPem)], false)).toThrow(
      'there is no JWS signed token in the cluster-info ConfigMap. This token id "zzzzzz" is invalid for this cluster',
    );
    expect(() => verifyClusterInfo(signed(), parseToken('abcdef.aaaaaaaaaaaaaaaa'), [publicKeyHash(caPem)], false)).toThrow('failed to verify JWS signature');
  });
});
