/** Content digests: every manifest, config and blob is addressed by `sha256:<hex>` and checked on arrival. */
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { ImageError } from './errors.js';

const digestRe = /^sha256:([a-f0-9]{64})$/;

/** sha256Digest returns `sha256:<hex>` of bytes. */
export function sha256Digest(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** digestHex returns the hex part of a `sha256:` digest, rejecting any other algorithm or form. */
export function digestHex(digest: string): string {
  const m = digestRe.exec(digest);
  if (!m?.[1]) throw new ImageError('MK_ERR_IMAGE_UNSUPPORTED', `unsupported digest "${digest}"`);
  return m[1];
}

/** isDigest reports whether s is a well-formed `sha256:<hex>` digest. */
export function isDigest(s: string): boolean {
  return digestRe.test(s);
}

/** verifyBytes throws `MK_ERR_IMAGE_DIGEST_MISMATCH` unless bytes hash to expected. */
export function verifyBytes(bytes: Uint8Array, expected: string, what: string): void {
  const actual = sha256Digest(bytes);
  if (actual !== expected) throw digestMismatch(what, expected, actual);
}

/** digestMismatch builds the error for content that hashed to the wrong digest (containerd's wording). */
export function digestMismatch(what: string, expected: string, actual: string): ImageError {
  return new ImageError(
    'MK_ERR_IMAGE_DIGEST_MISMATCH',
    `failed commit on ref "${what}": unexpected commit digest ${actual}, expected ${expected}: failed precondition`,
  );
}

/** chainIds computes OCI ChainIDs from layer diffIDs (lowest first): chain(n) = sha256(chain(n-1) + " " + diff(n)). */
export function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const diff of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? diff : sha256Digest(`${prev} ${diff}`));
  }
  return out;
}

/** HashingStream passes bytes through unchanged while hashing and counting them. */
export class HashingStream extends Transform {
  private readonly hash = createHash('sha256');
  /** Bytes seen so far. */
  size = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    cb(null, chunk);
  }

  /** digest returns `sha256:<hex>` of everything seen; call once, after the stream ended. */
  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}
