import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openssl, opensslText, opensslVerify, withFiles } from './__tests__/openssl.js';
import { generateCA, issueCertificate, signCSR, validateCA } from './certs.js';
import { createCSR, parseCSR, verifyCSRSignature } from './csr.js';
import { isPkiError } from './errors.js';
import { parseCertificate, verifyCertificate } from './inspect.js';
import { generateKeyPair } from './keys.js';

describe('generateCA', () => {
  it('creates a self-signed P-256 CA that openssl accepts as a trust anchor', async () => {
    const ca = await generateCA('kubernetes', 10);
    expect(ca.keyPem).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);
    expect(opensslVerify(ca.certPem, ca.certPem)).toBe('cert.crt: OK');
    const info = parseCertificate(ca.certPem);
    expect(info).toMatchObject({ commonName: 'kubernetes', issuerCommonName: 'kubernetes', isCA: true });
    const days = (info.notAfter.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(9.9);
    expect(days).toBeLessThan(10.1);
    const text = opensslText(ca.certPem);
    expect(text).toContain('ecdsa-with-SHA256');
    expect(text).toContain('ASN1 OID: prime256v1');
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment, Certificate Sign/);
  });

  it('is rejected by validateCA when the key belongs to another CA', async () => {
    const [a, b] = await Promise.all([generateCA('a'), generateCA('b')]);
    expect(() => validateCA(a)).not.toThrow();
    expect(() => validateCA({ certPem: a.certPem, keyPem: b.keyPem })).toThrow(/does not match/);
  });
});

describe('issueCertificate', () => {
  it('issues a server certificate with the requested SANs that verifies against the CA', async () => {
    const ca = await generateCA('kubernetes');
    const srv = await issueCertificate({
      ca,
      cn: 'kube-apiserver',
      sans: { dns: ['kubernetes', 'localhost'], ips: ['127.0.0.1', '10.96.0.1', '::1'] },
      usages: 'server',
    });
    expect(opensslVerify(ca.certPem, srv.certPem, 'sslserver')).toBe('cert.crt: OK');
    expect(opensslVerify(ca.certPem, srv.certPem, 'sslclient')).toMatch(/failed/);
    const info = verifyCertificate(srv.certPem, ca.certPem, { usage: 'server' });
    expect(info).toMatchObject({
      commonName: 'kube-apiserver',
      organizations: [],
      dnsNames: ['kubernetes', 'localhost'],
      ipAddresses: ['127.0.0.1', '10.96.0.1', '::1'],
      isCA: false,
      serverAuth: true,
      clientAuth: false,
    });
    expect(new X509Certificate(srv.certPem).checkPrivateKey(createPrivateKey(srv.keyPem))).toBe(true);
  });

  it('puts every organization in the subject of a client certificate', async () => {
    const ca = await generateCA('kubernetes');
    const cli = await issueCertificate({ ca, cn: 'kubernetes-admin', orgs: ['system:masters', 'team, a'], usages: 'client' });
    expect(opensslVerify(ca.certPem, cli.certPem, 'sslclient')).toBe('cert.crt: OK');
    expect(parseCertificate(cli.certPem)).toMatchObject({
      commonName: 'kubernetes-admin',
      organizations: ['system:masters', 'team, a'],
      clientAuth: true,
      serverAuth: false,
    });
  });

  it('never outlives its CA', async () => {
    const ca = await generateCA('short', 2);
    const leaf = await issueCertificate({ ca, cn: 'x', usages: 'both', validityDays: 365 });
    expect(parseCertificate(leaf.certPem).notAfter.getTime()).toBe(parseCertificate(ca.certPem).notAfter.getTime());
  });

  it('fails verification against a different CA', async () => {
    const [ca, other] = await Promise.all([generateCA('a'), generateCA('b')]);
    const leaf = await issueCertificate({ ca, cn: 'x', usages: 'client' });
    expect(() => verifyCertificate(leaf.certPem, other.certPem)).toThrow(/not signed by the given CA/);
  });
});

describe('an RSA CA made by openssl (kubeadm default keys)', () => {
  it('loads and signs ECDSA leaves that openssl verifies', async () => {
    const files = withFiles({}, (dir) => {
      openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=kubernetes',
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,digitalSignature']);
      return { certPem: readFileSync(join(dir, 'ca.crt'), 'utf8'), keyPem: readFileSync(join(dir, 'ca.key'), 'utf8') };
    });
    validateCA(files);
    const leaf = await issueCertificate({ ca: files, cn: 'kube-apiserver', sans: { ips: ['127.0.0.1'] }, usages: 'server' });
    expect(opensslVerify(files.certPem, leaf.certPem, 'sslserver')).toBe('cert.crt: OK');
    expect(opensslText(leaf.certPem)).toContain('sha256WithRSAEncryption');
  });
});

describe('CSR round trip', () => {
  it('signs a CSR keeping its subject and SANs, with the usages the signer chose', async () => {
    const ca = await generateCA('kubernetes');
    const key = await generateKeyPair();
    const csrPem = await createCSR(key.privateKeyPem, 'system:node:worker01', ['system:nodes'], { dns: ['worker01'], ips: ['192.168.56.11'] });
    expect(csrPem).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----\n/);
    expect(await verifyCSRSignature(csrPem)).toBe(true);
    expect(parseCSR(csrPem)).toEqual({
      commonName: 'system:node:worker01',
      organizations: ['system:nodes'],
      dnsNames: ['worker01'],
      ipAddresses: ['192.168.56.11'],
      publicKeyPem: key.publicKeyPem,
    });
    const certPem = await signCSR(ca, csrPem, { usages: ['digital signature', 'key encipherment', 'client auth'], validityDays: 30 });
    expect(opensslVerify(ca.certPem, certPem, 'sslclient')).toBe('cert.crt: OK');
    expect(new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'pem' })).toBe(key.publicKeyPem);
    expect(parseCertificate(certPem)).toMatchObject({
      commonName: 'system:node:worker01',
      organizations: ['system:nodes'],
      dnsNames: ['worker01'],
      ipAddresses: ['192.168.56.11'],
      clientAuth: true,
      serverAuth: false,
    });
    expect(opensslText(certPem)).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment/);
  });

  it('refuses a CSR whose signature does not match its key', async () => {
    const ca = await generateCA('kubernetes');
    const csrPem = await createCSR((await generateKeyPair()).privateKeyPem, 'mallory');
    const der = Buffer.from(csrPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    der.writeUInt8((der.at(-5) ?? 0) ^ 0xff, der.length - 5); // flip a byte inside the signature
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    expect(await verifyCSRSignature(tampered)).toBe(false);
    await expect(signCSR(ca, tampered, { usages: 'client' })).rejects.toSatisfy((e) => isPkiError(e, 'MK_ERR_PKI_INVALID_CSR'));
  });

  it('rejects an unknown CSR usage', async () => {
    const ca = await generateCA('kubernetes');
    const csrPem = await createCSR((await generateKeyPair()).privateKeyPem, 'u');
    await expect(signCSR(ca, csrPem, { usages: ['client auth', 'teleport'] })).rejects.toThrow(/unknown key usage "teleport"/);
  });
});
