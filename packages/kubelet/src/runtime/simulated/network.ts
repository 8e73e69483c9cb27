/**
 * The simulated pod network: an in-memory host-local IPAM over the node's podCIDR. Like the host-local
 * CNI plugin it skips the network address and the gateway (`.1`, the node bridge) and hands out the
 * lowest free address; it never touches a network namespace.
 */
import type { PodNetwork, PodNetworkRequest } from '../types.js';

/** parseCidr returns the first address (as a 32-bit number) and the prefix length of an IPv4 CIDR. */
export function parseCidr(cidr: string): { base: number; bits: number } {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr.trim());
  if (!m) throw new Error(`invalid IPv4 CIDR "${cidr}"`);
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) throw new Error(`invalid IPv4 CIDR "${cidr}"`);
  const ip = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - bits);
  return { base: ip - (ip % size), bits };
}

/** formatIp renders a 32-bit number as dotted quad. */
export function formatIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** SimulatedPodNetwork allocates pod IPs from the podCIDR without wiring anything. */
export class SimulatedPodNetwork implements PodNetwork {
  private cidr: { base: number; bits: number } | undefined;
  private readonly byUid = new Map<string, number>();
  private readonly used = new Set<number>();

  async configure(opts: { podCIDR: string }): Promise<void> {
    this.cidr = parseCidr(opts.podCIDR);
  }

  status(): { ready: boolean; message?: string } {
    if (this.cidr) return { ready: true };
    return { ready: false, message: 'network plugin is not ready: no podCIDR assigned to the node yet' };
  }

  async setUp(req: PodNetworkRequest): Promise<{ ip: string }> {
    const have = this.byUid.get(req.uid);
    if (have !== undefined) return { ip: formatIp(have) };
    const cidr = this.cidr;
    if (!cidr) throw new Error('no podCIDR assigned to the node yet');
    const size = 2 ** (32 - cidr.bits);
    // .0 is the network, .1 the gateway, the last one the broadcast address.
    for (let off = 2; off < size - 1; off++) {
      const ip = cidr.base + off;
      if (this.used.has(ip)) continue;
      this.reserve(req.uid, ip);
      return { ip: formatIp(ip) };
    }
    throw new Error(`no IP addresses available in range set: ${formatIp(cidr.base)}/${cidr.bits}`);
  }

  async tearDown(req: PodNetworkRequest): Promise<void> {
    const ip = this.byUid.get(req.uid);
    if (ip === undefined) return;
    this.byUid.delete(req.uid);
    this.used.delete(ip);
  }

  /** adopt reserves an address a pod already had before a kubelet restart. */
  adopt(uid: string, ip: string): void {
    const { base } = parseCidr(`${ip}/32`);
    if (!this.used.has(base)) this.reserve(uid, base);
  }

  private reserve(uid: string, ip: number): void {
    this.byUid.set(uid, ip);
    this.used.add(ip);
  }
}
