/** IPv4 CIDR helpers for the rule generator. */

function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => (acc << 8) + Number(o), 0) >>> 0;
}

/** cidrContains reports whether an IPv4 CIDR (`a.b.c.d/n`, or a bare address) contains ip. */
export function cidrContains(cidr: string, ip: string): boolean {
  const [base = '', bitsText] = cidr.split('/');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (!(bits >= 0 && bits <= 32)) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((ipToInt(base) & mask) >>> 0) === ((ipToInt(ip) & mask) >>> 0);
}
