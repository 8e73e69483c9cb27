/**
 * Bound service account tokens, as upstream's pkg/serviceaccount: JWTs signed with the service
 * account key (`sa.key`), scoped to audiences, expiring, optionally bound to a Pod, Secret or Node.
 * Validation checks signature, issuer, audience and time, then that the service account (and the
 * bound object) still exist with the uid the token names.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import type { UserInfo } from '../../server/auth.js';
import { keyId, signJwt, verifyJwt } from './jwt.js';

/** The issuer kubeadm configures (`--service-account-issuer`), also the default API audience. */
export const defaultIssuer = 'https://kubernetes.default.svc.cluster.local';
/** The private claim upstream puts the Kubernetes binding under. */
export const privateClaim = 'kubernetes.io';
/** Tokens the kubelet requests for projected volumes; upstream extends these to a year, warning after the requested time. */
export const kubeletProjectedSeconds = 3607;
const extendedSeconds = 365 * 24 * 3600;
const leewaySeconds = 60;

/** A reference to the object a token is bound to. */
export interface BoundObject {
  kind: 'Pod' | 'Secret' | 'Node';
  name: string;
  uid: string;
}

/** What to issue. */
export interface TokenSpec {
  namespace: string;
  serviceAccount: { name: string; uid: string };
  audiences: string[];
  expirationSeconds: number;
  bound?: BoundObject;
  /** The node a bound pod runs on (upstream's ServiceAccountTokenPodNodeInfo). */
  node?: { name: string; uid: string };
  now: Date;
}

/** An issued token and when it expires. */
export interface IssuedToken {
  token: string;
  expirationTimestamp: Date;
}

/** An object as the validator reads it (only identity fields matter). */
export interface LiveObject {
  metadata: { uid?: string; deletionTimestamp?: string };
}

/** Reads live objects for validation; undefined when absent. */
export type ObjectGetter = (kind: 'ServiceAccount' | 'Pod' | 'Secret' | 'Node', namespace: string, name: string) => Promise<LiveObject | undefined>;

/** Options of {@link ServiceAccountTokens}. */
export interface ServiceAccountTokenOptions {
  signingKey: KeyObject;
  /** Keys accepted when verifying (the signing key's public half is always included). */
  publicKeys?: KeyObject[];
  issuer?: string;
  /** Audiences the API accepts; default [issuer]. */
  apiAudiences?: string[];
  getObject: ObjectGetter;
  /** Extend kubelet projected tokens (3607 s) to a year, as upstream's default. */
  extendExpiration?: boolean;
}

/** The result of authenticating a token: the user and the audiences it was valid for. */
export interface TokenAuthResult {
  user: UserInfo;
  audiences: string[];
}

interface PrivateClaims {
  namespace?: string;
  serviceaccount?: { name?: string; uid?: string };
  pod?: { name?: string; uid?: string };
  secret?: { name?: string; uid?: string };
  node?: { name?: string; uid?: string };
  warnafter?: number;
}

/** ServiceAccountTokens issues and validates bound service account tokens. */
export class ServiceAccountTokens {
  readonly issuer: string;
  readonly apiAudiences: string[];
  private readonly publicKeys: KeyObject[];
  private readonly kid: string;

  constructor(private readonly opts: ServiceAccountTokenOptions) {
    this.issuer = opts.issuer ?? defaultIssuer;
    this.apiAudiences = opts.apiAudiences ?? [this.issuer];
    this.kid = keyId(opts.signingKey);
    this.publicKeys = [...(opts.publicKeys ?? []), opts.signingKey];
  }

  /** issue signs a token for spec (the TokenRequest API). */
  issue(spec: TokenSpec): IssuedToken {
    const iat = Math.floor(spec.now.getTime() / 1000);
    const extend = (this.opts.extendExpiration ?? true) && spec.bound?.kind === 'Pod' && spec.expirationSeconds === kubeletProjectedSeconds;
    const exp = iat + (extend ? extendedSeconds : spec.expirationSeconds);
    const priv: PrivateClaims = { namespace: spec.namespace, serviceaccount: { ...spec.serviceAccount } };
    if (spec.bound?.kind === 'Pod') priv.pod = { name: spec.bound.name, uid: spec.bound.uid };
    if (spec.bound?.kind === 'Secret') priv.secret = { name: spec.bound.name, uid: spec.bound.uid };
    if (spec.bound?.kind === 'Node') priv.node = { name: spec.bound.name, uid: spec.bound.uid };
    else if (spec.node) priv.node = { ...spec.node };
    if (extend) priv.warnafter = iat + spec.expirationSeconds;
    const claims = {
      aud: spec.audiences,
      exp,
      iat,
      iss: this.issuer,
      jti: randomUUID(),
      [privateClaim]: priv,
      nbf: iat,
      sub: `system:serviceaccount:${spec.namespace}:${spec.serviceAccount.name}`,
    };
    return { token: signJwt(claims, this.opts.signingKey, this.kid), expirationTimestamp: new Date(exp * 1000) };
  }

  /**
   * authenticate validates a token for any of `audiences` (default: the API audiences). Returns
   * undefined for tokens this issuer did not sign or that are no longer valid.
   */
  async authenticate(token: string, now: Date, audiences: readonly string[] = this.apiAudiences): Promise<TokenAuthResult | undefined> {
    const jwt = verifyJwt(token, this.publicKeys);
    if (!jwt) return undefined;
    const c = jwt.claims;
    if (c['iss'] !== this.issuer) return undefined;
    const t = Math.floor(now.getTime() / 1000);
    if (typeof c['exp'] !== 'number' || c['exp'] + leewaySeconds < t) return undefined;
    if (typeof c['nbf'] === 'number' && c['nbf'] - leewaySeconds > t) return undefined;
    const aud = typeof c['aud'] === 'string' ? [c['aud']] : Array.isArray(c['aud']) ? (c['aud'] as unknown[]).filter((a): a is string => typeof a === 'string') : [];
    const matched = aud.filter((a) => audiences.includes(a));
    if (matched.length === 0) return undefined;
    const priv = (c[privateClaim] ?? {}) as PrivateClaims;
    const ns = priv.namespace;
    const sa = priv.serviceaccount;
    if (!ns || !sa?.name || !sa.uid) return undefined;
    if (c['sub'] !== `system:serviceaccount:${ns}:${sa.name}`) return undefined;
    if (!(await this.live('ServiceAccount', ns, sa.name, sa.uid, now))) return undefined;
    if (priv.pod && !(await this.live('Pod', ns, priv.pod.name, priv.pod.uid, now))) return undefined;
    if (priv.secret && !(await this.live('Secret', ns, priv.secret.name, priv.secret.uid, now))) return undefined;
    const extra: Record<string, string[]> = {};
    if (typeof c['jti'] === 'string') extra['authentication.kubernetes.io/credential-id'] = [`JTI=${c['jti']}`];
    if (priv.pod?.name) extra['authentication.kubernetes.io/pod-name'] = [priv.pod.name];
    if (priv.pod?.uid) extra['authentication.kubernetes.io/pod-uid'] = [priv.pod.uid];
    if (priv.node?.name) extra['authentication.kubernetes.io/node-name'] = [priv.node.name];
    if (priv.node?.uid) extra['authentication.kubernetes.io/node-uid'] = [priv.node.uid];
    return {
      user: {
        name: `system:serviceaccount:${ns}:${sa.name}`,
        uid: sa.uid,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`],
        ...(Object.keys(extra).length ? { extra } : {}),
      },
      audiences: matched,
    };
  }

  private async live(kind: 'ServiceAccount' | 'Pod' | 'Secret', ns: string, name: string | undefined, uid: string | undefined, now: Date): Promise<boolean> {
    if (!name) return false;
    const obj = await this.opts.getObject(kind, ns, name);
    if (!obj || (uid && obj.metadata.uid !== uid)) return false;
    const deleted = obj.metadata.deletionTimestamp;
    return !(deleted && Date.parse(deleted) <= now.getTime());
  }
}
