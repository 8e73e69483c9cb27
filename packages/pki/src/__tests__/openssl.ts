/** Test helpers that ask the real openssl, so our results are checked by an independent implementation. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** withFiles writes the given PEM files into a temp folder, runs fn in it and removes the folder. */
export function withFiles<T>(files: Record<string, string>, fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'nk-pki-test-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** openssl runs openssl in dir and returns stdout; a non-zero exit throws with stderr. */
export function openssl(dir: string, args: string[], input?: Buffer): string {
  return execFileSync('openssl', args, { cwd: dir, input, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
}

/** opensslVerify returns openssl's verdict line for `verify -CAfile ca.crt cert.crt`, or its error. */
export function opensslVerify(caPem: string, certPem: string, purpose?: 'sslserver' | 'sslclient'): string {
  return withFiles({ 'ca.crt': caPem, 'cert.crt': certPem }, (dir) => {
    try {
      return openssl(dir, ['verify', ...(purpose ? ['-purpose', purpose] : []), '-CAfile', 'ca.crt', 'cert.crt']).trim();
    } catch (err) {
      return `failed: ${String((err as { stderr?: Buffer }).stderr ?? err)}`;
    }
  });
}

/** opensslText returns `openssl x509 -text` of a certificate. */
export function opensslText(certPem: string): string {
  return withFiles({ 'c.crt': certPem }, (dir) => openssl(dir, ['x509', '-noout', '-text', '-in', 'c.crt']));
}
