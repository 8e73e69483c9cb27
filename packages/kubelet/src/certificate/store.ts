/**
 * ServingCertificateStore keeps the kubelet's serving certificate and key in its pki folder as upstream's
 * certificate store does: each issued pair is written to `kubelet-server-<yyyy-mm-dd-hh-mm-ss>.pem`
 * (certificate then key, mode 0600) and `kubelet-server-current.pem` is a symlink to the newest one,
 * switched atomically with a rename, so a reader never sees half a pair.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rename, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { splitPemCertificates, writeFileAtomic, type CertKeyPair } from '@nanokube/pki';

/** The symlink to the pair in use, as upstream names it. */
export const currentFileName = 'kubelet-server-current.pem';

const pairFile = /^kubelet-server-\d{4}(-\d{2}){5}\.pem$/;

/** splitPair splits a `cert + key` PEM file into its certificate chain and private key. */
export function splitPair(pem: string): CertKeyPair | undefined {
  const certs = splitPemCertificates(pem);
  const key = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]+?-----END \1PRIVATE KEY-----/.exec(pem)?.[0];
  if (certs.length === 0 || !key) return undefined;
  return { certPem: certs.join(''), keyPem: `${key}\n` };
}

function stamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}-${p(d.getUTCHours())}-${p(d.getUTCMinutes())}-${p(d.getUTCSeconds())}`;
}

/** ServingCertificateStore reads and writes the pair under `dir`. */
export class ServingCertificateStore {
  constructor(readonly dir: string) {}

  /** currentPath is the path of `kubelet-server-current.pem`. */
  get currentPath(): string {
    return join(this.dir, currentFileName);
  }

  /** load returns the current pair, or undefined when there is none or it cannot be read. */
  async load(): Promise<CertKeyPair | undefined> {
    let pem: string;
    try {
      pem = await readFile(this.currentPath, 'utf8');
    } catch {
      return undefined;
    }
    return splitPair(pem);
  }

  /** save writes a new pair file and points the current symlink at it; `nowMs` names the file. */
  async save(pair: CertKeyPair, nowMs: number): Promise<string> {
    const name = `kubelet-server-${stamp(nowMs)}.pem`;
    await writeFileAtomic(join(this.dir, name), `${pair.certPem.trimEnd()}\n${pair.keyPem.trimEnd()}\n`, 0o600);
    const tmp = join(this.dir, `.${currentFileName}.tmp-${randomBytes(4).toString('hex')}`);
    await symlink(name, tmp);
    try {
      await rename(tmp, this.currentPath);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    await this.prune(name);
    return join(this.dir, name);
  }

  /** prune removes pair files older than the newest two, which a rollback might still want. */
  private async prune(keep: string): Promise<void> {
    const names = (await readdir(this.dir)).filter((n) => pairFile.test(n) && n !== keep).sort();
    for (const old of names.slice(0, -1)) await rm(join(this.dir, old), { force: true });
  }
}
