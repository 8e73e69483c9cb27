import { describe, expect, it } from 'vitest';
import { authenticateBootstrapToken, type BootstrapSecret } from './bootstrap.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const now = new Date('2026-01-01T00:00:00Z');

function secret(data: Record<string, string>, extra: Partial<BootstrapSecret> = {}): BootstrapSecret {
  return {
    type: 'bootstrap.kubernetes.io/token',
    metadata: { name: 'bootstrap-token-abcdef' },
    data: Object.fromEntries(Object.entries({ 'token-id': 'abcdef', 'token-secret': '0123456789abcdef', 'usage-bootstrap-authentication': 'true', ...data }).map(([k, v]) => [k, b64(v)])),
    ...extra,
  };
}

async function auth(token: string, s: BootstrapSecret | undefined) {
  return authenticateBootstrapToken(token, async (name) => (name === 'bootstrap-token-abcdef' ? s : undefined), now);
}

describe('authenticateBootstrapToken', () => {
  it('authenticates as system:bootstrap:<id> with the extra groups', async () => {
    const user = await auth('abcdef.0123456789abcdef', secret({ 'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token' }));
    expect(user).toEqual({ name: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token'] });
  });

  it.each([
    { name: 'a wrong secret', token: 'abcdef.0123456789abcdee', s: secret({}) },
    { name: 'an unknown id', token: 'zzzzzz.0123456789abcdef', s: secret({}) },
    { name: 'an expired token', token: 'abcdef.0123456789abcdef', s: secret({ expiration: '2025-12-31T23:59:59Z' }) },
    { name: 'a token not for authentication', token: 'abcdef.0123456789abcdef', s: secret({ 'usage-bootstrap-authentication': 'false' }) },
    { name: 'a secret of another type', token: 'abcdef.0123456789abcdef', s: secret({}, { type: 'Opaque' }) },
    { name: 'extra groups outside system:bootstrappers:', token: 'abcdef.0123456789abcdef', s: secret({ 'auth-extra-groups': 'system:masters' }) },
    { name: 'a malformed token', token: 'abcdef0123456789abcdef', s: secret({}) },
  ])('refuses $name', async ({ token, s }) => {
    expect(await auth(token, s)).toBeUndefined();
  });

  it('accepts a token that has not expired yet', async () => {
    expect(await auth('abcdef.0123456789abcdef', secret({ expiration: '2026-01-02T00:00:00Z' }))).toBeDefined();
  });
});
