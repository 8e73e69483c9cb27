import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Attributes, Authorizer } from '../server/auth.js';
import { impersonate } from './impersonation.js';

const admin = { name: 'admin', groups: ['system:authenticated'] };
const req = (headers: Record<string, string | string[]>): IncomingMessage => ({ headers }) as unknown as IncomingMessage;

describe('impersonate', () => {
  const seen: Attributes[] = [];
  const allowAll: Authorizer = (a) => {
    seen.push(a);
    return { allowed: true };
  };
  const onlyUsers: Authorizer = (a) => ({ allowed: a.resource === 'users' });

  it('returns the real user without impersonation headers', async () => {
    expect(await impersonate(req({}), admin, allowAll)).toBe(admin);
  });

  it('acts as the requested user and groups after impersonate checks', async () => {
    seen.length = 0;
    const u = await impersonate(req({ 'impersonate-user': 'jane', 'impersonate-group': 'devs, ops' }), admin, allowAll);
    expect(u).toEqual({ name: 'jane', groups: ['devs', 'ops', 'system:authenticated'] });
    expect(seen.map((a) => `${a.verb} ${a.resource} ${a.name}`)).toEqual(['impersonate users jane', 'impersonate groups devs', 'impersonate groups ops']);
  });

  it('gives service accounts their groups and checks the serviceaccounts resource', async () => {
    seen.length = 0;
    const u = await impersonate(req({ 'impersonate-user': 'system:serviceaccount:ci:builder' }), admin, allowAll);
    expect(u.groups).toEqual(['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated']);
    expect(seen[0]).toMatchObject({ resource: 'serviceaccounts', namespace: 'ci', name: 'builder' });
  });

  it('refuses with upstream wording when a check fails', async () => {
    await expect(impersonate(req({ 'impersonate-user': 'jane', 'impersonate-group': 'system:masters' }), admin, onlyUsers)).rejects.toThrow(
      'groups "system:masters" is forbidden: User "admin" cannot impersonate resource "groups" in API group "" at the cluster scope',
    );
  });
});
