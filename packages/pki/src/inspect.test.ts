import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { withFiles } from './__tests__/openssl.js';
import { generateCA, issueCertificate } from './certs.js';
import { isPkiError } from './errors.js';
import { publicKeyHash, splitPemCertificates, verifyCertificate, verifyClientCertificate } from './inspect.js';

describe('publicKeyHash', () => {
  it('equals the SHA-256 of the SubjectPublicKeyInfo that openssl extracts', async () => {
    const ca = await generateCA('kubernetes');
    const expected = withFiles({ 'ca.crt': ca.certPem }, (dir) =>
      execFileSync('sh', ['-c', 'openssl x509 -pubkey -noout -in ca.crt | openssl pkey -pubin -outform der | sha256sum'], { cwd: dir })
        .toString()
        .split(' ')[0],
    );
    expect(publicKeyHash(ca.certPem)).toBe(`sha256:${expected}`);
    expect(publicKeyHash(ca.certPem)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('verifyClientCertificate', () => {
  it('returns the user and groups of a client certificate signed by any CA in the bundle', async () => {
    const [ca, other] = await Promise.all([generateCA('kubernetes'), generateCA('other')]);
    const cli = await issueCertificate({ ca, cn: 'jane', orgs: ['devs', 'ops'], usages: 'client' });
    expect(verifyClientCertificate(cli.certPem, other.certPem + ca.certPem)).toEqual({ commonName: 'jane', organizations: ['devs', 'ops'] });
  });

  it('rejects a certificate without the client auth usage', async () => {
    const ca = await generateCA('kubernetes');
    const srv = await issueCertificate({ ca, cn: 'srv', usages: 'server' });
    expect(() => verifyClientCertificate(srv.certPem, ca.certPem)).toThrow(/client auth/);
  });

  it('rejects an expired certificate', async () => {
    const ca = await generateCA('kubernetes');
    const cli = await issueCertificate({ ca, cn: 'jane', usages: 'client', validityDays: 1 });
    const later = new Date(Date.now() + 2 * 86_400_000);
    let caught: unknown;
    try {
      verifyClientCertificate(cli.certPem, ca.certPem, later);
    } catch (err) {
      caught = err;
    }
    expect(isPkiError(caught, 'MK_ERR_PKI_VERIFY_FAILED')).toBe(true);
    expect(() => verifyCertificate(cli.certPem, ca.certPem, { now: later })).toThrow(/expired/);
  });
});

describe('splitPemCertificates', () => {
  it('splits a bundle into its certificate blocks', async () => {
    const [a, b] = await Promise.all([generateCA('a'), generateCA('b')]);
    expect(splitPemCertificates(`junk\n${a.certPem}\n${b.certPem}`).map((p) => p.trim())).toEqual([a.certPem.trim(), b.certPem.trim()]);
  });
});
