/** IPv4 CIDR arithmetic for the node IPAM range allocator. */

/** A parsed IPv4 CIDR: network address as an unsigned 32-bit number and prefix length. */
export interface Cidr {
  base: number;
  prefix: number;
}

export function parseIPv4(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

export function formatIPv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** parseCidr reads `a.b.c.d/n`, masking host bits off; undefined when malformed or not IPv4. */
export function parseCidr(s: string): Cidr | undefined {
  const [ip, len] = s.split('/');
  const base = ip === undefined ? undefined : parseIPv4(ip);
  const prefix = Number(len);
  if (base === undefined || !/^\d{1,2}$/.test(len ?? '') || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  return { base: base - (base % size), prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIPv4(c.base)}/${c.prefix}`;
}

/**
 * CidrSet hands out the subnets of one cluster CIDR with a fixed mask (upstream cidrset): subnet i of
 * 10.244.0.0/16 with mask 24 is 10.244.i.0/24.
 */
export class CidrSet {
  readonly count: number;
  private readonly step: number;

  constructor(
    readonly cluster: Cidr,
    readonly maskSize: number,
  ) {
    if (maskSize < cluster.prefix || maskSize > 32) throw new Error(`node CIDR mask size ${maskSize} does not fit in ${formatCidr(cluster)}`);
    this.count = 2 ** (maskSize - cluster.prefix);
    this.step = 2 ** (32 - maskSize);
  }

  subnet(i: number): string {
    return formatCidr({ base: this.cluster.base + i * this.step, prefix: this.maskSize });
  }

  /** indexOf returns the subnet index of a CIDR of this set, or undefined when it is not one. */
  indexOf(cidr: string): number | undefined {
    const c = parseCidr(cidr);
    if (!c || c.prefix !== this.maskSize) return undefined;
    const offset = c.base - this.cluster.base;
    if (offset < 0 || offset % this.step !== 0 || offset / this.step >= this.count) return undefined;
    return offset / this.step;
  }

  /** firstFree returns the lowest subnet not in `used`, or undefined when the range is exhausted. */
  firstFree(used: Set<string>): string | undefined {
    for (let i = 0; i < this.count; i++) {
      const s = this.subnet(i);
      if (!used.has(s)) return s;
    }
    return undefined;
  }
}
