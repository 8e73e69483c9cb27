/**
 * A fixed-size bitmap of allocated offsets, serialised compactly (raw deflate + base64) for the
 * store: the 2^20 addresses of a /12 service range then cost a few bytes while mostly free.
 */
import { randomInt } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

export class Bitmap {
  private readonly bits: Uint8Array;

  constructor(
    readonly size: number,
    bits?: Uint8Array,
  ) {
    const bytes = Math.ceil(size / 8);
    this.bits = bits && bits.length === bytes ? bits : new Uint8Array(bytes);
  }

  /** decode reads a bitmap serialised by encode (an empty string is an empty bitmap). */
  static decode(size: number, data: string): Bitmap {
    if (!data) return new Bitmap(size);
    return new Bitmap(size, new Uint8Array(inflateRawSync(Buffer.from(data, 'base64'))));
  }

  encode(): string {
    return deflateRawSync(this.bits).toString('base64');
  }

  has(i: number): boolean {
    return ((this.bits[i >> 3] as number) & (1 << (i & 7))) !== 0;
  }

  set(i: number): void {
    this.bits[i >> 3] = (this.bits[i >> 3] as number) | (1 << (i & 7));
  }

  clear(i: number): void {
    this.bits[i >> 3] = (this.bits[i >> 3] as number) & ~(1 << (i & 7));
  }

  /** count returns the number of allocated offsets. */
  count(): number {
    let n = 0;
    for (const b of this.bits) {
      let v = b;
      while (v) {
        v &= v - 1;
        n++;
      }
    }
    return n;
  }

  /**
   * findFree returns a free offset in [lo, hi) starting from a random point and scanning upward
   * (wrapping), skipping `skip`; undefined when that band is full.
   */
  findFree(lo: number, hi: number, skip: ReadonlySet<number> = new Set()): number | undefined {
    const span = hi - lo;
    if (span <= 0) return undefined;
    const start = randomInt(span);
    for (let k = 0; k < span; k++) {
      const i = lo + ((start + k) % span);
      if (!this.has(i) && !skip.has(i)) return i;
    }
    return undefined;
  }
}
