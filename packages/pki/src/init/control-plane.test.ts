import { readFile, rm, stat, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { opensslVerify } from '../__tests__/openssl.js';
import { parseCertificate, publicKeyHash, verifyClientCertificate } from '../inspect.js';
import { loadKubeconfig } from '../kubeconfig.js';
import { initControlPlaneFiles } from './control-plane.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nk-init-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const kubeconfigs = ['admin.conf', 'super-admin.conf', 'kubelet.conf', 'controller-manager.conf', 'scheduler.conf', 'proxy.conf'];
const pem = (name: string): Promise<string> => readFile(join(dir, 'pki', name), 'utf8');

describe('initControlPlaneFiles', () => {
  it("writes kubeadm's certificates and kubeconfigs", async () => {
    const lines: string[] = [];
    const res = await initControlPlaneFiles({ dir, advertiseAddress: '192.168.56.10', securePort: 7443, nodeName: 'Master', apiserverCertExtraSans: ['api.example', '10.0.0.5'], out: (l) => lines.push(l) });
    const ca = await pem('ca.crt');
    expect(res).toMatchObject({ server: 'https://192.168.56.10:7443', nodeName: 'master', caHash: publicKeyHash(ca) });
    expect(lines).toContain('[certs] Generating "ca" certificate and key');
    expect(lines).toContain('[kubeconfig] Writing "admin.conf" kubeconfig file');

    const apiserver = await pem('apiserver.crt');
    expect(opensslVerify(ca, apiserver, 'sslserver')).toBe('cert.crt: OK');
    expect(parseCertificate(apiserver)).toMatchObject({
      commonName: 'kube-apiserver',
      dnsNames: ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'localhost', 'master', 'api.example'],
      ipAddresses: ['10.96.0.1', '127.0.0.1', '192.168.56.10', '10.0.0.5'],
    });
    expect(verifyClientCertificate(await pem('apiserver-kubelet-client.crt'), ca)).toEqual({ commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'] });
    expect(verifyClientCertificate(await pem('front-proxy-client.crt'), await pem('front-proxy-ca.crt')).commonName).toBe('front-proxy-client');
    expect(await pem('sa.key')).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(await pem('sa.pub')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect((await stat(join(dir, 'pki', 'ca.key'))).mode & 0o777).toBe(0o600);

    const users = await Promise.all(
      kubeconfigs.map(async (file) => {
        const kc = await loadKubeconfig(join(dir, file));
        expect(kc.server).toBe('https://192.168.56.10:7443');
        expect(kc.caPem).toBe(ca);
        return [file, verifyClientCertificate(kc.clientCertPem ?? '', ca)];
      }),
    );
    expect(Object.fromEntries(users)).toEqual({
      'admin.conf': { commonName: 'kubernetes-admin', organizations: ['system:masters'] },
      'super-admin.conf': { commonName: 'kubernetes-super-admin', organizations: ['system:masters'] },
      'kubelet.conf': { commonName: 'system:node:master', organizations: ['system:nodes'] },
      'controller-manager.conf': { commonName: 'system:kube-controller-manager', organizations: [] },
      'scheduler.conf': { commonName: 'system:kube-scheduler', organizations: [] },
      'proxy.conf': { commonName: 'system:kube-proxy', organizations: [] },
    });
    expect((await loadKubeconfig(join(dir, 'kubelet.conf'))).contextName).toBe('system:node:master@kubernetes');
  });

  it('reuses every valid file when run again, so issued kubeconfigs stay valid', async () => {
    await initControlPlaneFiles({ dir, nodeName: 'n1' });
    const before = await Promise.all([...kubeconfigs.map((f) => readFile(join(dir, f), 'utf8')), pem('ca.key'), pem('apiserver.crt'), pem('sa.key')]);
    const lines: string[] = [];
    const again = await initControlPlaneFiles({ dir, nodeName: 'n1', out: (l) => lines.push(l) });
    const after = await Promise.all([...kubeconfigs.map((f) => readFile(join(dir, f), 'utf8')), pem('ca.key'), pem('apiserver.crt'), pem('sa.key')]);
    expect(after).toEqual(before);
    expect(again.written).toEqual([]);
    expect(lines).toContain('[certs] Using existing ca certificate authority');
    expect(lines).toContain(`[kubeconfig] Using existing kubeconfig file: "${join(dir, 'admin.conf')}"`);
  });

  it('keeps the CA but re-issues what depends on a changed address, and recreates missing files', async () => {
    const first = await initControlPlaneFiles({ dir, nodeName: 'n1' });
    const caKey = await pem('ca.key');
    const scheduler = await readFile(join(dir, 'scheduler.conf'), 'utf8');
    await rm(join(dir, 'pki', 'front-proxy-client.key'));
    await rm(join(dir, 'pki', 'sa.pub'));
    const second = await initControlPlaneFiles({ dir, nodeName: 'n1', advertiseAddress: '10.1.2.3' });
    expect(await pem('ca.key')).toBe(caKey);
    expect(second.caHash).toBe(first.caHash);
    expect(parseCertificate(await pem('apiserver.crt')).ipAddresses).toContain('10.1.2.3');
    expect(await readFile(join(dir, 'scheduler.conf'), 'utf8')).not.toBe(scheduler);
    expect((await loadKubeconfig(join(dir, 'scheduler.conf'))).server).toBe('https://10.1.2.3:6443');
    expect(second.written).toEqual(expect.arrayContaining([join(dir, 'pki', 'front-proxy-client.key'), join(dir, 'pki', 'sa.pub')]));
    expect(second.written).not.toContain(join(dir, 'pki', 'sa.key'));
  });

  it('refuses to replace a CA whose key is missing', async () => {
    await initControlPlaneFiles({ dir, nodeName: 'n1' });
    await rm(join(dir, 'pki', 'ca.key'));
    await expect(initControlPlaneFiles({ dir, nodeName: 'n1' })).rejects.toThrow(/found only one of ca.crt and ca.key/);
  });

  it('refuses a CA certificate that does not match its key', async () => {
    await initControlPlaneFiles({ dir, nodeName: 'n1' });
    await writeFile(join(dir, 'pki', 'ca.key'), await pem('apiserver.key'));
    await expect(initControlPlaneFiles({ dir, nodeName: 'n1' })).rejects.toThrow(/does not match/);
  });
});
