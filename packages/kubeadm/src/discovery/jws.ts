/**
 * Detached JWS with HS256, as the bootstrap signer writes into cluster-info
 * (`jws-kubeconfig-<token-id>`): the protected header names the token id, the key is the token
 * secret, and the payload (the kubeconfig) is left out of the compact form (`header..signature`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const b64url = (s: string | Buffer): string => Buffer.from(s).toString('base64url');

/** computeDetachedSignature signs content for a token. */
export function computeDetachedSignature(content: string, tokenId: string, tokenSecret: string): string {
  const header = b64url(JSON.stringify({ alg: 'HS256', kid: tokenId }));
  const sig = createHmac('sha256', tokenSecret).update(`${header}.${b64url(content)}`).digest();
  return `${header}..${b64url(sig)}`;
}

/** verifyDetachedSignature checks a detached signature over content with the token. */
export function verifyDetachedSignature(detached: string, content: string, tokenId: string, tokenSecret: string): boolean {
  const parts = detached.split('.');
  if (parts.length !== 3 || parts[1] !== '') return false;
  const [header, , sig] = parts as [string, string, string];
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
  } catch {
    return false;
  }
  const h = parsed as { alg?: string; kid?: string };
  if (h.alg !== 'HS256' || h.kid !== tokenId) return false;
  const want = createHmac('sha256', tokenSecret).update(`${header}.${b64url(content)}`).digest();
  const got = Buffer.from(sig, 'base64url');
  return got.length === want.length && timingSafeEqual(got, want);
}
