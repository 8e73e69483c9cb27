/** Reading and checking certificates: fields, the kubeadm CA hash, and chain verification. */
import { createHash, X509Certificate as NodeX509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { PkiError } from './errors.js';
import { spkiDer } from './keys.js';

/** The fields of a certificate that nanokube cares about. */
export interface CertificateInfo {
  commonName: string;
  organizations: string[];
  issuerCommonName: string;
  dnsNames: string[];
  ipAddresses: string[];
  notBefore: Date;
  notAfter: Date;
  isCA: boolean;
  serverAuth: boolean;
  clientAuth: boolean;
  /** Lower-case hex. */
  serialNumber: string;
}

/** Options of {@link verifyCertificate}. */
export interface VerifyOptions {
  /** Require this extended key usage. */
  usage?: 'server' | 'client';
  /** Check validity at this time instead of now. */
  now?: Date;
}

/** parseCertificate reads the first certificate of a PEM block. */
export function parseCertificate(certPem: string): CertificateInfo {
  const cert = parseX509(certPem);
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const names = san?.names.items ?? [];
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [];
  return {
    commonName: cert.subjectName.getField('CN')[0] ?? '',
    organizations: cert.subjectName.getField('O'),
    issuerCommonName: cert.issuerName.getField('CN')[0] ?? '',
    dnsNames: names.filter((n) => n.type === 'dns').map((n) => n.value),
    ipAddresses: names.filter((n) => n.type === 'ip').map((n) => n.value),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    isCA: cert.getExtension(x509.BasicConstraintsExtension)?.ca ?? false,
    serverAuth: eku.includes(x509.ExtendedKeyUsage.serverAuth),
    clientAuth: eku.includes(x509.ExtendedKeyUsage.clientAuth),
    serialNumber: cert.serialNumber.toLowerCase(),
  };
}

/**
 * publicKeyHash returns kubeadm's `--discovery-token-ca-cert-hash` for a CA certificate:
 * `sha256:` and the hex SHA-256 of its DER SubjectPublicKeyInfo.
 */
export function publicKeyHash(caCertPem: string): string {
  const cert = parseNodeX509(caCertPem);
  return `sha256:${createHash('sha256').update(spkiDer(cert.publicKey)).digest('hex')}`;
}

/**
 * verifyCertificate checks that the first certificate in `certPem` is signed by the CA in `caPem`,
 * is within its validity period and, when asked, carries the given extended key usage. It returns the
 * certificate's fields; any failure is a {@link PkiError} (`MK_ERR_PKI_VERIFY_FAILED`).
 */
export function verifyCertificate(certPem: string, caPem: string, opts: VerifyOptions = {}): CertificateInfo {
  const cert = parseNodeX509(certPem);
  const ca = parseNodeX509(caPem);
  const fail = (why: string): never => {
    throw new PkiError('MK_ERR_PKI_VERIFY_FAILED', `certificate "${cert.subject.replace(/\n/g, ',')}": ${why}`);
  };
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) fail('not signed by the given CA');
  const now = opts.now ?? new Date();
  if (now < new Date(cert.validFrom)) fail(`not valid before ${cert.validFrom}`);
  if (now > new Date(cert.validTo)) fail(`expired at ${cert.validTo}`);
  const info = parseCertificate(certPem);
  if (opts.usage === 'server' && !info.serverAuth) fail('lacks the server auth extended key usage');
  if (opts.usage === 'client' && !info.clientAuth) fail('lacks the client auth extended key usage');
  return info;
}

/** The user a verified client certificate names, as the apiserver's x509 authenticator reads it. */
export interface ClientCertificateUser {
  /** The subject CN: the user name. */
  commonName: string;
  /** The subject O values: the groups. */
  organizations: string[];
}

/**
 * verifyClientCertificate checks a client certificate (the first block of `chainPem`; intermediates
 * are not supported) against the CA bundle `caPem` (any certificate in it may be the issuer) and
 * returns the user it names. Failure is a {@link PkiError} (`MK_ERR_PKI_VERIFY_FAILED`).
 */
export function verifyClientCertificate(chainPem: string, caPem: string, now?: Date): ClientCertificateUser {
  const cas = splitPemCertificates(caPem);
  let lastErr: unknown = new PkiError('MK_ERR_PKI_VERIFY_FAILED', 'CA bundle holds no certificate');
  for (const ca of cas) {
    try {
      const info = verifyCertificate(chainPem, ca, { usage: 'client', ...(now ? { now } : {}) });
      return { commonName: info.commonName, organizations: info.organizations };
    } catch (err) {
      lastErr = err;
    }
  }
  throw lastErr;
}

/** splitPemCertificates splits a PEM bundle into its `CERTIFICATE` blocks. */
export function splitPemCertificates(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)?.map((b) => b + '\n') ?? [];
}

function parseX509(pem: string): x509.X509Certificate {
  try {
    return new x509.X509Certificate(splitPemCertificates(pem)[0] ?? pem);
  } catch (err) {
    throw new PkiError('MK_ERR_PKI_INVALID_PEM', 'failed to parse certificate', { cause: err });
  }
}

function parseNodeX509(pem: string): NodeX509Certificate {
  try {
    return new NodeX509Certificate(splitPemCertificates(pem)[0] ?? pem);
  } catch (err) {
    throw new PkiError('MK_ERR_PKI_INVALID_PEM', 'failed to parse certificate', { cause: err });
  }
}
