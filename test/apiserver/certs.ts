/**
 * Throwaway PKI for apiserver tests, made with openssl: a CA, a server certificate for 127.0.0.1 and
 * localhost, an admin client certificate (CN kubernetes-admin, O system:masters) and a client
 * certificate from an unrelated CA. Also writes kubeconfigs for the real kubectl.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  adminCert: string;
  adminKey: string;
  rogueCert: string;
  rogueKey: string;
  cleanup(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

function makeCa(dir: string, name: string): void {
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.crt`], dir);
}

function makeLeaf(dir: string, ca: string, name: string, subject: string, ext: string): void {
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.csr`], dir);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`], dir);
}

/** makeTestPki generates all certificates in a fresh temp dir. */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'nk-apiserver-pki-'));
  makeCa(dir, 'ca');
  makeCa(dir, 'rogue-ca');
  makeLeaf(dir, 'ca', 'server', '/CN=kube-apiserver', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  makeLeaf(dir, 'ca', 'admin', '/O=system:masters/CN=kubernetes-admin', 'extendedKeyUsage=clientAuth\n');
  makeLeaf(dir, 'rogue-ca', 'rogue', '/O=system:masters/CN=mallory', 'extendedKeyUsage=clientAuth\n');
  const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
  return {
    dir,
    caCert: read('ca.crt'),
    serverCert: read('server.crt'),
    serverKey: read('server.key'),
    adminCert: read('admin.crt'),
    adminKey: read('admin.key'),
    rogueCert: read('rogue.crt'),
    rogueKey: read('rogue.key'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * writeKubeconfig writes a kubeconfig for url with the admin or the rogue client certificate and returns
 * its path. (A kubeconfig without credentials makes kubectl prompt for a password on stdin.)
 */
export function writeKubeconfig(pki: TestPki, url: string, user: 'admin' | 'rogue', name = 'kubeconfig'): string {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  const [cert, key] = user === 'admin' ? [pki.adminCert, pki.adminKey] : [pki.rogueCert, pki.rogueKey];
  const userBlock = `    client-certificate-data: ${b64(cert)}\n    client-key-data: ${b64(key)}\n`;
  const text = `apiVersion: v1
kind: Config
clusters:
- name: nk
  cluster:
    server: ${url}
    certificate-authority-data: ${b64(pki.caCert)}
users:
- name: u
  user:
${userBlock}contexts:
- name: nk
  context:
    cluster: nk
    user: u
    namespace: default
current-context: nk
`;
  const path = join(pki.dir, name);
  writeFileSync(path, text);
  return path;
}
