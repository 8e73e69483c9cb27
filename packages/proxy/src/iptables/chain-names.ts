/**
 * Chain names of kube-proxy's iptables mode. Per-service chains carry a hash so that names fit
 * iptables' 28-character limit and stay stable across restarts: upstream's portProtoHash, the first 16
 * base32 characters of sha256(servicePortName + protocol [+ endpoint]).
 */
import { createHash } from 'node:crypto';

export const kubeServicesChain = 'KUBE-SERVICES';
export const kubeExternalServicesChain = 'KUBE-EXTERNAL-SERVICES';
export const kubeNodePortsChain = 'KUBE-NODEPORTS';
export const kubePostroutingChain = 'KUBE-POSTROUTING';
export const kubeMarkMasqChain = 'KUBE-MARK-MASQ';
export const kubeForwardChain = 'KUBE-FORWARD';
export const kubeProxyFirewallChain = 'KUBE-PROXY-FIREWALL';
export const kubeProxyCanaryChain = 'KUBE-PROXY-CANARY';

/** The mark bit set on packets that must be masqueraded on their way out (upstream's default, bit 14). */
export const masqueradeMark = '0x4000';

const base32Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** base32 is RFC 4648 base32 with the standard alphabet, as Go's base32.StdEncoding (padding dropped). */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += base32Alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += base32Alphabet[(value << (5 - bits)) & 31];
  return out;
}

function hash16(text: string): string {
  return base32(createHash('sha256').update(text).digest()).slice(0, 16);
}

/** serviceChainNames returns the per-service-port chains: SVC (cluster policy), SVL (local), EXT, FW. */
export function serviceChainNames(servicePortName: string, protocol: string): { svc: string; svl: string; ext: string; fw: string } {
  const h = hash16(servicePortName + protocol);
  return { svc: `KUBE-SVC-${h}`, svl: `KUBE-SVL-${h}`, ext: `KUBE-EXT-${h}`, fw: `KUBE-FW-${h}` };
}

/** endpointChainName returns the KUBE-SEP chain of one endpoint (`ip:port`) of a service port. */
export function endpointChainName(servicePortName: string, protocol: string, endpoint: string): string {
  return `KUBE-SEP-${hash16(servicePortName + protocol + endpoint)}`;
}

/** isServiceChain reports whether a chain is one of the per-service chains the proxy creates and deletes. */
export function isServiceChain(chain: string): boolean {
  return /^KUBE-(SVC|SVL|EXT|FW|SEP)-[A-Z2-7]{16}$/.test(chain);
}

/** Chains the proxy owns in each table besides the per-service ones; `--cleanup` removes them all. */
export const ownedChains = {
  filter: [kubeServicesChain, kubeExternalServicesChain, kubeNodePortsChain, kubeForwardChain, kubeProxyFirewallChain, kubeProxyCanaryChain],
  nat: [kubeServicesChain, kubeNodePortsChain, kubePostroutingChain, kubeMarkMasqChain, kubeProxyCanaryChain],
  mangle: [kubeProxyCanaryChain],
} as const;
