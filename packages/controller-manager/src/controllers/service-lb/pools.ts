/**
 * LoadBalancer address pools in MetalLB's terms: `IPAddressPool` objects (metallb.io/v1beta1) or the
 * legacy `config` key of the `metallb-system/config` ConfigMap (`address-pools:`), with addresses written
 * as `a.b.c.d-a.b.c.e` ranges or CIDRs. IPv4 only.
 */
import { readFile } from 'node:fs/promises';
import yaml from 'js-yaml';

/** One pool of assignable addresses. */
export interface AddressPool {
  name: string;
  /** Inclusive [first, last] ranges as 32-bit numbers. */
  ranges: [number, number][];
  /** Pools with autoAssign false are used only when a Service names them. */
  autoAssign: boolean;
  /** Skip .0 and .255 addresses (MetalLB's avoidBuggyIPs). */
  avoidBuggyIPs: boolean;
}

/** ipToNumber parses dotted IPv4; undefined for anything else. */
export function ipToNumber(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip.trim());
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((n, o) => n * 256 + o, 0);
}

/** numberToIp renders a 32-bit number as dotted IPv4. */
export function numberToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** parseAddressRange reads `a-b` or `a.b.c.d/n` into an inclusive range; throws on anything else. */
export function parseAddressRange(spec: string): [number, number] {
  const s = spec.trim();
  const dash = s.indexOf('-');
  if (dash > 0) {
    const first = ipToNumber(s.slice(0, dash));
    const last = ipToNumber(s.slice(dash + 1));
    if (first === undefined || last === undefined || last < first) throw new Error(`invalid IP range "${spec}"`);
    return [first, last];
  }
  const slash = s.indexOf('/');
  const base = ipToNumber(slash > 0 ? s.slice(0, slash) : s);
  const bits = slash > 0 ? Number(s.slice(slash + 1)) : 32;
  if (base === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) throw new Error(`invalid CIDR "${spec}"`);
  const size = 2 ** (32 - bits);
  const first = base - (base % size);
  return [first, first + size - 1];
}

/** poolFromAddresses builds a pool from MetalLB address strings. */
export function poolFromAddresses(name: string, addresses: string[], opts: { autoAssign?: boolean; avoidBuggyIPs?: boolean } = {}): AddressPool {
  return { name, ranges: addresses.map(parseAddressRange), autoAssign: opts.autoAssign ?? true, avoidBuggyIPs: opts.avoidBuggyIPs ?? false };
}

interface LegacyConfig {
  'address-pools'?: { name?: string; addresses?: string[]; 'auto-assign'?: boolean; 'avoid-buggy-ips'?: boolean }[];
}

interface PoolDocument {
  kind?: string;
  metadata?: { name?: string };
  spec?: { addresses?: string[]; autoAssign?: boolean; avoidBuggyIPs?: boolean };
  data?: { config?: string };
}

/**
 * parsePoolConfig reads every pool of a YAML text holding IPAddressPool documents, a MetalLB ConfigMap,
 * or the bare legacy `address-pools:` config. Other documents (L2Advertisement, ...) are ignored.
 */
export function parsePoolConfig(text: string): AddressPool[] {
  const pools: AddressPool[] = [];
  for (const doc of yaml.loadAll(text) as (PoolDocument & LegacyConfig)[]) {
    if (!doc || typeof doc !== 'object') continue;
    if (doc.kind === 'IPAddressPool') {
      pools.push(
        poolFromAddresses(doc.metadata?.name ?? `pool-${pools.length}`, doc.spec?.addresses ?? [], {
          ...(doc.spec?.autoAssign !== undefined ? { autoAssign: doc.spec.autoAssign } : {}),
          ...(doc.spec?.avoidBuggyIPs !== undefined ? { avoidBuggyIPs: doc.spec.avoidBuggyIPs } : {}),
        }),
      );
    } else if (doc.kind === 'ConfigMap') {
      if (doc.data?.config) pools.push(...parseLegacy(yaml.load(doc.data.config) as LegacyConfig));
    } else if (doc['address-pools']) {
      pools.push(...parseLegacy(doc));
    }
  }
  return pools;
}

function parseLegacy(cfg: LegacyConfig | undefined): AddressPool[] {
  return (cfg?.['address-pools'] ?? []).map((p, i) =>
    poolFromAddresses(p.name ?? `pool-${i}`, p.addresses ?? [], {
      ...(p['auto-assign'] !== undefined ? { autoAssign: p['auto-assign'] } : {}),
      ...(p['avoid-buggy-ips'] !== undefined ? { avoidBuggyIPs: p['avoid-buggy-ips'] } : {}),
    }),
  );
}

/** loadPools returns the config file's pools when one is given, else one `default` pool of the flag ranges. */
export async function loadPools(opts: { lbAddressPools: string[]; lbConfigFile?: string }): Promise<AddressPool[]> {
  if (opts.lbConfigFile) return parsePoolConfig(await readFile(opts.lbConfigFile, 'utf8'));
  return opts.lbAddressPools.length > 0 ? [poolFromAddresses('default', opts.lbAddressPools)] : [];
}

/** poolOf returns the pool holding ip, if any. */
export function poolOf(pools: AddressPool[], ip: string): AddressPool | undefined {
  const n = ipToNumber(ip);
  if (n === undefined) return undefined;
  return pools.find((p) => p.ranges.some(([a, b]) => n >= a && n <= b) && !(p.avoidBuggyIPs && isBuggy(n)));
}

/** firstFree returns the lowest address of the pool not in `used`. */
export function firstFree(pool: AddressPool, used: Set<string>): string | undefined {
  for (const [a, b] of pool.ranges) {
    for (let n = a; n <= b; n++) {
      if (pool.avoidBuggyIPs && isBuggy(n)) continue;
      const ip = numberToIp(n);
      if (!used.has(ip)) return ip;
    }
  }
  return undefined;
}

function isBuggy(n: number): boolean {
  return n % 256 === 0 || n % 256 === 255;
}
