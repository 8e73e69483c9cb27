/**
 * The kubelet's serving certificate request, shaped as upstream's kubelet builds it for
 * `serverTLSBootstrap` (pkg/kubelet/certificate: NewKubeletServerCertificateManager): subject
 * CN=`system:node:<name>`, O=`system:nodes`, DNS SANs from the node's host names, IP SANs from its
 * addresses, signer `kubernetes.io/kubelet-serving`, and the usages its key type allows.
 */
import { isIP } from 'node:net';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { parseCertificate } from '@nanokube/pki';

/** The signer of kubelet serving certificates. */
export const kubeletServingSigner = 'kubernetes.io/kubelet-serving';

/** What a serving certificate must name: the node's host names (DNS SANs) and addresses (IP SANs). */
export interface ServingNames {
  dnsNames: string[];
  ipAddresses: string[];
}

/** A serving certificate request before it is signed into a PKCS#10 request. */
export interface ServingCertificateTemplate extends ServingNames {
  commonName: string;
  organizations: string[];
  usages: string[];
}

/**
 * servingNames lists the SANs of a node: its host name (the Node name, which is what the kubelet reports
 * as its `Hostname` address) and every address, each once; IP-looking values become IP SANs.
 */
export function servingNames(nodeName: string, addresses: readonly string[]): ServingNames {
  const dns = new Set<string>();
  const ips = new Set<string>();
  for (const a of [nodeName, ...addresses].map((s) => s.trim()).filter(Boolean)) {
    if (isIP(a)) ips.add(a);
    else dns.add(a.toLowerCase());
  }
  return { dnsNames: [...dns], ipAddresses: [...ips] };
}

/**
 * servingUsages are the usages upstream's kubelet asks for: key encipherment only for RSA keys (an ECDSA
 * key cannot encipher), digital signature and server auth always.
 */
export function servingUsages(keyType: 'ec' | 'rsa'): string[] {
  return keyType === 'rsa' ? ['digital signature', 'key encipherment', 'server auth'] : ['digital signature', 'server auth'];
}

/** servingTemplate builds the serving certificate request of a node. */
export function servingTemplate(nodeName: string, addresses: readonly string[], keyType: 'ec' | 'rsa' = 'ec'): ServingCertificateTemplate {
  return {
    commonName: `system:node:${nodeName}`,
    organizations: ['system:nodes'],
    ...servingNames(nodeName, addresses),
    usages: servingUsages(keyType),
  };
}

/**
 * coversTemplate reports whether a certificate still fits a template: same subject, and every DNS and IP
 * SAN the template asks for is in it (a node that gained an address needs a new certificate, as upstream's
 * manager re-requests when the template changes).
 */
export function coversTemplate(certPem: string, template: ServingCertificateTemplate): boolean {
  const cert = parseCertificate(certPem);
  if (cert.commonName !== template.commonName) return false;
  if (cert.organizations.join(',') !== template.organizations.join(',')) return false;
  const ips = new Set(cert.ipAddresses.map(normalizeIp));
  return template.dnsNames.every((d) => cert.dnsNames.includes(d)) && template.ipAddresses.every((ip) => ips.has(normalizeIp(ip)));
}

/** keyMatches reports whether the private key belongs to the certificate. */
export function keyMatches(certPem: string, keyPem: string): boolean {
  try {
    return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

function normalizeIp(ip: string): string {
  return ip.toLowerCase();
}
