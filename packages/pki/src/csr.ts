/** PKCS#10 certificate signing requests: what a kubelet sends during TLS bootstrap, and how to read one. */
import * as x509 from '@peculiar/x509';
import type { SubjectAltNames } from './certs.js';
import { PkiError } from './errors.js';
import { csrAltNames } from './internal/alt-names.js';
import { importSigningKeys } from './keys.js';

/** What a CSR asks for. */
export interface CSRInfo {
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  /** `PUBLIC KEY` PEM of the requester. */
  publicKeyPem: string;
}

/**
 * createCSR builds a PEM `CERTIFICATE REQUEST` for the key `keyPem` with subject O=orgs, CN=cn and the
 * optional SANs (a kubelet client CSR has none; a kubelet serving CSR has its host names and IPs).
 */
export async function createCSR(keyPem: string, cn: string, orgs: readonly string[] = [], sans?: SubjectAltNames): Promise<string> {
  const signing = await importSigningKeys(keyPem);
  const altNames = [
    ...(sans?.dns ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(sans?.ips ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [...orgs.map((o) => ({ O: [o] })), { CN: [cn] }],
    keys: signing.keys,
    signingAlgorithm: signing.signingAlgorithm,
    extensions: altNames.length > 0 ? [new x509.SubjectAlternativeNameExtension(altNames)] : [],
  });
  return csr.toString('pem') + '\n';
}

/** parseCSR reads a PEM CSR without checking its signature (see {@link verifyCSRSignature}). */
export function parseCSR(csrPem: string): CSRInfo {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (err) {
    throw new PkiError('MK_ERR_PKI_INVALID_CSR', 'failed to parse certificate request', { cause: err });
  }
  const names = csrAltNames(csr);
  return {
    commonName: csr.subjectName.getField('CN')[0] ?? '',
    organizations: csr.subjectName.getField('O'),
    dnsNames: names.filter((n) => n.type === 'dns').map((n) => n.value),
    ipAddresses: names.filter((n) => n.type === 'ip').map((n) => n.value),
    publicKeyPem: csr.publicKey.toString('pem') + '\n',
  };
}

/** verifyCSRSignature reports whether a PEM CSR is signed by the key it carries (proof of possession). */
export async function verifyCSRSignature(csrPem: string): Promise<boolean> {
  try {
    return await new x509.Pkcs10CertificateRequest(csrPem).verify();
  } catch {
    return false;
  }
}
