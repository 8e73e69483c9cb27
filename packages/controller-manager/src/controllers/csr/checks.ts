/**
 * Checks on certificate requests shared by the CSR approver and signer (upstream
 * pkg/apis/certificates ValidateKubeletClientCSR / ValidateKubeletServingCSR and the signer's
 * per-signer rules).
 */
import type { CertificateSigningRequest, CertificateSigningRequestCondition } from 'kubernetes-types/certificates/v1.js';
import { parseCSR, type CSRInfo } from '@nanokube/pki';

/** Signer names this controller-manager signs for. */
export const kubeletClientSigner = 'kubernetes.io/kube-apiserver-client-kubelet';
export const apiserverClientSigner = 'kubernetes.io/kube-apiserver-client';
export const kubeletServingSigner = 'kubernetes.io/kubelet-serving';

const nodePrefix = 'system:node:';

/** decodeRequest parses a CSR's base64 PEM `spec.request`; throws on garbage. */
export function decodeRequest(csr: CertificateSigningRequest): { pem: string; info: CSRInfo } {
  const pem = Buffer.from(csr.spec?.request ?? '', 'base64').toString('utf8');
  return { pem, info: parseCSR(pem) };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((x) => sa.has(x));
}

function nodeSubject(info: CSRInfo): string | undefined {
  if (info.organizations.length !== 1 || info.organizations[0] !== 'system:nodes') return 'subject organization is not system:nodes';
  if (!info.commonName.startsWith(nodePrefix) || info.commonName.length === nodePrefix.length) return 'subject common name does not begin with system:node:';
  return undefined;
}

/**
 * validateKubeletClient returns why a request is not a kubelet client certificate request (undefined when
 * it is): O=system:nodes, CN=system:node:<name>, no SANs, usages exactly digital signature + client auth
 * (key encipherment allowed for RSA).
 */
export function validateKubeletClient(info: CSRInfo, usages: readonly string[]): string | undefined {
  const subject = nodeSubject(info);
  if (subject) return subject;
  if (info.dnsNames.length > 0) return 'DNS subjectAltNames are not allowed';
  if (info.ipAddresses.length > 0) return 'IP subjectAltNames are not allowed';
  const ok = sameSet(usages, ['digital signature', 'client auth']) || sameSet(usages, ['digital signature', 'key encipherment', 'client auth']);
  return ok ? undefined : `usages did not match [digital signature key encipherment client auth]`;
}

/**
 * validateKubeletServing returns why a request is not a kubelet serving certificate request: node
 * subject, at least one DNS or IP SAN, usages exactly digital signature + server auth (+ key encipherment).
 */
export function validateKubeletServing(info: CSRInfo, usages: readonly string[]): string | undefined {
  const subject = nodeSubject(info);
  if (subject) return subject;
  if (info.dnsNames.length === 0 && info.ipAddresses.length === 0) return 'DNS or IP subjectAltName is required';
  const ok = sameSet(usages, ['digital signature', 'server auth']) || sameSet(usages, ['digital signature', 'key encipherment', 'server auth']);
  return ok ? undefined : `usages did not match [digital signature key encipherment server auth]`;
}

/** validateApiserverClient: client auth is required; only digital signature and key encipherment besides. */
export function validateApiserverClient(usages: readonly string[]): string | undefined {
  const allowed = new Set(['digital signature', 'key encipherment', 'client auth']);
  if (!usages.includes('client auth')) return 'client auth usage is required';
  const bad = usages.find((u) => !allowed.has(u));
  return bad ? `invalid usage for client certificate: ${bad}` : undefined;
}

/** hasCondition reports whether the CSR carries a condition of the type with status True. */
export function hasCondition(csr: CertificateSigningRequest, type: string): boolean {
  return (csr.status?.conditions ?? []).some((c) => c.type === type && (c.status ?? 'True') === 'True');
}

/** condition builds a CSR condition stamped with `now`. */
export function condition(type: string, reason: string, message: string, nowMs: number): CertificateSigningRequestCondition {
  const t = new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { type, status: 'True', reason, message, lastUpdateTime: t, lastTransitionTime: t };
}
