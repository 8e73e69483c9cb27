/**
 * IPv4 address and CIDR arithmetic for the pod network: addresses are unsigned 32-bit numbers, a
 * {@link Cidr} is a network address plus prefix length. IPv6 pod networks are not supported.
 */
import { NetworkError } from './errors.js';

/** An IPv4 network: its base address (host bits cleared) and prefix length. */
export interface Cidr {
  network: number;
  prefix: number;
}

/** parseIPv4 turns dotted-quad text into an unsigned 32-bit number. */
export function parseIPv4(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new NetworkError('MK_ERR_NET_INVALID_ADDRESS', `"${text}" is not an IPv4 address`);
  }
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

/** formatIPv4 turns an unsigned 32-bit number into dotted-quad text. */
export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** parseCidr parses `a.b.c.d/len`; host bits must be zero, as in a node's podCIDR. */
export function parseCidr(text: string): Cidr {
  const [addr, len, extra] = text.split('/');
  const prefix = Number(len);
  if (addr === undefined || len === undefined || extra !== undefined || !/^\d{1,2}$/.test(len) || prefix > 32) {
    throw new NetworkError('MK_ERR_NET_INVALID_ADDRESS', `"${text}" is not an IPv4 CIDR`);
  }
  const network = parseIPv4(addr);
  if ((network & hostMask(prefix)) >>> 0 !== 0) {
    throw new NetworkError('MK_ERR_NET_INVALID_ADDRESS', `"${text}" has host bits set`);
  }
  return { network, prefix };
}

/** formatCidr renders a {@link Cidr} as `a.b.c.d/len`. */
export function formatCidr(c: Cidr): string {
  return `${formatIPv4(c.network)}/${c.prefix}`;
}

/** cidrContains reports whether the address lies inside the network. */
export function cidrContains(c: Cidr, ip: number): boolean {
  return ((ip & ~hostMask(c.prefix)) >>> 0) === c.network;
}

/** cidrSize is the number of addresses in the network, network and broadcast addresses included. */
export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

/** gatewayOf is the first usable address of a node's pod CIDR: the bridge `nk0` holds it. */
export function gatewayOf(c: Cidr): number {
  return c.network + 1;
}

function hostMask(prefix: number): number {
  return prefix === 0 ? 0xffffffff : (2 ** (32 - prefix) - 1) >>> 0;
}
