import * as x509 from '@peculiar/x509';

const subjectAltNameOid = '2.5.29.17';

/** csrAltNames returns the SANs a CSR requests (the subjectAltName of its extensionRequest). */
export function csrAltNames(csr: x509.Pkcs10CertificateRequest): readonly x509.GeneralName[] {
  const san = csr.getExtension(subjectAltNameOid);
  return san ? new x509.SubjectAlternativeNameExtension(san.rawData).names.items : [];
}
