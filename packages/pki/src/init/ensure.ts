/**
 * The reuse-or-create steps of `nanokube init`, one per kind of file. Each step keeps a file that is
 * still valid and (re)writes one that is missing or no longer matches, so re-running init on a folder
 * never invalidates kubeconfigs handed out earlier. A CA is never replaced: a broken or half-present
 * CA is an error for the operator to resolve.
 */
import { createPublicKey } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateCA, issueCertificate, type CertKeyPair, type SubjectAltNames } from '../certs.js';
import { PkiError } from '../errors.js';
import { loadCA, loadCertKeyPair, writeCertKeyPair, writeFileAtomic } from '../files.js';
import { verifyCertificate } from '../inspect.js';
import { generateServiceAccountKeyPair, parsePrivateKey, publicKeyPemOf, spkiDer } from '../keys.js';
import { buildKubeconfig, loadKubeconfig, writeKubeconfig } from '../kubeconfig.js';

/** Where a step reports progress lines and the files it wrote. */
export interface StepContext {
  out: (line: string) => void;
  written: string[];
}

/** ensureCA loads `<pkiDir>/<name>.{crt,key}` or, when both are missing, creates a new CA. */
export async function ensureCA(ctx: StepContext, pkiDir: string, name: string, cn: string): Promise<CertKeyPair> {
  const [hasCert, hasKey] = await Promise.all([exists(join(pkiDir, `${name}.crt`)), exists(join(pkiDir, `${name}.key`))]);
  if (hasCert && hasKey) {
    const ca = await loadCA(pkiDir, name);
    ctx.out(`[certs] Using existing ${name} certificate authority`);
    return ca;
  }
  if (hasCert || hasKey) {
    throw new PkiError('MK_ERR_PKI_INVALID_CA', `found only one of ${name}.crt and ${name}.key in ${pkiDir}; restore the other or remove both`);
  }
  ctx.out(`[certs] Generating "${name}" certificate and key`);
  const ca = await generateCA(cn);
  await writeCertKeyPair(pkiDir, name, ca);
  ctx.written.push(join(pkiDir, `${name}.crt`), join(pkiDir, `${name}.key`));
  return ca;
}

/** What one leaf certificate of the control plane must be. */
export interface LeafSpec {
  name: string;
  cn: string;
  orgs?: string[];
  usage: 'server' | 'client';
  sans?: SubjectAltNames;
}

/** ensureLeaf keeps `<pkiDir>/<name>.{crt,key}` if signed by ca with the wanted subject and SANs, else issues it. */
export async function ensureLeaf(ctx: StepContext, pkiDir: string, ca: CertKeyPair, spec: LeafSpec): Promise<void> {
  if (await leafMatches(pkiDir, ca, spec)) {
    ctx.out(`[certs] Using existing ${spec.name} certificate and key on disk`);
    return;
  }
  ctx.out(`[certs] Generating "${spec.name}" certificate and key`);
  if (spec.usage === 'server') {
    const dns = spec.sans?.dns ?? [];
    const ips = spec.sans?.ips ?? [];
    ctx.out(`[certs] ${spec.name} serving cert is signed for DNS names [${dns.join(' ')}] and IPs [${ips.join(' ')}]`);
  }
  const pair = await issueCertificate({ ca, cn: spec.cn, orgs: spec.orgs ?? [], sans: spec.sans ?? {}, usages: spec.usage });
  await writeCertKeyPair(pkiDir, spec.name, pair);
  ctx.written.push(join(pkiDir, `${spec.name}.crt`), join(pkiDir, `${spec.name}.key`));
}

async function leafMatches(pkiDir: string, ca: CertKeyPair, spec: LeafSpec): Promise<boolean> {
  let pair: CertKeyPair;
  try {
    pair = await loadCertKeyPair(pkiDir, spec.name);
  } catch {
    return false;
  }
  return certMatches(pair, ca, spec);
}

function certMatches(pair: CertKeyPair, ca: CertKeyPair, spec: Omit<LeafSpec, 'name'>): boolean {
  try {
    const info = verifyCertificate(pair.certPem, ca.certPem, { usage: spec.usage });
    if (!spkiDer(parsePrivateKey(pair.keyPem)).equals(spkiDer(createPublicKey(pair.certPem)))) return false;
    const sameOrgs = [...info.organizations].sort().join(',') === [...(spec.orgs ?? [])].sort().join(',');
    const hasSans =
      (spec.sans?.dns ?? []).every((d) => info.dnsNames.includes(d)) &&
      (spec.sans?.ips ?? []).every((ip) => info.ipAddresses.includes(ip));
    return info.commonName === spec.cn && sameOrgs && hasSans;
  } catch {
    // Unreadable, unsigned, expired or mismatched: all mean "issue a new one".
    return false;
  }
}

/** ensureServiceAccountKey keeps `sa.key` (recreating `sa.pub` from it if needed) or creates both. */
export async function ensureServiceAccountKey(ctx: StepContext, pkiDir: string): Promise<void> {
  const keyPath = join(pkiDir, 'sa.key');
  const pubPath = join(pkiDir, 'sa.pub');
  if (await exists(keyPath)) {
    ctx.out('[certs] Using the existing "sa" key');
    if (!(await exists(pubPath))) {
      await writeFileAtomic(pubPath, publicKeyPemOf(await readFile(keyPath, 'utf8')), 0o644);
      ctx.written.push(pubPath);
    }
    return;
  }
  ctx.out('[certs] Generating "sa" key and public key');
  const sa = await generateServiceAccountKeyPair();
  await writeFileAtomic(keyPath, sa.privateKeyPem, 0o600);
  await writeFileAtomic(pubPath, sa.publicKeyPem, 0o644);
  ctx.written.push(keyPath, pubPath);
}

/** What one kubeconfig file of the control plane must hold. */
export interface KubeconfigSpec {
  file: string;
  cn: string;
  orgs: string[];
}

/** ensureKubeconfig keeps a kubeconfig with the same server, CA and user, or writes a new one. */
export async function ensureKubeconfig(
  ctx: StepContext,
  dir: string,
  ca: CertKeyPair,
  cluster: { clusterName: string; server: string },
  spec: KubeconfigSpec,
): Promise<void> {
  const path = join(dir, spec.file);
  if (await kubeconfigMatches(path, ca, cluster.server, spec)) {
    ctx.out(`[kubeconfig] Using existing kubeconfig file: "${path}"`);
    return;
  }
  ctx.out(`[kubeconfig] Writing "${spec.file}" kubeconfig file`);
  const client = await issueCertificate({ ca, cn: spec.cn, orgs: spec.orgs, usages: 'client' });
  const kc = buildKubeconfig({
    clusterName: cluster.clusterName,
    server: cluster.server,
    caPem: ca.certPem,
    userName: spec.cn,
    clientCertPem: client.certPem,
    clientKeyPem: client.keyPem,
  });
  await writeKubeconfig(path, kc);
  ctx.written.push(path);
}

async function kubeconfigMatches(path: string, ca: CertKeyPair, server: string, spec: KubeconfigSpec): Promise<boolean> {
  try {
    const kc = await loadKubeconfig(path);
    if (kc.server !== server || kc.caPem?.trim() !== ca.certPem.trim()) return false;
    if (kc.clientCertPem === undefined || kc.clientKeyPem === undefined) return false;
    return certMatches({ certPem: kc.clientCertPem, keyPem: kc.clientKeyPem }, ca, { cn: spec.cn, orgs: spec.orgs, usage: 'client' });
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
