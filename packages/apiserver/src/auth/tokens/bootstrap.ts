/**
 * Bootstrap tokens (`abcdef.0123456789abcdef`), as upstream's bootstrap token authenticator: the
 * token `<id>.<secret>` is valid when the Secret `kube-system/bootstrap-token-<id>` of type
 * `bootstrap.kubernetes.io/token` holds the same secret, allows authentication, has not expired and
 * is not being deleted. The user is `system:bootstrap:<id>` in `system:bootstrappers` plus the
 * Secret's `auth-extra-groups`.
 */
import { timingSafeEqual } from 'node:crypto';
import type { UserInfo } from '../../server/auth.js';

/** The Secret type of bootstrap tokens. */
export const bootstrapTokenSecretType = 'bootstrap.kubernetes.io/token';
/** Bootstrap token Secrets are named with this prefix followed by the token id. */
export const bootstrapTokenSecretPrefix = 'bootstrap-token-';
/** The group every bootstrap token user is in. */
export const bootstrappersGroup = 'system:bootstrappers';
const tokenPattern = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const extraGroupPattern = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

/** A bootstrap token Secret as read from the store. */
export interface BootstrapSecret {
  type?: string;
  metadata: { name?: string; deletionTimestamp?: string };
  /** base64 values, as Secrets store them. */
  data?: Record<string, string>;
}

/** parseBootstrapToken splits `id.secret`; undefined when the token is not in bootstrap token form. */
export function parseBootstrapToken(token: string): { id: string; secret: string } | undefined {
  const m = tokenPattern.exec(token);
  return m ? { id: m[1] ?? '', secret: m[2] ?? '' } : undefined;
}

/** secretData decodes one base64 data key ('' when absent). */
export function secretData(secret: BootstrapSecret, key: string): string {
  const v = secret.data?.[key];
  return v === undefined ? '' : Buffer.from(v, 'base64').toString('utf8');
}

/** isExpired reports whether the Secret's `expiration` (RFC 3339) has passed. */
export function isExpired(secret: BootstrapSecret, now: Date): boolean {
  const exp = secretData(secret, 'expiration');
  if (!exp) return false;
  const t = Date.parse(exp);
  return Number.isNaN(t) || t <= now.getTime();
}

/**
 * authenticateBootstrapToken validates a token against its Secret (looked up by the caller from
 * `kube-system/bootstrap-token-<id>`). Returns undefined when it is not valid.
 */
export async function authenticateBootstrapToken(
  token: string,
  getSecret: (name: string) => Promise<BootstrapSecret | undefined>,
  now: Date,
): Promise<UserInfo | undefined> {
  const parsed = parseBootstrapToken(token);
  if (!parsed) return undefined;
  const secret = await getSecret(bootstrapTokenSecretPrefix + parsed.id);
  if (!secret || secret.type !== bootstrapTokenSecretType || secret.metadata.deletionTimestamp) return undefined;
  if (secretData(secret, 'token-id') !== parsed.id) return undefined;
  const want = Buffer.from(secretData(secret, 'token-secret'));
  const got = Buffer.from(parsed.secret);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return undefined;
  if (isExpired(secret, now)) return undefined;
  if (secretData(secret, 'usage-bootstrap-authentication') !== 'true') return undefined;
  const extra = secretData(secret, 'auth-extra-groups')
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);
  if (extra.some((g) => !extraGroupPattern.test(g))) return undefined;
  return { name: `system:bootstrap:${parsed.id}`, groups: [bootstrappersGroup, ...extra] };
}
