/**
 * Authentication and authorization, shaped as upstream's chains: authenticators run in order (x509
 * client certificates first, bearer-token authenticators can be appended later) and the first to
 * recognise credentials wins; a request with no credentials is `system:anonymous`. Authorization sees
 * upstream's request attributes so that RBAC can replace the default policy without touching the router.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket, PeerCertificate } from 'node:tls';
import { newStatus, newUnauthorized, qualifiedResource, StatusError } from '@nanokube/api';
import type { RequestInfo } from './request-info.js';

/** Who is asking, as upstream's user.Info. */
export interface UserInfo {
  name: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

/**
 * Authenticator inspects one request. Returns the user when it recognises valid credentials, undefined
 * when the request carries none of its kind, and throws a 401 StatusError for credentials of its kind
 * that are invalid (an unknown token, a certificate from another CA).
 */
export type Authenticator = (req: IncomingMessage) => UserInfo | undefined | Promise<UserInfo | undefined>;

/** The anonymous user upstream assigns to requests without credentials. */
export const anonymousUser: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

const clientAuthOid = '1.3.6.1.5.5.7.3.2';
const certUsers = new WeakMap<object, UserInfo | null>();

/**
 * x509Authenticator maps a verified client certificate to a user: CN is the name, each O a group, as
 * upstream's x509 request authenticator. The TLS server verifies the chain against the client CA;
 * results are cached per connection.
 */
export const x509Authenticator: Authenticator = (req) => {
  const socket = req.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const cached = certUsers.get(socket);
  if (cached !== undefined) {
    if (cached === null) return undefined;
    return cached;
  }
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) {
    certUsers.set(socket, null);
    return undefined;
  }
  if (!socket.authorized) {
    throw newUnauthorized();
  }
  const eku = (cert as PeerCertificate & { ext_key_usage?: string[] }).ext_key_usage;
  if (Array.isArray(eku) && !eku.includes(clientAuthOid)) throw newUnauthorized();
  const user = userFromSubject(cert.subject);
  certUsers.set(socket, user);
  return user;
};

function userFromSubject(subject: PeerCertificate['subject'] | undefined): UserInfo {
  const cn = subject?.CN;
  const o = subject?.O as string | string[] | undefined;
  const name = Array.isArray(cn) ? (cn[0] ?? '') : (cn ?? '');
  const orgs = o === undefined ? [] : Array.isArray(o) ? o : [o];
  return { name, groups: [...orgs, 'system:authenticated'] };
}

/**
 * bearerTokenAuthenticator adapts a token lookup (service account JWTs, bootstrap tokens, static
 * tokens) to the chain: undefined without `Authorization: Bearer`, 401 for a token nobody knows.
 */
export function bearerTokenAuthenticator(lookup: (token: string) => UserInfo | undefined | Promise<UserInfo | undefined>): Authenticator {
  return async (req) => {
    const h = req.headers.authorization;
    if (!h) return undefined;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    if (!m || !m[1]) return undefined;
    const user = await lookup(m[1]);
    if (!user) throw newUnauthorized();
    return { ...user, groups: user.groups.includes('system:authenticated') ? user.groups : [...user.groups, 'system:authenticated'] };
  };
}

/** authenticate runs the chain; anonymous when no authenticator recognised credentials. */
export async function authenticate(chain: readonly Authenticator[], req: IncomingMessage): Promise<UserInfo> {
  for (const a of chain) {
    const user = await a(req);
    if (user) return user;
  }
  if (req.headers.authorization && /^Bearer\s/i.test(req.headers.authorization)) throw newUnauthorized();
  return anonymousUser;
}

/** The attributes an authorizer decides on, as upstream's authorizer.Attributes. */
export interface Attributes {
  user: UserInfo;
  verb: string;
  isResourceRequest: boolean;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  path: string;
}

/** An authorizer's answer. `reason` is appended to the Forbidden message when denied. */
export interface Decision {
  allowed: boolean;
  reason?: string;
}

/** Authorizer decides whether a user may perform a request (RBAC plugs in here). */
export type Authorizer = (attrs: Attributes) => Decision | Promise<Decision>;

/** attributesFor builds authorization attributes from a parsed request. */
export function attributesFor(user: UserInfo, info: RequestInfo): Attributes {
  return {
    user,
    verb: info.verb,
    isResourceRequest: info.isResourceRequest,
    apiGroup: info.apiGroup,
    apiVersion: info.apiVersion,
    resource: info.resource,
    subresource: info.subresource,
    namespace: info.namespace,
    name: info.name,
    path: info.path,
  };
}

const publicInfoPaths = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);

/**
 * defaultAuthorizer is the policy until RBAC exists: every authenticated user may do everything;
 * unauthenticated users may only read the public health and version paths (upstream's
 * system:public-info-viewer).
 */
export const defaultAuthorizer: Authorizer = (attrs) => {
  if (attrs.user.groups.includes('system:authenticated')) return { allowed: true };
  if (!attrs.isResourceRequest && attrs.verb === 'get') {
    const p = attrs.path;
    if (publicInfoPaths.has(p) || p.startsWith('/healthz/') || p.startsWith('/livez/') || p.startsWith('/readyz/')) {
      return { allowed: true };
    }
  }
  return { allowed: false };
};

/** forbidden renders upstream's Forbidden Status for a denied request. */
export function forbidden(attrs: Attributes, reason?: string): StatusError {
  const who = `User "${attrs.user.name}"`;
  const suffix = reason ? `: ${reason}` : '';
  if (!attrs.isResourceRequest) {
    return new StatusError(newStatus('Forbidden', `forbidden: ${who} cannot ${attrs.verb} path "${attrs.path}"${suffix}`, {}));
  }
  const res = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  const scope = attrs.namespace ? `in the namespace "${attrs.namespace}"` : 'at the cluster scope';
  const why = `${who} cannot ${attrs.verb} resource "${res}" in API group "${attrs.apiGroup}" ${scope}${suffix}`;
  const gr = { group: attrs.apiGroup, resource: attrs.resource };
  const subject = attrs.name ? `${qualifiedResource(gr)} "${attrs.name}"` : qualifiedResource(gr);
  return new StatusError(
    newStatus('Forbidden', `${subject} is forbidden: ${why}`, {
      ...(attrs.name ? { name: attrs.name } : {}),
      ...(attrs.apiGroup ? { group: attrs.apiGroup } : {}),
      kind: attrs.resource,
    }),
  );
}
