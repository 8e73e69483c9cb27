/**
 * Certificate authorities and the certificates they sign, shaped like kubeadm's (`pkiutil`): CAs are
 * self-signed with basicConstraints CA:TRUE and keyCertSign; leaves carry CA:FALSE, digitalSignature,
 * the requested extended key usages, SANs and the CA's key identifier. Signatures are SHA-256.
 */
import { randomBytes, X509Certificate as NodeX509Certificate, type webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { csrAltNames } from './internal/alt-names.js';
import { PkiError } from './errors.js';
import { generateKeyPair, importPublicKey, importSigningKeys, parsePrivateKey, publicKeyPemOf, spkiDer } from './keys.js';
import { toX509Usages, type Usages } from './usages.js';

/** A certificate and its private key, both PEM. A CA is one of these. */
export interface CertKeyPair {
  certPem: string;
  keyPem: string;
}

/** Subject alternative names: DNS names and IP addresses (v4 or v6, as text). */
export interface SubjectAltNames {
  dns?: readonly string[];
  ips?: readonly string[];
}

/** Options of {@link issueCertificate}. */
export interface IssueCertificateOptions {
  ca: CertKeyPair;
  cn: string;
  orgs?: readonly string[];
  sans?: SubjectAltNames;
  usages: Usages;
  /** Days from now; clamped to the CA's own expiry. Default 365, kubeadm's leaf lifetime. */
  validityDays?: number;
  /** Reuse this private key (PEM) instead of generating a new ECDSA P-256 key. */
  keyPem?: string;
}

/** Options of {@link signCSR}. Checking the CSR's CN and O is the caller's job. */
export interface SignCSROptions {
  usages: Usages;
  /** Days from now; clamped to the CA's own expiry. Default 365. */
  validityDays?: number;
}

/** kubeadm's CA lifetime: 10 years. */
export const defaultCAValidityDays = 3650;
/** kubeadm's leaf certificate lifetime: 1 year. */
export const defaultCertValidityDays = 365;

// Certificates start a little in the past so a peer whose clock lags slightly still accepts them.
const backdateMs = 5 * 60 * 1000;
const dayMs = 24 * 60 * 60 * 1000;

/** generateCA creates a self-signed ECDSA P-256 certificate authority. */
export async function generateCA(cn: string, validityDays = defaultCAValidityDays): Promise<CertKeyPair> {
  const { privateKeyPem } = await generateKeyPair();
  const signing = await importSigningKeys(privateKeyPem);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: [{ CN: [cn] }],
    issuer: [{ CN: [cn] }],
    notBefore: new Date(now - backdateMs),
    notAfter: new Date(now + validityDays * dayMs),
    publicKey: signing.keys.publicKey,
    signingKey: signing.keys.privateKey,
    signingAlgorithm: signing.signingAlgorithm,
    extensions: [
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyCertSign,
        true,
      ),
      new x509.BasicConstraintsExtension(true, undefined, true),
      await x509.SubjectKeyIdentifierExtension.create(signing.keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: privateKeyPem };
}

/** issueCertificate creates a key pair (unless `keyPem` is given) and a certificate for it signed by `ca`. */
export async function issueCertificate(opts: IssueCertificateOptions): Promise<CertKeyPair> {
  const keyPem = opts.keyPem ?? (await generateKeyPair()).privateKeyPem;
  const subject: x509.JsonName = [...(opts.orgs ?? []).map((o) => ({ O: [o] })), { CN: [opts.cn] }];
  const certPem = await signLeaf(opts.ca, {
    subject,
    publicKey: await importPublicKey(publicKeyPemOf(keyPem)),
    rsaKey: parsePrivateKey(keyPem).asymmetricKeyType === 'rsa',
    sans: opts.sans ?? {},
    usages: opts.usages,
    validityDays: opts.validityDays ?? defaultCertValidityDays,
  });
  return { certPem, keyPem };
}

/**
 * signCSR signs a PEM PKCS#10 request with `ca`, as the controller-manager's CSR signer does: the
 * subject, DNS and IP SANs are copied from the request; usages and lifetime come from the caller.
 * A request whose signature does not verify is a {@link PkiError} (`MK_ERR_PKI_INVALID_CSR`).
 */
export async function signCSR(ca: CertKeyPair, csrPem: string, opts: SignCSROptions): Promise<string> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (err) {
    throw new PkiError('MK_ERR_PKI_INVALID_CSR', 'failed to parse certificate request', { cause: err });
  }
  if (!(await csr.verify())) throw new PkiError('MK_ERR_PKI_INVALID_CSR', 'certificate request signature is invalid');
  const publicKey = await csr.publicKey.export();
  const names = csrAltNames(csr);
  return signLeaf(ca, {
    subject: csr.subjectName,
    publicKey,
    rsaKey: publicKey.algorithm.name.startsWith('RSA'),
    sans: { dns: names.filter((n) => n.type === 'dns').map((n) => n.value), ips: names.filter((n) => n.type === 'ip').map((n) => n.value) },
    usages: opts.usages,
    validityDays: opts.validityDays ?? defaultCertValidityDays,
  });
}

interface LeafSpec {
  subject: x509.JsonName | x509.Name;
  publicKey: webcrypto.CryptoKey;
  rsaKey: boolean;
  sans: SubjectAltNames;
  usages: Usages;
  validityDays: number;
}

async function signLeaf(ca: CertKeyPair, spec: LeafSpec): Promise<string> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const signing = await importSigningKeys(ca.keyPem);
  const { keyUsage, extKeyUsage } = toX509Usages(spec.usages, spec.rsaKey);
  const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(false, undefined, true)];
  if (keyUsage !== 0) extensions.push(new x509.KeyUsagesExtension(keyUsage, true));
  if (extKeyUsage.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension(extKeyUsage));
  const ski = caCert.getExtension(x509.SubjectKeyIdentifierExtension);
  if (ski) extensions.push(new x509.AuthorityKeyIdentifierExtension(ski.keyId));
  const altNames = [
    ...(spec.sans.dns ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(spec.sans.ips ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  if (altNames.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(altNames));
  const now = Date.now();
  const notAfter = Math.min(now + spec.validityDays * dayMs, caCert.notAfter.getTime());
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: spec.subject,
    issuer: caCert.subjectName,
    notBefore: new Date(now - backdateMs),
    notAfter: new Date(notAfter),
    publicKey: spec.publicKey,
    signingKey: signing.keys.privateKey,
    signingAlgorithm: signing.signingAlgorithm,
    extensions,
  });
  return cert.toString('pem') + '\n';
}

/**
 * validateCA checks that a pair is a usable CA: the certificate parses, is a CA, is within its
 * validity period, and the key belongs to it. Problems are a {@link PkiError} (`MK_ERR_PKI_INVALID_CA`).
 */
export function validateCA(ca: CertKeyPair, now = new Date()): void {
  let cert: NodeX509Certificate;
  try {
    cert = new NodeX509Certificate(ca.certPem);
  } catch (err) {
    throw new PkiError('MK_ERR_PKI_INVALID_CA', 'failed to parse CA certificate', { cause: err });
  }
  if (!cert.ca) throw new PkiError('MK_ERR_PKI_INVALID_CA', `certificate "${cert.subject}" is not a CA`);
  if (now < new Date(cert.validFrom) || now > new Date(cert.validTo)) {
    throw new PkiError('MK_ERR_PKI_INVALID_CA', `CA certificate is not valid at ${now.toISOString()} (valid ${cert.validFrom} to ${cert.validTo})`);
  }
  if (!spkiDer(parsePrivateKey(ca.keyPem)).equals(spkiDer(cert.publicKey))) {
    throw new PkiError('MK_ERR_PKI_INVALID_CA', 'CA private key does not match the CA certificate');
  }
}

/** randomSerial returns a positive 128-bit serial number in hex with no leading zero byte. */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes.toString('hex');
}
