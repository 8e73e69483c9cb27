import { describe, expect, it } from 'vitest';
import { generateCA, issueCertificate } from '@nanokube/pki';
import { coversTemplate, servingTemplate } from './template.js';

describe('servingTemplate', () => {
  it('builds upstream kubelet serving request for an ECDSA key', () => {
    expect(servingTemplate('worker01', ['192.168.56.101'])).toEqual({
      commonName: 'system:node:worker01',
      organizations: ['system:nodes'],
      dnsNames: ['worker01'],
      ipAddresses: ['192.168.56.101'],
      usages: ['digital signature', 'server auth'],
    });
  });

  it('asks key encipherment only for RSA keys and lists each name once', () => {
    const t = servingTemplate('Worker01', ['10.0.0.1', 'worker01', '10.0.0.1', 'fd00::1'], 'rsa');
    expect(t.usages).toEqual(['digital signature', 'key encipherment', 'server auth']);
    expect(t.dnsNames).toEqual(['worker01']);
    expect(t.ipAddresses).toEqual(['10.0.0.1', 'fd00::1']);
  });
});

describe('coversTemplate', () => {
  it('accepts a certificate with the subject and every SAN, refuses one missing an address', async () => {
    const ca = await generateCA('kubernetes');
    const cert = await issueCertificate({ ca, cn: 'system:node:w1', orgs: ['system:nodes'], sans: { dns: ['w1'], ips: ['10.0.0.1'] }, usages: 'server' });
    expect(coversTemplate(cert.certPem, servingTemplate('w1', ['10.0.0.1']))).toBe(true);
    expect(coversTemplate(cert.certPem, servingTemplate('w1', ['10.0.0.2']))).toBe(false);
    expect(coversTemplate(cert.certPem, servingTemplate('w2', ['10.0.0.1']))).toBe(false);
  });
});
