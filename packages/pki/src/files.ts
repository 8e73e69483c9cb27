/** PKI files on disk in kubeadm's naming: `<name>.crt` (0644) and `<name>.key` (0600). */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { validateCA, type CertKeyPair } from './certs.js';

/**
 * writeFileAtomic writes through a temporary file and a rename, so readers never see half a file
 * and a crash leaves the old content. Parent folders are created.
 */
export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, data, { mode });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** writeCertKeyPair writes `<dir>/<baseName>.crt` and `<dir>/<baseName>.key`. */
export async function writeCertKeyPair(dir: string, baseName: string, pair: CertKeyPair): Promise<void> {
  await writeFileAtomic(join(dir, `${baseName}.key`), pair.keyPem, 0o600);
  await writeFileAtomic(join(dir, `${baseName}.crt`), pair.certPem, 0o644);
}

/** loadCertKeyPair reads `<dir>/<baseName>.crt` and `<dir>/<baseName>.key`. */
export async function loadCertKeyPair(dir: string, baseName: string): Promise<CertKeyPair> {
  const [certPem, keyPem] = await Promise.all([
    readFile(join(dir, `${baseName}.crt`), 'utf8'),
    readFile(join(dir, `${baseName}.key`), 'utf8'),
  ]);
  return { certPem, keyPem };
}

/**
 * loadCA reads and checks a CA from a kubeadm pki folder (`ca.crt` + `ca.key`, or another base name
 * such as `front-proxy-ca`). A missing file rejects with the fs error (`code` ENOENT); an unusable CA
 * with a PkiError (`MK_ERR_PKI_INVALID_CA`).
 */
export async function loadCA(dir: string, baseName = 'ca'): Promise<CertKeyPair> {
  const ca = await loadCertKeyPair(dir, baseName);
  validateCA(ca);
  return ca;
}
