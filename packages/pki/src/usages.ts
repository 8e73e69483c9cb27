/**
 * Key usages: the three shapes kubeadm issues (`server`, `client`, `both`) and the key-usage strings of
 * the `certificates.k8s.io/v1` CertificateSigningRequest API (`spec.usages`), mapped to X.509
 * KeyUsage bits and ExtendedKeyUsage OIDs as upstream's signer does.
 */
import * as x509 from '@peculiar/x509';
import { PkiError } from './errors.js';

/** What a kubeadm-style certificate is for. */
export type CertUsage = 'server' | 'client' | 'both';

/** A key-usage string of the CertificateSigningRequest API (`spec.usages`). */
export type KubeKeyUsage =
  | 'signing'
  | 'digital signature'
  | 'content commitment'
  | 'key encipherment'
  | 'key agreement'
  | 'data encipherment'
  | 'cert sign'
  | 'crl sign'
  | 'encipher only'
  | 'decipher only'
  | 'any'
  | 'server auth'
  | 'client auth'
  | 'code signing'
  | 'email protection'
  | 'timestamping'
  | 'ocsp signing';

/** Usages accepted when signing: a kubeadm shape or a CSR's `spec.usages`. */
export type Usages = CertUsage | readonly (KubeKeyUsage | string)[];

/** X.509 KeyUsage bits and ExtendedKeyUsage OIDs. */
export interface X509Usages {
  keyUsage: number;
  extKeyUsage: string[];
}

const keyUsageBits: Record<string, number> = {
  signing: x509.KeyUsageFlags.digitalSignature,
  'digital signature': x509.KeyUsageFlags.digitalSignature,
  'content commitment': x509.KeyUsageFlags.nonRepudiation,
  'key encipherment': x509.KeyUsageFlags.keyEncipherment,
  'key agreement': x509.KeyUsageFlags.keyAgreement,
  'data encipherment': x509.KeyUsageFlags.dataEncipherment,
  'cert sign': x509.KeyUsageFlags.keyCertSign,
  'crl sign': x509.KeyUsageFlags.cRLSign,
  'encipher only': x509.KeyUsageFlags.encipherOnly,
  'decipher only': x509.KeyUsageFlags.decipherOnly,
};

const extKeyUsageOids: Record<string, string> = {
  any: '2.5.29.37.0',
  'server auth': x509.ExtendedKeyUsage.serverAuth,
  'client auth': x509.ExtendedKeyUsage.clientAuth,
  'code signing': x509.ExtendedKeyUsage.codeSigning,
  'email protection': x509.ExtendedKeyUsage.emailProtection,
  timestamping: x509.ExtendedKeyUsage.timeStamping,
  'ocsp signing': x509.ExtendedKeyUsage.ocspSigning,
};

/**
 * toX509Usages maps usages to X.509 bits and OIDs. A kubeadm shape gets digitalSignature, plus
 * keyEncipherment for RSA keys (it means nothing for ECDSA), as kubeadm's `NewSignedCert` does.
 * An unknown CSR usage string is a {@link PkiError} (`MK_ERR_PKI_INVALID_CSR`), as upstream rejects it.
 */
export function toX509Usages(usages: Usages, rsaKey: boolean): X509Usages {
  if (typeof usages === 'string') {
    const keyUsage = x509.KeyUsageFlags.digitalSignature | (rsaKey ? x509.KeyUsageFlags.keyEncipherment : 0);
    const extKeyUsage: string[] = [];
    if (usages === 'server' || usages === 'both') extKeyUsage.push(x509.ExtendedKeyUsage.serverAuth);
    if (usages === 'client' || usages === 'both') extKeyUsage.push(x509.ExtendedKeyUsage.clientAuth);
    return { keyUsage, extKeyUsage };
  }
  let keyUsage = 0;
  const extKeyUsage: string[] = [];
  for (const usage of usages) {
    const bit = keyUsageBits[usage];
    const oid = extKeyUsageOids[usage];
    if (bit !== undefined) keyUsage |= bit;
    else if (oid !== undefined) {
      if (!extKeyUsage.includes(oid)) extKeyUsage.push(oid);
    } else throw new PkiError('MK_ERR_PKI_INVALID_CSR', `unknown key usage "${usage}"`);
  }
  return { keyUsage, extKeyUsage };
}
