import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { peekClaims, signJwt, verifyJwt } from './jwt.js';
import { ServiceAccountTokens, type LiveObject } from './service-account.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const now = new Date('2026-01-01T00:00:00Z');

function fixture(objects: Record<string, LiveObject>): ServiceAccountTokens {
  return new ServiceAccountTokens({ signingKey: privateKey, getObject: async (kind, ns, name) => objects[`${kind}/${ns}/${name}`] });
}

const live = { 'ServiceAccount/default/build': { metadata: { uid: 'sa-1' } }, 'Pod/default/web': { metadata: { uid: 'pod-1' } } };
const base = { namespace: 'default', serviceAccount: { name: 'build', uid: 'sa-1' }, audiences: ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: 3600, now };

describe('jwt', () => {
  it('verifies its own signature and rejects other keys and tampering', () => {
    const t = signJwt({ sub: 'x' }, privateKey);
    expect(verifyJwt(t, [privateKey])?.claims['sub']).toBe('x');
    expect(verifyJwt(t, [other])).toBeUndefined();
    const [h, , s] = t.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ sub: 'admin' })).toString('base64url')}.${s}`;
    expect(verifyJwt(forged, [privateKey])).toBeUndefined();
  });
});

describe('ServiceAccountTokens', () => {
  it('issues upstream claims and authenticates them as the service account', async () => {
    const tokens = fixture(live);
    const { token, expirationTimestamp } = tokens.issue(base);
    const c = peekClaims(token) ?? {};
    expect(c).toMatchObject({
      iss: 'https://kubernetes.default.svc.cluster.local',
      sub: 'system:serviceaccount:default:build',
      aud: ['https://kubernetes.default.svc.cluster.local'],
      iat: now.getTime() / 1000,
      nbf: now.getTime() / 1000,
      exp: now.getTime() / 1000 + 3600,
      'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'build', uid: 'sa-1' } },
    });
    expect(expirationTimestamp.toISOString()).toBe('2026-01-01T01:00:00.000Z');
    const res = await tokens.authenticate(token, now);
    expect(res?.user).toMatchObject({ name: 'system:serviceaccount:default:build', uid: 'sa-1', groups: ['system:serviceaccounts', 'system:serviceaccounts:default'] });
  });

  it('rejects expired tokens, other audiences and recreated service accounts', async () => {
    const tokens = fixture(live);
    const { token } = tokens.issue(base);
    expect(await tokens.authenticate(token, new Date(now.getTime() + 2 * 3600_000))).toBeUndefined();
    expect(await tokens.authenticate(token, now, ['vault'])).toBeUndefined();
    const recreated = fixture({ 'ServiceAccount/default/build': { metadata: { uid: 'sa-2' } } });
    expect(await recreated.authenticate(token, now)).toBeUndefined();
  });

  it('binds to a pod: pod claims, extra, and invalid once the pod is gone', async () => {
    const tokens = fixture(live);
    const { token } = tokens.issue({ ...base, bound: { kind: 'Pod', name: 'web', uid: 'pod-1' } });
    const res = await tokens.authenticate(token, now);
    expect(res?.user.extra?.['authentication.kubernetes.io/pod-name']).toEqual(['web']);
    const withoutPod = fixture({ 'ServiceAccount/default/build': { metadata: { uid: 'sa-1' } } });
    expect(await withoutPod.authenticate(token, now)).toBeUndefined();
  });

  it('extends kubelet projected tokens (3607 s) to a year with warnafter', () => {
    const { token } = fixture(live).issue({ ...base, expirationSeconds: 3607, bound: { kind: 'Pod', name: 'web', uid: 'pod-1' } });
    const c = peekClaims(token) ?? {};
    expect(c['exp']).toBe(now.getTime() / 1000 + 365 * 24 * 3600);
    expect((c['kubernetes.io'] as { warnafter?: number }).warnafter).toBe(now.getTime() / 1000 + 3607);
  });
});
