import { GrpcCode, RpcError } from '../errors.js';

const strict = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const alphabet = /[A-Za-z0-9+/]/;

/**
 * decodeBase64 decodes standard, padded base64 exactly as Go's encoding/base64 (and so etcd's
 * gateway) does: CR and LF are skipped, anything else malformed is an InvalidArgument error naming
 * the same input byte Go names.
 */
export function decodeBase64(s: string): Buffer {
  if (strict.test(s)) return Buffer.from(s, 'base64');
  const at = goErrorIndex(s);
  if (at !== undefined) {
    const msg = `illegal base64 data at input byte ${at}`;
    throw new RpcError(GrpcCode.InvalidArgument, msg);
  }
  return Buffer.from(s.replace(/[\r\n]/g, ''), 'base64');
}

const isNewline = (c: string | undefined): boolean => c === '\n' || c === '\r';

/** goErrorIndex returns where Go's decoder reports corrupt input, or undefined if it accepts s. */
function goErrorIndex(s: string): number | undefined {
  const n = s.length;
  let si = 0;
  while (si < n) {
    let j = 0;
    while (j < 4) {
      if (si === n) return j === 0 ? undefined : si - j;
      const c = s[si++]!;
      if (isNewline(c)) continue;
      if (alphabet.test(c)) {
        j++;
        continue;
      }
      if (c !== '=' || j < 2) return si - 1;
      if (j === 2) {
        while (si < n && isNewline(s[si])) si++;
        if (si === n) return n;
        if (s[si] !== '=') return si - 1;
        si++;
      }
      while (si < n && isNewline(s[si])) si++;
      return si < n ? si : undefined;
    }
  }
  return undefined;
}
