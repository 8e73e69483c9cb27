/**
 * List continue tokens in upstream's format: base64 of `{"v":"meta.k8s.io/v1","rv":R,"start":S}`,
 * where R is the revision of the first page (every page is read at it, so the pages form one
 * consistent snapshot) and S the next key relative to the listed prefix.
 */
import { newBadRequest } from '@nanokube/api';

/** A decoded continue token. */
export interface ContinueToken {
  rv: number;
  /** The first key of the next page, relative to the listed prefix. */
  start: string;
}

/** encodeContinue renders the token for the page after `lastKey`. */
export function encodeContinue(rv: number, listPrefix: string, lastKey: string): string {
  const start = `${lastKey.slice(listPrefix.length)}\u0000`;
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64');
}

/** decodeContinue parses a token; 400 `continue key is not valid: ...` on garbage. */
export function decodeContinue(token: string): ContinueToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    throw newBadRequest('continue key is not valid: invalid character in continue token');
  }
  const t = parsed as { v?: unknown; rv?: unknown; start?: unknown };
  if (t === null || typeof t !== 'object' || t.v !== 'meta.k8s.io/v1') {
    throw newBadRequest('continue key is not valid: server does not recognize this encoded version');
  }
  if (typeof t.rv !== 'number' || !Number.isSafeInteger(t.rv) || t.rv <= 0 || typeof t.start !== 'string' || !t.start) {
    throw newBadRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
  if (t.start.startsWith('/') || t.start.split('/').some((seg) => seg === '..' || seg === '.')) {
    throw newBadRequest('continue key is not valid: continue key must not be a path');
  }
  return { rv: t.rv, start: t.start };
}
