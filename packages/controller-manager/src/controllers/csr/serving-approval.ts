/**
 * Auto-approval rules for `kubernetes.io/kubelet-serving` requests. Upstream's controller-manager never
 * approves these (it leaves them to a person or a third-party approver); nanokube approves the ones a
 * kubelet makes for itself, with the checks postfinance's kubelet-csr-approver makes, adapted to a
 * cluster without a DNS or cloud provider to ask:
 *
 * 1. The request is a valid kubelet serving request (O=system:nodes, CN=system:node:<name>, at least one
 *    SAN, usages exactly digital signature + server auth, key encipherment allowed).
 * 2. The requester is that very node: username `system:node:<name>` in group `system:nodes` (a node may
 *    not ask for another node's certificate, nor a user for a node's).
 * 3. The Node object exists, and every DNS SAN is the node's name or one of its Hostname/InternalDNS/
 *    ExternalDNS addresses, and every IP SAN one of its InternalIP/ExternalIP addresses (instead of
 *    kubelet-csr-approver's DNS resolution and provider IP ranges: the Node's reported addresses are what
 *    the apiserver dials).
 *
 * Anything else stays Pending for `kubectl certificate approve|deny`.
 */
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type { Node } from 'kubernetes-types/core/v1.js';
import type { CSRInfo } from '@nanokube/pki';
import { validateKubeletServing } from './checks.js';

const nodePrefix = 'system:node:';
const dnsTypes = new Set(['Hostname', 'InternalDNS', 'ExternalDNS']);
const ipTypes = new Set(['InternalIP', 'ExternalIP']);

/** servingRequester returns the node a serving request is for (from its CN), or undefined. */
export function servingNodeName(info: CSRInfo): string | undefined {
  return info.commonName.startsWith(nodePrefix) ? info.commonName.slice(nodePrefix.length) || undefined : undefined;
}

/**
 * servingApprovalProblem returns why a kubelet-serving request may not be auto-approved, undefined when it
 * may. `node` is the Node the request names, undefined when there is none (yet).
 */
export function servingApprovalProblem(csr: CertificateSigningRequest, info: CSRInfo, node: Node | undefined): string | undefined {
  const invalid = validateKubeletServing(info, csr.spec?.usages ?? []);
  if (invalid) return invalid;
  if (csr.spec?.username !== info.commonName) return `requester ${csr.spec?.username ?? ''} is not ${info.commonName}`;
  if (!(csr.spec?.groups ?? []).includes('system:nodes')) return 'requester is not in group system:nodes';
  const name = servingNodeName(info) ?? '';
  if (!node || node.metadata?.name !== name) return `node ${name} is not registered`;
  const addresses = node.status?.addresses ?? [];
  const dns = new Set([name, ...addresses.filter((a) => dnsTypes.has(a.type)).map((a) => a.address.toLowerCase())]);
  const ips = new Set(addresses.filter((a) => ipTypes.has(a.type)).map((a) => normalizeIp(a.address)));
  const badDns = info.dnsNames.find((d) => !dns.has(d.toLowerCase()));
  if (badDns) return `DNS name ${badDns} is not an address of node ${name}`;
  const badIp = info.ipAddresses.find((ip) => !ips.has(normalizeIp(ip)));
  if (badIp) return `IP address ${badIp} is not an address of node ${name}`;
  return undefined;
}

/** normalizeIp writes IPv6 addresses in full (eight 4-digit groups) so that `fd00::1` equals `fd00:0:0:0:0:0:0:1`. */
export function normalizeIp(ip: string): string {
  if (!ip.includes(':')) return ip;
  const [head = '', tail] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return groups.map((g) => g.padStart(4, '0')).join(':');
}
