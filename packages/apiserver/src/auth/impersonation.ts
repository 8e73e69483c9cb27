/**
 * Impersonation, as upstream's WithImpersonation filter: `Impersonate-User`, `Impersonate-Group`,
 * `Impersonate-Uid` and `Impersonate-Extra-<key>` headers make the request act as another user,
 * after the real user is authorized for the `impersonate` verb on users, groups, serviceaccounts,
 * uids and userextras/<key>.
 */
import type { IncomingMessage } from 'node:http';
import { newBadRequest } from '@nanokube/api';
import { forbidden, type Attributes, type Authorizer, type UserInfo } from '../server/auth.js';

const extraPrefix = 'impersonate-extra-';
const saPrefix = 'system:serviceaccount:';

function headerValues(req: IncomingMessage, name: string): string[] {
  const v = req.headers[name];
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  // Node joins repeated custom headers with ", "; Impersonate-Group is sent once per group.
  return list.flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);
}

function attrs(user: UserInfo, group: string, resource: string, name: string, namespace = ''): Attributes {
  return { user, verb: 'impersonate', isResourceRequest: true, apiGroup: group, apiVersion: '', resource, subresource: '', namespace, name, path: '' };
}

/** hasImpersonationHeaders reports whether a request asks to impersonate. */
export function hasImpersonationHeaders(req: IncomingMessage): boolean {
  return Object.keys(req.headers).some((h) => h === 'impersonate-user' || h === 'impersonate-group' || h === 'impersonate-uid' || h.startsWith(extraPrefix));
}

/**
 * impersonate returns the user a request acts as: `user` itself without impersonation headers,
 * otherwise the impersonated user once every requested attribute is authorized (403 otherwise).
 */
export async function impersonate(req: IncomingMessage, user: UserInfo, authorizer: Authorizer): Promise<UserInfo> {
  if (!hasImpersonationHeaders(req)) return user;
  const rawUser = req.headers['impersonate-user'];
  const name = (Array.isArray(rawUser) ? rawUser[0] : rawUser)?.trim() ?? '';
  const groups = headerValues(req, 'impersonate-group');
  const uidHeader = req.headers['impersonate-uid'];
  const uid = (Array.isArray(uidHeader) ? uidHeader[0] : uidHeader)?.trim() ?? '';
  const extra: Record<string, string[]> = {};
  for (const h of Object.keys(req.headers)) {
    if (!h.startsWith(extraPrefix)) continue;
    extra[decodeURIComponent(h.slice(extraPrefix.length))] = headerValues(req, h);
  }
  if (!name) throw newBadRequest('requested impersonation of groups, uid or extras without impersonating a user');
  const checks: Attributes[] = [];
  if (name.startsWith(saPrefix)) {
    const [ns, sa] = name.slice(saPrefix.length).split(':');
    checks.push(attrs(user, '', 'serviceaccounts', sa ?? '', ns ?? ''));
  } else {
    checks.push(attrs(user, '', 'users', name));
  }
  for (const g of groups) checks.push(attrs(user, '', 'groups', g));
  if (uid) checks.push(attrs(user, 'authentication.k8s.io', 'uids', uid));
  for (const [k, vs] of Object.entries(extra)) for (const v of vs) checks.push(attrs(user, 'authentication.k8s.io', `userextras/${k}`, v));
  for (const a of checks) {
    const d = await authorizer(a);
    if (!d.allowed) throw forbidden(a, d.reason);
  }
  return impersonatedUser(name, groups, uid, extra);
}

function impersonatedUser(name: string, groups: string[], uid: string, extra: Record<string, string[]>): UserInfo {
  const out = [...groups];
  if (name.startsWith(saPrefix) && groups.length === 0) {
    const ns = name.slice(saPrefix.length).split(':')[0] ?? '';
    out.push('system:serviceaccounts', `system:serviceaccounts:${ns}`);
  }
  if (name === 'system:anonymous') {
    if (!out.includes('system:unauthenticated')) out.push('system:unauthenticated');
  } else if (!out.includes('system:authenticated')) {
    out.push('system:authenticated');
  }
  return { name, groups: out, ...(uid ? { uid } : {}), ...(Object.keys(extra).length ? { extra } : {}) };
}
