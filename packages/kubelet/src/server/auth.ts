/**
 * Authentication and authorization of the kubelet server's clients, as upstream's kubelet does them with
 * `--anonymous-auth=false`, `--authentication-token-webhook` and `--authorization-mode=Webhook`
 * (pkg/kubelet/server/auth.go):
 *
 * - Authentication: a client certificate verified against the client CA during the handshake (CN is
 *   the user, each O a group; it must allow client auth), else a bearer token checked with a
 *   TokenReview. Anything else is 401 `Unauthorized`.
 * - Authorization: a SubjectAccessReview of `<verb> nodes/<subresource>` named after this node, the verb
 *   from the HTTP method and the subresource from the path (`/stats` stats, `/metrics` metrics, `/logs`
 *   log, anything else proxy). A denial is 403 `Forbidden (user=..., verb=..., resource=nodes,
 *   subresource=...)`; a review that could not be made is 500 `Authorization error (...)`.
 * - Answers are cached as upstream's webhooks cache them: token reviews 2 min, allowed 5 min, denied 30 s.
 * - The health paths stay open to anyone (what the kubelet's separate healthz port serves upstream).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { realClock, type Clock, type RestClient } from '@nanokube/client';
import type { Logger } from '@nanokube/component-base';
import { TtlCache } from './ttl-cache.js';

/** Paths served to anyone, even without credentials. */
export const publicPaths: ReadonlySet<string> = new Set(['/healthz', '/healthz/ping', '/livez']);

const clientAuthOid = '1.3.6.1.5.5.7.3.2';

/** An authenticated client of the kubelet. */
export interface KubeletUser {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** What a request asks for: `verb` on `nodes/<subresource>`. */
export interface KubeletRequestAttributes {
  verb: string;
  subresource: string;
}

/** A refusal: 401 without credentials, 403 when not allowed, 500 when authorization could not be decided. */
export interface KubeletAuthDenial {
  code: 401 | 403 | 500;
  message: string;
}

/** The apiserver calls the kubelet makes to authenticate tokens and authorize requests. */
export interface KubeletAuthReviewer {
  /** tokenReview asks who a bearer token belongs to; `user` is undefined when it does not authenticate. */
  tokenReview(token: string): Promise<{ user?: KubeletUser }>;
  /** subjectAccessReview asks whether user may do `attrs` on this node. */
  subjectAccessReview(user: KubeletUser, nodeName: string, attrs: KubeletRequestAttributes): Promise<{ allowed: boolean; reason?: string }>;
}

const methodVerbs: Record<string, string> = { GET: 'get', HEAD: 'get', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

function isSubpath(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** requestAttributes maps an HTTP request on the kubelet to the access it needs, as upstream maps it. */
export function requestAttributes(method: string | undefined, path: string): KubeletRequestAttributes {
  const verb = methodVerbs[(method ?? 'GET').toUpperCase()] ?? '';
  const subresource = isSubpath(path, '/stats') ? 'stats' : isSubpath(path, '/metrics') ? 'metrics' : isSubpath(path, '/logs') ? 'log' : 'proxy';
  return { verb, subresource };
}

function asList(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** certificateUser returns the user of the request's verified client certificate, if any. */
export function certificateUser(req: IncomingMessage): KubeletUser | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (socket.authorized !== true || typeof socket.getPeerCertificate !== 'function') return undefined;
  const cert = socket.getPeerCertificate();
  if (cert.ext_key_usage && !cert.ext_key_usage.includes(clientAuthOid)) return undefined;
  const subject = cert.subject as Record<string, string | string[] | undefined> | undefined;
  const name = asList(subject?.['CN'])[0];
  if (!name) return undefined;
  return { name, groups: asList(subject?.['O']) };
}

/** bearerToken returns the request's `Authorization: Bearer` token, if any. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

/** Options of {@link KubeletAuth}. */
export interface KubeletAuthOptions {
  nodeName: string;
  reviewer: KubeletAuthReviewer;
  log: Logger;
  clock?: Pick<Clock, 'now'>;
  /** Default 2 min (upstream's --authentication-token-webhook-cache-ttl). */
  tokenTtlMs?: number;
  /** Default 5 min (upstream's --authorization-webhook-cache-authorized-ttl). */
  allowedTtlMs?: number;
  /** Default 30 s (upstream's --authorization-webhook-cache-unauthorized-ttl). */
  deniedTtlMs?: number;
}

/** KubeletAuth decides whether a request to the kubelet server may go on. */
export class KubeletAuth {
  private readonly tokens: TtlCache<KubeletUser | null>;
  private readonly decisions: TtlCache<boolean>;

  constructor(private readonly opts: KubeletAuthOptions) {
    const clock = opts.clock ?? realClock;
    this.tokens = new TtlCache(clock);
    this.decisions = new TtlCache(clock);
  }

  /** check returns undefined when the request may go on, else why not. */
  async check(req: IncomingMessage): Promise<KubeletAuthDenial | undefined> {
    const path = new URL(req.url ?? '/', 'https://kubelet').pathname;
    if (publicPaths.has(path)) return undefined;
    let user: KubeletUser | undefined;
    try {
      user = await this.authenticate(req);
    } catch (err) {
      this.opts.log.warn({ err }, 'Could not review a bearer token');
    }
    if (!user) return { code: 401, message: 'Unauthorized' };
    const attrs = requestAttributes(req.method, path);
    const what = `user=${user.name}, verb=${attrs.verb}, resource=nodes, subresource=${attrs.subresource}`;
    try {
      if (await this.authorize(user, attrs)) return undefined;
    } catch (err) {
      this.opts.log.warn({ err, user: user.name }, 'Could not review kubelet access');
      return { code: 500, message: `Authorization error (${what})` };
    }
    return { code: 403, message: `Forbidden (${what})` };
  }

  /** authenticate returns the request's user: its client certificate's, else its bearer token's. */
  async authenticate(req: IncomingMessage): Promise<KubeletUser | undefined> {
    const fromCert = certificateUser(req);
    if (fromCert) return fromCert;
    const token = bearerToken(req);
    if (!token) return undefined;
    const key = createHash('sha256').update(token).digest('hex');
    const cached = this.tokens.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const { user } = await this.opts.reviewer.tokenReview(token);
    this.tokens.set(key, user ?? null, this.opts.tokenTtlMs ?? 120_000);
    return user;
  }

  /** authorize asks (or remembers) whether user may do attrs on this node. */
  async authorize(user: KubeletUser, attrs: KubeletRequestAttributes): Promise<boolean> {
    const key = JSON.stringify([user.name, user.uid ?? '', [...user.groups].sort(), user.extra ?? {}, attrs.verb, attrs.subresource]);
    const cached = this.decisions.get(key);
    if (cached !== undefined) return cached;
    const { allowed } = await this.opts.reviewer.subjectAccessReview(user, this.opts.nodeName, attrs);
    this.decisions.set(key, allowed, allowed ? (this.opts.allowedTtlMs ?? 300_000) : (this.opts.deniedTtlMs ?? 30_000));
    return allowed;
  }
}

interface TokenReviewStatus {
  status?: { authenticated?: boolean; user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> } };
}

interface SubjectAccessReviewStatus {
  status?: { allowed?: boolean; denied?: boolean; reason?: string };
}

/** restAuthReviewer makes TokenReviews and SubjectAccessReviews with the kubelet's own credentials. */
export function restAuthReviewer(rest: RestClient): KubeletAuthReviewer {
  return {
    async tokenReview(token) {
      const review = await rest.request<TokenReviewStatus>({
        method: 'POST',
        path: '/apis/authentication.k8s.io/v1/tokenreviews',
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
      });
      const u = review?.status?.user;
      if (!review?.status?.authenticated || !u?.username) return {};
      return { user: { name: u.username, groups: u.groups ?? [], ...(u.uid ? { uid: u.uid } : {}), ...(u.extra ? { extra: u.extra } : {}) } };
    },
    async subjectAccessReview(user, nodeName, attrs) {
      const review = await rest.request<SubjectAccessReviewStatus>({
        method: 'POST',
        path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: {
            user: user.name,
            groups: user.groups,
            ...(user.uid ? { uid: user.uid } : {}),
            ...(user.extra ? { extra: user.extra } : {}),
            resourceAttributes: { verb: attrs.verb, group: '', version: 'v1', resource: 'nodes', subresource: attrs.subresource, name: nodeName },
          },
        },
      });
      return { allowed: review?.status?.allowed === true, ...(review?.status?.reason ? { reason: review.status.reason } : {}) };
    },
  };
}
