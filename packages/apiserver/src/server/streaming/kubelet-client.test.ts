import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { generateCA, issueCertificate, type CertKeyPair } from '@nanokube/pki';
import { KubeletScraper } from '../../metrics-api/scraper.js';
import { tlsOptions, tlsVerifyError } from './kubelet-client.js';

let servers: Server[] = [];
afterEach(() => {
  for (const s of servers) s.close();
  servers = [];
});

async function kubelet(pair: CertKeyPair): Promise<number> {
  const s = createServer({ cert: pair.certPem, key: pair.keyPem }, (_req, res) => res.end('{"node":{"nodeName":"n1"}}'));
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

function get(port: number, ca?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`https://127.0.0.1:${port}/stats/summary`, tlsOptions(ca ? { ca } : {}), (res) => {
      res.resume();
      resolve(String(res.statusCode));
    });
    req.on('error', (err) => reject(new Error(tlsVerifyError(err) ?? err.message)));
    req.end();
  });
}

describe('verified TLS to kubelets', () => {
  it('accepts a serving certificate from the CA naming the dialled IP, and refuses others in Go words', async () => {
    const ca = await generateCA('kubernetes');
    const good = await kubelet(await issueCertificate({ ca, cn: 'system:node:n1', sans: { dns: ['n1'], ips: ['127.0.0.1'] }, usages: 'server' }));
    const selfSigned = await kubelet(await generateCA('n1@1700000000'));
    const otherIp = await kubelet(await issueCertificate({ ca, cn: 'system:node:n2', sans: { ips: ['127.0.0.2'] }, usages: 'server' }));
    const noIps = await kubelet(await issueCertificate({ ca, cn: 'system:node:n3', sans: { dns: ['n3'] }, usages: 'server' }));
    expect(await get(good, ca.certPem)).toBe('200');
    await expect(get(selfSigned, ca.certPem)).rejects.toThrow('tls: failed to verify certificate: x509: certificate signed by unknown authority');
    await expect(get(otherIp, ca.certPem)).rejects.toThrow('tls: failed to verify certificate: x509: certificate is valid for 127.0.0.2, not 127.0.0.1');
    await expect(get(noIps, ca.certPem)).rejects.toThrow("x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs");
    // Without a CA nothing is verified, as upstream without --kubelet-certificate-authority.
    expect(await get(selfSigned)).toBe('200');
  });

  it('scrapes metrics only from kubelets the CA vouches for', async () => {
    const ca = await generateCA('kubernetes');
    const client = await issueCertificate({ ca, cn: 'kube-apiserver-kubelet-client', orgs: ['system:masters'], usages: 'client' });
    const good = await kubelet(await issueCertificate({ ca, cn: 'system:node:n1', sans: { ips: ['127.0.0.1'] }, usages: 'server' }));
    const selfSigned = await kubelet(await generateCA('n1@1700000000'));
    const scraper = new KubeletScraper({ cert: client.certPem, key: client.keyPem, ca: ca.certPem });
    try {
      expect((await scraper.summary(`127.0.0.1:${good}`)).node?.nodeName).toBe('n1');
      await expect(scraper.summary(`127.0.0.1:${selfSigned}`)).rejects.toThrow(/^Get "https:\/\/127\.0\.0\.1:\d+\/stats\/summary\?only_cpu_and_memory=true": tls: failed to verify certificate: x509: certificate signed by unknown authority$/);
    } finally {
      await scraper.close();
    }
  });
});
