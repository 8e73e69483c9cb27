/**
 * Compact JWS (RFC 7515) with RS256, enough for service account tokens: sign a claims object and
 * verify a token's signature with the issuer's key. Claim checks (exp, nbf, aud, iss) belong to the
 * caller, which knows its clock and audiences.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/** A decoded, signature-verified token. */
export interface VerifiedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** keyId is upstream's `kid`: the unpadded base64url SHA-256 of the public key's DER SubjectPublicKeyInfo. */
export function keyId(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('base64url');
}

/** signJwt returns `header.payload.signature` signed with RS256. */
export function signJwt(claims: Record<string, unknown>, privateKey: KeyObject, kid = keyId(privateKey)): string {
  const head = b64url(JSON.stringify({ alg: 'RS256', kid }));
  const body = b64url(JSON.stringify(claims));
  const sig = sign('sha256', Buffer.from(`${head}.${body}`), privateKey);
  return `${head}.${body}.${b64url(sig)}`;
}

/** looksLikeJwt reports whether a bearer token has the three-part JWS shape. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

function parseJson(part: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** verifyJwt checks an RS256 signature against any of the keys; undefined when malformed or not signed by them. */
export function verifyJwt(token: string, publicKeys: readonly KeyObject[]): VerifiedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  const header = parseJson(h);
  const claims = parseJson(p);
  if (!header || !claims || header['alg'] !== 'RS256') return undefined;
  const data = Buffer.from(`${h}.${p}`);
  const sig = Buffer.from(s, 'base64url');
  for (const key of publicKeys) {
    try {
      if (verify('sha256', data, key, sig)) return { header, claims };
    } catch {
      // A key of another type cannot verify this token; try the next one.
    }
  }
  return undefined;
}

/** peekClaims decodes a JWT's claims without verifying it (to route a token to its verifier). */
export function peekClaims(token: string): Record<string, unknown> | undefined {
  const p = token.split('.')[1];
  return p ? parseJson(p) : undefined;
}
